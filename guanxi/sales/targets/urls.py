"""Sales targets (业绩目标) and the forecast (names in the `sales` namespace: guanxi.sales.urls includes these)."""

from django.urls import path

from . import views

urlpatterns = [
    path("targets/", views.targets_page, name="targets"),
    path("targets/<int:pk>/split/", views.target_split, name="target_split"),
]
