from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("apple-touch-icon.png", views.apple_touch_icon, name="apple_touch_icon"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/menu/", views.notification_menu, name="notification_menu"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("files/<slug:kind>/<int:pk>/", views.file_download, name="file_download"),
]
