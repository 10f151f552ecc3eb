from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from desmigratif import export_views, health, views

urlpatterns = [
    path("", views.home, name="home"),
    # Load balancers and monitoring (no sign-in; exempt from the HTTPS redirect in settings).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True,
            extra_context={"idle_minutes": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)},
        ),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ekspor/<int:pk>/", export_views.export_job_view, name="export_job"),
    path("ekspor/<int:pk>/status.json", export_views.export_job_status_view, name="export_job_status"),
    path("ekspor/<int:pk>/unduh/", export_views.export_download_view, name="export_download"),
    path("desa/", include("villages.urls")),
    path("pilar/", include("pillars.urls")),
    path("koordinasi/", include("coordination.urls")),
    path("dasbor/", include("dashboards.urls")),
    path("laporan/", include("reports.urls")),
    path("api/v1/", include("dashboards.api_urls")),
    path("admin/", admin.site.urls),
]
