from django.urls import path
from django.views.generic import RedirectView

from . import analytics_views, views
from . import opportunity_views as opp_views

app_name = "sales"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sales:lead_list", permanent=False)),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/assign/", views.lead_bulk_assign, name="lead_bulk_assign"),
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
    path("opportunities/", opp_views.opportunity_list, name="opportunity_list"),
    path("opportunities/board/", opp_views.opportunity_board, name="opportunity_board"),
    path("opportunities/new/", opp_views.opportunity_create, name="opportunity_create"),
    path("opportunities/new/contact-rows/", opp_views.opportunity_contact_rows, name="opportunity_contact_rows"),
    path("opportunities/<int:pk>/", opp_views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opp_views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", opp_views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", opp_views.opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", opp_views.opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/confirm/", opp_views.opportunity_confirm, name="opportunity_confirm"),
    path("opportunities/<int:pk>/reopen/", opp_views.opportunity_reopen, name="opportunity_reopen"),
    path("opportunities/<int:pk>/delete/", opp_views.opportunity_delete, name="opportunity_delete"),
    path("opportunities/<int:pk>/follow-up/", opp_views.opportunity_follow_up, name="opportunity_follow_up"),
    path("opportunities/<int:pk>/tasks/", opp_views.opportunity_task, name="opportunity_task"),
    path("opportunities/<int:pk>/documents/", opp_views.opportunity_document_add, name="opportunity_document_add"),
    path(
        "opportunities/<int:pk>/documents/<int:doc_pk>/delete/",
        opp_views.opportunity_document_delete,
        name="opportunity_document_delete",
    ),
    # Public (no sign-in): the web-to-lead form and its JSON twin.
    path("forms/lead/", views.public_lead_form, name="public_lead_form"),
    path("forms/lead.json", views.public_lead_json, name="public_lead_json"),
    path("opportunities/funnel/", analytics_views.funnel_page, name="opportunity_funnel"),
]

from . import reminder_views  # noqa: E402

urlpatterns += [
    path("opportunities/duty/", reminder_views.duty_page, name="opportunity_duty"),
]

# Sales targets (业绩目标) and the forecast.
from . import targets_views  # noqa: E402

urlpatterns += [
    path("targets/", targets_views.targets_page, name="targets"),
    path("targets/<int:pk>/split/", targets_views.target_split, name="target_split"),
]

from . import pipeline_admin_views as setup_views  # noqa: E402

urlpatterns += [
    path("admin/pipelines/", setup_views.pipeline_list, name="admin_pipeline_list"),
    path("admin/pipelines/new/", setup_views.pipeline_edit, name="admin_pipeline_create"),
    path("admin/pipelines/<int:pk>/", setup_views.pipeline_edit, name="admin_pipeline_edit"),
    path("admin/pipelines/<int:pipeline_pk>/stages/new/", setup_views.stage_edit, name="admin_stage_create"),
    path("admin/pipelines/<int:pipeline_pk>/stages/<int:pk>/", setup_views.stage_edit, name="admin_stage_edit"),
    path("admin/lost-reasons/", setup_views.lost_reason_list, name="admin_lost_reason_list"),
    path("admin/lost-reasons/new/", setup_views.lost_reason_edit, name="admin_lost_reason_create"),
    path("admin/lost-reasons/<int:pk>/", setup_views.lost_reason_edit, name="admin_lost_reason_edit"),
    path("admin/competitors/", setup_views.competitor_list, name="admin_competitor_list"),
    path("admin/competitors/new/", setup_views.competitor_edit, name="admin_competitor_create"),
    path("admin/competitors/<int:pk>/", setup_views.competitor_edit, name="admin_competitor_edit"),
]
