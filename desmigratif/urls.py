from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from desmigratif import accounts, export_views, health, two_factor_views, views
from offline import views as offline_views

urlpatterns = [
    path("", views.home, name="home"),
    # Load balancers and monitoring (no sign-in; exempt from the HTTPS redirect in settings).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for these by themselves, signed in or not.
    path("manifest.webmanifest", views.web_app_manifest, name="web_app_manifest"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The offline entry page's service worker: from the root, so its scope covers /desa/….
    path("sw.js", offline_views.service_worker, name="offline_service_worker"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True,
            authentication_form=accounts.SignInForm,
            extra_context={"idle_minutes": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)},
        ),
        name="login",
    ),
    path("keluar/", accounts.LogoutView.as_view(), name="logout"),
    path("akun/", accounts.account_view, name="account"),
    path("akun/sandi/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("akun/keluar-sesi-lain/", accounts.sign_out_others_view, name="sign_out_others"),
    # Two-factor sign-in (desmigratif/two_factor.py); the only pages open while the code is owed.
    path("akun/dua-langkah/", two_factor_views.manage_view, name="second_factor_manage"),
    path("akun/dua-langkah/kode/", two_factor_views.verify_view, name="second_factor_verify"),
    path("akun/dua-langkah/pasang/", two_factor_views.setup_view, name="second_factor_setup"),
    path("akun/dua-langkah/matikan/", two_factor_views.disable_view, name="second_factor_disable"),
    path("akun/dua-langkah/kode-cadangan/", two_factor_views.new_codes_view, name="second_factor_new_codes"),
    path("sandi/lupa/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("sandi/lupa/terkirim/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "sandi/atur/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("sandi/atur/selesai/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # A link an administrator issued (valid 24 hours, desmigratif.accounts.AdminResetTokenGenerator).
    path(
        "sandi/tautan/<uidb64>/<token>/",
        accounts.AdminLinkResetConfirmView.as_view(),
        name="password_reset_link",
    ),
    # The admin's own "change password" is this one, logged and ending other sessions.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ekspor/<int:pk>/", export_views.export_job_view, name="export_job"),
    path("ekspor/<int:pk>/status.json", export_views.export_job_status_view, name="export_job_status"),
    path("ekspor/<int:pk>/unduh/", export_views.export_download_view, name="export_download"),
    path("desa/", include("surveys.urls")),
    path("desa/", include("villages.urls")),
    path("desa/", include("offline.urls")),
    path("pilar/", include("pillars.urls")),
    path("koordinasi/", include("coordination.urls")),
    path("dasbor/", include("dashboards.urls")),
    path("laporan/", include("reports.urls")),
    path("api/v1/", include("dashboards.api_urls")),
    path("admin/", admin.site.urls),
]
