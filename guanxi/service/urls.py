from django.urls import path

from guanxi.org.lists.views import list_page

from . import sla_admin, views
from .caller import views as caller_views
from .knowledge import views as knowledge_views
from .renewals import views as renewal_views
from .stages import views as stage_views
from .surveys import views as survey_views
from .webform import views as webform_views

app_name = "service"
urlpatterns = [
    path("assets/", list_page("assets"), name="asset_list"),
    path("assets/new/", views.asset_form, name="asset_create"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/edit/", views.asset_form, name="asset_edit"),
    path("assets/<int:pk>/delete/", views.asset_delete, name="asset_delete"),
    path("tickets/", list_page("tickets"), name="ticket_list"),
    path("tickets/new/", views.ticket_form, name="ticket_create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/edit/", views.ticket_form, name="ticket_edit"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/note/", views.ticket_note, name="ticket_note"),
    path("tickets/<int:pk>/attach/", views.ticket_attach, name="ticket_attach"),
    path("tickets/<int:pk>/email/", views.ticket_email, name="ticket_email"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="ticket_action"),
    path("surveys/", list_page("surveys"), name="survey_list"),
    path("sla/", sla_admin.sla_targets, name="sla_targets"),
    path("knowledge/", list_page("articles"), name="article_list"),
    path("knowledge/new/", knowledge_views.article_form, name="article_create"),
    path("knowledge/from-ticket/<int:ticket>/", knowledge_views.article_from_ticket, name="article_from_ticket"),
    path("knowledge/<int:pk>/", knowledge_views.article_detail, name="article_detail"),
    path("knowledge/<int:pk>/edit/", knowledge_views.article_form, name="article_edit"),
    path("knowledge/<int:pk>/delete/", knowledge_views.article_delete, name="article_delete"),
    path("knowledge/<int:pk>/helped/", knowledge_views.article_helped, name="article_helped"),
    path("knowledge/<int:pk>/link/", knowledge_views.article_link, name="article_link"),
    path("knowledge/<int:pk>/unlink/", knowledge_views.article_unlink, name="article_unlink"),
    # Public (no sign-in): the satisfaction survey the customer opens from the e-mail link.
    path("survey/<str:token>/", survey_views.survey_public, name="survey_public"),
    # Public (no sign-in): the service request form, its JSON twin and the submitter's tracking page.
    path("request/", webform_views.public_ticket_form, name="public_ticket_form"),
    path("request.json", webform_views.public_ticket_json, name="public_ticket_json"),
    path("request/<str:token>/", webform_views.public_ticket_track, name="public_ticket_track"),
    path("settings/", views.service_settings, name="settings"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_form, name="rule_create"),
    path("rules/<int:pk>/", views.rule_form, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("renewals/", list_page("renewals"), name="renewal_list"),
    path("renewals/settings/", renewal_views.renewal_settings, name="renewal_settings"),
    path("renewals/<int:pk>/", renewal_views.renewal_detail, name="renewal_detail"),
    path("renewals/<int:pk>/<slug:action>/", renewal_views.renewal_action, name="renewal_action"),
    path("stages/", stage_views.template_list, name="stage_template_list"),
    path("stages/new/", stage_views.template_form, name="stage_template_create"),
    path("stages/<int:pk>/", stage_views.template_form, name="stage_template_edit"),
    path("stages/<int:pk>/delete/", stage_views.template_delete, name="stage_template_delete"),
    path("stages/start/<slug:target>/<int:pk>/", stage_views.stage_start, name="stage_start"),
    path("stages/runs/<int:pk>/next/", stage_views.stage_advance, name="stage_advance"),
    path("work/", stage_views.work, name="work"),
    path("caller/", caller_views.caller, name="caller"),
]
