from django.urls import path

from . import views, views_admin, views_custom_fields, views_dictionaries
from .calendar import views as calendar_views
from .lists.views import list_page
from .mailboxes import views as mailboxes
from .permission_requests import views as permission_requests
from .webhooks import views as webhooks

app_name = "org"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("account/", views.profile, name="profile"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/tokens/", views.token_list, name="token_list"),
    path("account/notifications/", views.notification_settings, name="notification_settings"),
    # administration
    path("org/users/", list_page("users"), name="user_list"),
    path("org/users/new/", views_admin.user_create, name="user_create"),
    path("org/users/<int:pk>/", views_admin.user_edit, name="user_edit"),
    path("org/users/<int:pk>/password/", views_admin.user_password, name="user_password"),
    path("org/users/<int:pk>/deactivate/", views_admin.user_deactivate, name="user_deactivate"),
    path("org/users/<int:pk>/data.zip", views_admin.user_data_export, name="user_data_export"),
    path("org/departments/", views_admin.department_list, name="department_list"),
    path("org/departments/new/", views_admin.department_create, name="department_create"),
    path("org/departments/<int:pk>/", views_admin.department_edit, name="department_edit"),
    path("org/roles/", views_admin.role_list, name="role_list"),
    path("org/roles/new/", views_admin.role_create, name="role_create"),
    path("org/roles/upgrade/", views_admin.roles_upgrade, name="roles_upgrade"),
    path("org/roles/<int:pk>/", views_admin.role_edit, name="role_edit"),
    path("org/partners/", views_admin.partner_list, name="partner_list"),
    path("org/partners/new/", views_admin.partner_create, name="partner_create"),
    path("org/partners/<int:pk>/", views_admin.partner_edit, name="partner_edit"),
    path("org/positions/", views_admin.position_list, name="position_list"),
    path("org/positions/new/", views_admin.position_create, name="position_create"),
    path("org/positions/<int:pk>/", views_admin.position_edit, name="position_edit"),
    path("org/company/", views_admin.company_settings, name="company_settings"),
    path("org/webhooks/", list_page("webhooks"), name="webhook_list"),
    path("org/mailboxes/", list_page("mailboxes"), name="mailbox_list"),
    path("account/mailbox/", mailboxes.mailbox_settings, name="mailbox_settings"),
    path("account/mailbox/disconnect/", mailboxes.mailbox_disconnect, name="mailbox_disconnect"),
    path("org/webhooks/new/", webhooks.webhook_create, name="webhook_create"),
    path("org/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("org/webhooks/<int:pk>/secret/", webhooks.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("org/webhooks/<int:pk>/test/", webhooks.webhook_test, name="webhook_test"),
    path("org/webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("org/webhooks/deliveries/", list_page("webhook_deliveries"), name="webhook_delivery_list"),
    path("org/webhooks/deliveries/<int:pk>/", webhooks.webhook_delivery_detail, name="webhook_delivery_detail"),
    path("org/webhooks/deliveries/<int:pk>/replay/", webhooks.webhook_delivery_replay, name="webhook_delivery_replay"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("account/calendar/new/", calendar_views.calendar_feed_regenerate, name="calendar_feed_regenerate"),
    path("account/calendar/revoke/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("org/custom-fields/", views_custom_fields.custom_field_list, name="custom_field_list"),
    path("org/custom-fields/new/", views_custom_fields.custom_field_create, name="custom_field_create"),
    path("org/custom-fields/<int:pk>/", views_custom_fields.custom_field_edit, name="custom_field_edit"),
    path("org/custom-fields/<int:pk>/action/", views_custom_fields.custom_field_action, name="custom_field_action"),
    path("org/dictionaries/", views_dictionaries.dictionary_list, name="dictionary_list"),
    path("org/dictionaries/<slug:key>/", views_dictionaries.dictionary_detail, name="dictionary_detail"),
    path(
        "org/dictionaries/<slug:key>/new/", views_dictionaries.dictionary_entry_create, name="dictionary_entry_create"
    ),
    path("org/dictionaries/<slug:key>/order/", views_dictionaries.dictionary_reorder, name="dictionary_reorder"),
    path(
        "org/dictionaries/<slug:key>/<int:pk>/", views_dictionaries.dictionary_entry_edit, name="dictionary_entry_edit"
    ),
    path(
        "org/dictionaries/<slug:key>/<int:pk>/action/",
        views_dictionaries.dictionary_entry_action,
        name="dictionary_entry_action",
    ),
    path("org/audit/", list_page("audit"), name="audit_list"),
    path("org/audit/export/", views_admin.audit_export, name="audit_export"),
    path("org/access-log/", views_admin.access_log, name="access_log"),
    path("org/logins/", list_page("logins"), name="login_list"),
    path("org/backups/", views_admin.backup_list, name="backup_list"),
    path("org/backups/new/", views_admin.backup_create, name="backup_create"),
    path("org/backups/<int:pk>/download/", views_admin.backup_download, name="backup_download"),
    path("account/permission-requests/", permission_requests.permission_request_list, name="permission_request_list"),
    path(
        "account/permission-requests/new/",
        permission_requests.permission_request_create,
        name="permission_request_create",
    ),
    path(
        "account/permission-requests/<int:pk>/",
        permission_requests.permission_request_detail,
        name="permission_request_detail",
    ),
]
