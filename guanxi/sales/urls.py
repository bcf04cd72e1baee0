from django.urls import include, path
from django.views.generic import RedirectView

app_name = "sales"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sales:lead_list", permanent=False)),
    path("", include("guanxi.sales.leads.urls")),
    path("", include("guanxi.sales.opportunities.urls")),
    path("", include("guanxi.sales.targets.urls")),
]
