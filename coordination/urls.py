from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.index_view, name="index"),
    # The coverage matrix: village x pillar, who covers what.
    path("cakupan/", views.coverage_view, name="coverage"),
    path("cakupan.xlsx", views.coverage_export_view, name="coverage_export"),
    # Agencies.
    path("instansi/", views.agency_list_view, name="agencies"),
    path("instansi/tambah/", views.agency_create_view, name="agency_add"),
    path("instansi/<int:pk>/ubah/", views.agency_edit_view, name="agency_edit"),
    # MOUs and their commitments.
    path("mou/", views.mou_list_view, name="mous"),
    path("mou/tambah/", views.mou_create_view, name="mou_add"),
    path("mou/<int:pk>/", views.mou_detail_view, name="mou"),
    path("mou/<int:pk>/ubah/", views.mou_edit_view, name="mou_edit"),
    path("mou/<int:pk>/dokumen/", views.mou_document_view, name="mou_document"),
    path("mou/<int:pk>/komitmen/tambah/", views.commitment_create_view, name="commitment_add"),
    path("komitmen/<int:pk>/ubah/", views.commitment_edit_view, name="commitment_edit"),
    # Realisation of a commitment per village (?desa=<code> chooses the village).
    path("komitmen/<int:pk>/realisasi/tambah/", views.realisation_create_view, name="realisation_add"),
    path("realisasi/", views.realisation_list_view, name="realisations"),
    path("realisasi/<int:pk>/", views.realisation_detail_view, name="realisation"),
    path("realisasi/<int:pk>/ubah/", views.realisation_edit_view, name="realisation_edit"),
    # Programmes and their budget lines.
    path("program/", views.programme_list_view, name="programmes"),
    path("program/tambah/", views.programme_create_view, name="programme_add"),
    path("program/<int:pk>/", views.programme_detail_view, name="programme"),
    path("program/<int:pk>/ubah/", views.programme_edit_view, name="programme_edit"),
    path("program/<int:pk>/anggaran/tambah/", views.budget_line_create_view, name="budget_add"),
    path("anggaran/<int:pk>/ubah/", views.budget_line_edit_view, name="budget_edit"),
]
