from django.urls import include, path
from django.views.generic import RedirectView

from guanxi.api.main import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="customers:my_day", permanent=False)),
    path("", include("guanxi.org.urls")),
    path("lists/", include("guanxi.org.lists.urls")),
    path("", include("guanxi.core.urls")),
    path("customers/pool/", include("guanxi.customers.pool.urls")),
    path("customers/dedupe/", include("guanxi.customers.dedupe.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("imports/", include("guanxi.core.imports.urls")),
    path("sales/", include("guanxi.sales.urls")),
    path("approvals/", include("guanxi.approvals.urls")),
    path("commerce/", include("guanxi.commerce.urls")),
    path("billing/", include("guanxi.billing.urls")),
    path("analytics/", include("guanxi.analytics.urls")),
    path("service/", include("guanxi.service.urls")),
    path("realestate/", include("guanxi.realestate.urls")),
    path("marketing/", include("guanxi.marketing.urls")),
    path("api/v1/", api.urls),
]
# Uploaded files are never served as /media/: they leave only through core:file_download (guanxi.core.files).

handler400 = "guanxi.core.views.bad_request"
handler403 = "guanxi.core.views.permission_denied"
handler404 = "guanxi.core.views.page_not_found"
handler500 = "guanxi.core.views.server_error"
