from django.urls import path

from guanxi.org.lists.views import list_page

from . import views, views_rules

app_name = "approvals"
urlpatterns = [
    path("", list_page("approvals"), name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/return/", views.return_for_changes, name="return"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/cancel/", views.delegation_cancel, name="delegation_cancel"),
    path("rules/", views_rules.rule_list, name="rule_list"),
    path("rules/new/", views_rules.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views_rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views_rules.rule_delete, name="rule_delete"),
    path("settings/", views_rules.settings_update, name="settings"),
]
