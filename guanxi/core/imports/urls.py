from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("templates/<slug:kind>.xlsx", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/run/", views.import_run, name="run"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/report.xlsx", views.import_report, name="report"),
]
