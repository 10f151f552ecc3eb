from django.urls import path, re_path

from villages import import_views, views

app_name = "villages"

# Codes look like 35.24.07.2004; the str converter keeps the dots.
urlpatterns = [
    path("", views.village_list_view, name="list"),
    path("anggota/kemungkinan-ganda/", views.possible_duplicates_view, name="possible_duplicates"),
    re_path(r"^ekspor/pendataan-rumah-tangga\.(?P<fmt>csv|xlsx)$", views.member_export_view, name="export"),
    # Survey imports (before "<str:code>/", which would take "impor").
    path("impor/", import_views.import_list_view, name="import_list"),
    path("impor/unggah/", import_views.import_upload_view, name="import_upload"),
    path("impor/templat/<slug:sheet>.xlsx", import_views.import_template_view, name="import_template"),
    path("impor/<int:pk>/", import_views.import_detail_view, name="import_detail"),
    path("impor/<int:pk>/status.json", import_views.import_status_view, name="import_status"),
    path("impor/<int:pk>/kesalahan.xlsx", import_views.import_error_report_view, name="import_errors"),
    path("impor/<int:pk>/tulis/", import_views.import_confirm_view, name="import_confirm"),
    path("<str:code>/", views.village_detail_view, name="detail"),
    path("<str:code>/ubah/", views.village_edit_view, name="edit"),
    path("<str:code>/rumah-tangga/", views.household_list_view, name="households"),
    path("<str:code>/rumah-tangga/tambah/", views.household_create_view, name="household_add"),
    path("<str:code>/rumah-tangga/<int:pk>/", views.household_detail_view, name="household"),
    path("<str:code>/rumah-tangga/<int:pk>/ubah/", views.household_edit_view, name="household_edit"),
    path("<str:code>/anggota/<int:pk>/", views.member_detail_view, name="member"),
    path("<str:code>/anggota/<int:pk>/berangkat/", views.member_depart_view, name="member_depart"),
    path("<str:code>/anggota/<int:pk>/pulang/", views.member_return_view, name="member_return"),
]
