from django.urls import path

from offline import views

app_name = "offline"

urlpatterns = [
    path("<str:code>/luring/", views.offline_page, name="page"),
    path("<str:code>/luring/kunci/", views.key_view, name="key"),
    path("<str:code>/luring/data/", views.offline_data_view, name="data"),
    path("<str:code>/luring/kirim/", views.sync_view, name="sync"),
]
