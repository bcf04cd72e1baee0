from django.urls import path

from . import views, views_builder, views_subscriptions

app_name = "analytics"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("metrics/<slug:key>/", views.metric_detail, name="metric"),
    path("league/", views.league, name="league"),
    path("league/settings/", views.league_settings, name="league_settings"),
    path("league/violations/", views.league_violations, name="league_violations"),
    path("report/", views.management_report, name="report"),
    path("usage/", views.usage, name="usage"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("builder/", views_builder.builder_page, name="builder"),
    path("subscriptions/", views_subscriptions.subscription_page, name="subscriptions"),
]
