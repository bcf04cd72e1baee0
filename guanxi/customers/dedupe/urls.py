from django.urls import path

from . import views

app_name = "dedupe"
urlpatterns = [
    path("", views.scan, name="scan"),
    path("merge/", views.merge, name="merge"),
    path("contacts/<int:customer_id>/merge/", views.contact_merge, name="contact_merge"),
    path("merges/", views.merges, name="merges"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("rules/", views.rules, name="rules"),
    path("check/", views.check, name="check"),
]
