from django.urls import path

from guanxi.org.lists.views import list_page

from . import views, views_campaigns
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
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views_campaigns.campaign_form, name="campaign_edit"),
    path("campaigns/<int:pk>/start/", views_campaigns.campaign_start, name="campaign_start"),
    path("campaigns/<int:pk>/budget/submit/", views_campaigns.campaign_budget_submit, name="campaign_budget_submit"),
    path("campaigns/<int:pk>/cancel/", views_campaigns.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:pk>/test/", views_campaigns.campaign_test_send, name="campaign_test_send"),
    path("campaigns/<int:pk>/calls/<int:delivery_pk>/", views_campaigns.call_log, name="campaign_call_log"),
    path("t/o/<str:token>/", views_campaigns.track_open, name="track_open"),
    path("t/c/<str:token>/", views_campaigns.track_click, name="track_click"),
]
urlpatterns += loyalty_urls
