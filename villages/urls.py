from django.urls import path

from villages import views

app_name = "villages"

# Codes look like 35.24.07.2004; the path converter keeps the dots.
urlpatterns = [
    path("", views.village_list_view, name="list"),
    path("<str:code>/", views.village_detail_view, name="detail"),
    path("<str:code>/ubah/", views.village_edit_view, name="edit"),
]
