"""Lead pages (names in the `sales` namespace: guanxi.sales.urls includes these)."""

from django.urls import path

from guanxi.org.lists.views import list_page

from . import views

urlpatterns = [
    path("leads/", list_page("leads"), name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/assign-by-rules/", views.lead_assign_by_rules, name="lead_assign_by_rules"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/screen/", views.lead_screen, name="lead_screen"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("leads/<int:pk>/follow/", views.lead_follow, name="lead_follow"),
    path("leads/<int:pk>/lose/", views.lead_lose, name="lead_lose"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("lead-rules/", views.rule_list, name="rule_list"),
    path("lead-rules/new/", views.rule_edit, name="rule_create"),
    path("lead-rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("lead-rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("lead-rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    # Public (no sign-in): the web-to-lead form and its JSON twin.
    path("forms/lead/", views.public_lead_form, name="public_lead_form"),
    path("forms/lead.json", views.public_lead_json, name="public_lead_json"),
]
