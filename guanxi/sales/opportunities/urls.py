"""Opportunity pages, the funnel, the closing duty and the pipeline set-up (names in the `sales` namespace:
guanxi.sales.urls includes these)."""

from django.urls import path

from guanxi.org.lists.views import list_page

from . import funnel_views, reminder_views, setup_views, views

urlpatterns = [
    path("opportunities/", list_page("opportunities"), name="opportunity_list"),
    path("opportunities/board/", views.opportunity_board, name="opportunity_board"),
    path("opportunities/board/cards/", views.opportunity_board_cards, name="opportunity_board_cards"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/new/contact-rows/", views.opportunity_contact_rows, name="opportunity_contact_rows"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", views.opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/confirm/", views.opportunity_confirm, name="opportunity_confirm"),
    path("opportunities/<int:pk>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path("opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("opportunities/<int:pk>/follow-up/", views.opportunity_follow_up, name="opportunity_follow_up"),
    path("opportunities/<int:pk>/tasks/", views.opportunity_task, name="opportunity_task"),
    path("opportunities/<int:pk>/documents/", views.opportunity_document_add, name="opportunity_document_add"),
    path(
        "opportunities/<int:pk>/documents/<int:doc_pk>/delete/",
        views.opportunity_document_delete,
        name="opportunity_document_delete",
    ),
    path("opportunities/funnel/", funnel_views.funnel_page, name="opportunity_funnel"),
    path("opportunities/duty/", reminder_views.duty_page, name="opportunity_duty"),
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
