from django.urls import path

from villages import merge_views, views

app_name = "villages"

# Codes look like 35.24.07.2004; the str converter keeps the dots.
urlpatterns = [
    path("", views.village_list_view, name="list"),
    path("anggota/kemungkinan-ganda/", views.possible_duplicates_view, name="possible_duplicates"),
    path(
        "anggota/kemungkinan-ganda/gabung-anggota/<int:pk>/<int:other>/",
        merge_views.member_merge_view,
        name="merge_members",
    ),
    path(
        "anggota/kemungkinan-ganda/gabung-rumah-tangga/<int:pk>/<int:other>/",
        merge_views.household_merge_view,
        name="merge_households",
    ),
    path("<str:code>/", views.village_detail_view, name="detail"),
    path("<str:code>/ubah/", views.village_edit_view, name="edit"),
    path("<str:code>/rumah-tangga/", views.household_list_view, name="households"),
    path("<str:code>/rumah-tangga/tambah/", views.household_create_view, name="household_add"),
    path("<str:code>/rumah-tangga/<int:pk>/", views.household_detail_view, name="household"),
    path("<str:code>/rumah-tangga/<int:pk>/ubah/", views.household_edit_view, name="household_edit"),
    path("<str:code>/anggota/<int:pk>/", views.member_detail_view, name="member"),
    path("<str:code>/gabungan/<int:pk>/", merge_views.merge_detail_view, name="merge_detail"),
    path("<str:code>/anggota/<int:pk>/berangkat/", views.member_depart_view, name="member_depart"),
    path("<str:code>/anggota/<int:pk>/pulang/", views.member_return_view, name="member_return"),
]
