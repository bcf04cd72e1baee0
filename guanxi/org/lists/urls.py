"""The toolkit's endpoints for every registered list, under /lists/<key>/ (the page itself is the owning app's URL,
made with `list_page(key)`)."""

from django.urls import path, register_converter

from . import views


class _IdConverter:
    """A database id: digits that fit a 64-bit integer, so an absurd id is a 404, never a crash."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_IdConverter, "listid")

app_name = "lists"
urlpatterns = [
    path("<slug:key>/views/save/", views.saved_view_save, name="view_save"),
    path("<slug:key>/views/<listid:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("<slug:key>/views/default/clear/", views.saved_view_default_clear, name="view_default_clear"),
    path("<slug:key>/columns/", views.columns_save, name="columns"),
    path("<slug:key>/star/<listid:pk>/", views.star_toggle, name="star"),
    path("<slug:key>/bulk/<slug:action>/", views.bulk_action, name="bulk"),
    path("<slug:key>/inline/<listid:pk>/<slug:column>/", views.inline_edit, name="inline"),
    path("<slug:key>/export/", views.export, name="export"),
]
