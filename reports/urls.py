from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("antrean/", views.queue_view, name="queue"),
    path("desa/<str:code>/", views.village_reports_view, name="village_reports"),
    path("desa/<str:code>/kirim/", views.report_submit_view, name="submit"),
    path("<int:pk>/", views.report_detail_view, name="detail"),
    path("<int:pk>/terima/", views.report_accept_view, name="accept"),
    path("<int:pk>/kembalikan/", views.report_send_back_view, name="send_back"),
    path("<int:pk>/kirim-ulang/", views.report_resubmit_view, name="resubmit"),
]
