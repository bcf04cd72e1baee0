from django.urls import path

from guanxi.org.lists.views import list_page

from . import views, views_campaigns, views_care, views_events, views_roi
from .loyalty.urls import urlpatterns as loyalty_urls

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
    path("campaigns/", list_page("campaigns"), name="campaign_list"),
    path("campaigns/new/", views_campaigns.campaign_form, name="campaign_create"),
    path("campaigns/roi/", views_roi.roi, name="roi"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views_campaigns.campaign_form, name="campaign_edit"),
    path("campaigns/<int:pk>/start/", views_campaigns.campaign_start, name="campaign_start"),
    path("campaigns/<int:pk>/budget/submit/", views_campaigns.campaign_budget_submit, name="campaign_budget_submit"),
    path("campaigns/<int:pk>/cancel/", views_campaigns.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:pk>/test/", views_campaigns.campaign_test_send, name="campaign_test_send"),
    path("campaigns/<int:pk>/calls/<int:delivery_pk>/", views_campaigns.call_log, name="campaign_call_log"),
    path("care/", views_care.care_overview, name="care"),
    path("care/greetings/new/", views_care.greeting_form, name="greeting_create"),
    path("care/greetings/<int:pk>/", views_care.greeting_form, name="greeting_edit"),
    path("care/greetings/<int:pk>/delete/", views_care.greeting_delete, name="greeting_delete"),
    path("care/plans/new/", views_care.care_plan_form, name="care_plan_create"),
    path("care/plans/<int:pk>/", views_care.care_plan_form, name="care_plan_edit"),
    path("care/overdue/", views_care.care_overdue, name="care_overdue"),
    path("events/", list_page("events"), name="event_list"),
    path("events/new/", views_events.event_form, name="event_create"),
    path("events/<int:pk>/", views_events.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views_events.event_form, name="event_edit"),
    path("events/<int:pk>/check-in/", views_events.event_check_in, name="event_check_in"),
    path("events/registrations/", list_page("registrations"), name="registration_list"),
    path("e/<str:token>/", views_events.event_register, name="event_register"),
    path("t/o/<str:token>/", views_campaigns.track_open, name="track_open"),
    path("t/c/<str:token>/", views_campaigns.track_click, name="track_click"),
]
urlpatterns += loyalty_urls
