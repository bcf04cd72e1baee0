from django.urls import path, register_converter

from guanxi.org.lists.views import list_page

from . import views


class IdConverter:
    """A database id: digits that fit a 64-bit integer, so an absurd id is a 404, never a crash."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "dbid")

app_name = "customers"
urlpatterns = [
    path("", list_page("customers"), name="list"),
    path("new/", views.customer_create, name="create"),
    path("check-duplicate/", views.customer_check_duplicate, name="check_duplicate"),
    path("review/", views.review_queue, name="review_queue"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("my-day/", views.my_day, name="my_day"),
    path("quick-pick/", views.quick_pick, name="quick_pick"),
    path("contacts/", list_page("contacts"), name="contact_list"),
    path("contacts/<dbid:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<dbid:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("follow-ups/", list_page("follow_ups"), name="follow_up_list"),
    path("follow-ups/<dbid:pk>/edit/", views.follow_up_edit, name="follow_up_edit"),
    path("follow-ups/<dbid:pk>/delete/", views.follow_up_delete, name="follow_up_delete"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<dbid:pk>/done/", views.task_done, name="task_done"),
    path("<dbid:pk>/", views.customer_detail, name="detail"),
    path("<dbid:pk>/edit/", views.customer_edit, name="edit"),
    path("<dbid:pk>/delete/", views.customer_delete, name="delete"),
    path("<dbid:pk>/transfer/", views.customer_transfer, name="transfer"),
    path("<dbid:pk>/review/", views.customer_review, name="review"),
    path("<dbid:pk>/review/resubmit/", views.customer_review_resubmit, name="review_resubmit"),
    path("<dbid:pk>/restore/", views.customer_restore, name="restore"),
    path("<dbid:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("<dbid:pk>/email/", views.customer_email, name="email"),
    path("<dbid:pk>/contacts/new/", views.contact_create, name="contact_create"),
]
