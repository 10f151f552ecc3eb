from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from dashboards import api

app_name = "api"

urlpatterns = [
    path("villages/", api.VillageListView.as_view(), name="village-list"),
    path("villages/<str:code>/", api.VillageDetailView.as_view(), name="village-detail"),
    # The OpenAPI 3 document, readable without a token (it holds no data):
    # YAML by default, JSON with ?format=json.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
