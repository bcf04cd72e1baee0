from django.urls import path

from . import views, views_admin

app_name = "org"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("account/", views.profile, name="profile"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/tokens/", views.token_list, name="token_list"),
    path("org/users/", views_admin.user_list, name="user_list"),
    path("org/audit/", views_admin.audit_list, name="audit_list"),
]
