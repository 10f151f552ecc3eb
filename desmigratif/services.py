from desmigratif.models import Role


def user_apply_role(*, user):
    """The role is the one switch an administrator sets: administrators get
    the Django admin with every permission, nobody else gets it."""
    is_admin = user.role == Role.ADMINISTRATOR
    user.is_staff = is_admin
    user.is_superuser = is_admin
    return user
