from django.urls import path

from guanxi.org.lists.views import list_page

from . import views

app_name = "marketing"
urlpatterns = [
    path("segments/", list_page("segments"), name="segment_list"),
    path("segments/new/", views.segment_form, name="segment_create"),
    path("segments/count/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", views.segment_form, name="segment_edit"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path(
        "segments/<int:pk>/members/<int:contact_pk>/remove/", views.segment_member_remove, name="segment_member_remove"
    ),
    path("suppressions/", list_page("suppressions"), name="suppression_list"),
    path("suppressions/new/", views.suppression_create, name="suppression_create"),
    path("consent/<int:pk>/", views.consent_set, name="consent_set"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
