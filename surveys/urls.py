from django.urls import path, re_path

from surveys import views

app_name = "surveys"

# Mounted at desa/ before villages.urls, whose "<str:code>/" would take
# "impor" and "ekspor" for village codes.
urlpatterns = [
    re_path(r"^ekspor/pendataan-rumah-tangga\.(?P<fmt>csv|xlsx)$", views.member_export_view, name="export"),
    path("impor/", views.import_list_view, name="import_list"),
    path("impor/unggah/", views.import_upload_view, name="import_upload"),
    path("impor/templat/<slug:sheet>.xlsx", views.import_template_view, name="import_template"),
    path("impor/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("impor/<int:pk>/status.json", views.import_status_view, name="import_status"),
    path("impor/<int:pk>/kesalahan.xlsx", views.import_error_report_view, name="import_errors"),
    path("impor/<int:pk>/tulis/", views.import_confirm_view, name="import_confirm"),
]
