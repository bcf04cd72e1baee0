from django.urls import path

from guanxi.org.lists.views import list_page

from . import views

app_name = "pool"
urlpatterns = [
    path("", list_page("pool"), name="list"),
    path("claim/", views.pool_claim, name="claim"),
    path("assign/", views.pool_assign, name="assign"),
    path("<int:pk>/", views.pool_detail, name="detail"),
    # The customer page links here for "Return to pool" (GET: reason form, POST: return).
    path("return/<int:pk>/", views.customer_return, name="return"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
