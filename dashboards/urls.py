from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("ekspor.xlsx", views.overview_xlsx, name="overview_xlsx"),
    path("peta/", views.village_map, name="map"),
    path("peta/titik.json", views.map_points, name="map_points"),
    path("desa/<str:code>/", views.village_dashboard, name="village"),
]
