from django.urls import path

from pillars import views

app_name = "pillars"

# /pilar/<village code>/...; codes look like 35.24.07.2004 (str keeps the dots).
urlpatterns = [
    path("<str:code>/", views.OverviewView.as_view(), name="overview"),
    # Pillar I: the migration service desk
    path("<str:code>/petugas/", views.OfficerListView.as_view(), name="officers"),
    path("<str:code>/petugas/tambah/", views.OfficerFormView.as_view(), name="officer_add"),
    path("<str:code>/petugas/<int:pk>/ubah/", views.OfficerFormView.as_view(), name="officer_edit"),
    path("<str:code>/layanan/", views.ActivityListView.as_view(), name="activities"),
    path("<str:code>/layanan/tambah/", views.ActivityFormView.as_view(), name="activity_add"),
    path("<str:code>/layanan/<int:pk>/ubah/", views.ActivityFormView.as_view(), name="activity_edit"),
    # Pillar II: productive businesses and trainings
    path("<str:code>/usaha/", views.BusinessListView.as_view(), name="businesses"),
    path("<str:code>/usaha/tambah/", views.BusinessFormView.as_view(), name="business_add"),
    path("<str:code>/usaha/<int:pk>/ubah/", views.BusinessFormView.as_view(), name="business_edit"),
    path("<str:code>/pelatihan/", views.TrainingListView.as_view(), name="trainings"),
    path("<str:code>/pelatihan/tambah/", views.TrainingFormView.as_view(), name="training_add"),
    path("<str:code>/pelatihan/<int:pk>/ubah/", views.TrainingFormView.as_view(), name="training_edit"),
    # Pillar III: community parenting and the learning house
    path("<str:code>/parenting/", views.ParentingListView.as_view(), name="parenting"),
    path("<str:code>/parenting/tambah/", views.ParentingFormView.as_view(), name="parenting_add"),
    path("<str:code>/parenting/<int:pk>/ubah/", views.ParentingFormView.as_view(), name="parenting_edit"),
    path("<str:code>/rumah-belajar/ubah/", views.LearningHouseFormView.as_view(), name="learning_house"),
    # Pillar IV: cooperatives and loans
    path("<str:code>/koperasi/", views.CooperativeListView.as_view(), name="cooperatives"),
    path("<str:code>/koperasi/tambah/", views.CooperativeFormView.as_view(), name="cooperative_add"),
    path("<str:code>/koperasi/<int:pk>/ubah/", views.CooperativeFormView.as_view(), name="cooperative_edit"),
    path("<str:code>/pinjaman/", views.LoanListView.as_view(), name="loans"),
    path("<str:code>/pinjaman/tambah/", views.LoanFormView.as_view(), name="loan_add"),
    path("<str:code>/pinjaman/<int:pk>/ubah/", views.LoanFormView.as_view(), name="loan_edit"),
    # Problems and their follow-ups
    path("<str:code>/masalah/", views.ProblemListView.as_view(), name="problems"),
    path("<str:code>/masalah/tambah/", views.ProblemFormView.as_view(), name="problem_add"),
    path("<str:code>/masalah/<int:pk>/", views.problem_detail_view, name="problem"),
    path("<str:code>/masalah/<int:pk>/ubah/", views.ProblemFormView.as_view(), name="problem_edit"),
    path("<str:code>/masalah/<int:pk>/tindak-lanjut/", views.follow_up_add_view, name="follow_up_add"),
]
