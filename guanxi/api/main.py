"""The single NinjaAPI under /api/v1/; every app's router is mounted here.

Authentication (token or session), the error envelope and the offline docs page come from
guanxi.core.api, so each app's api.py only declares its endpoints.
"""

from guanxi.analytics.api import router as analytics_router
from guanxi.approvals.api import router as approvals_router
from guanxi.billing.api import router as billing_router
from guanxi.commerce.api import router as commerce_router
from guanxi.core.api import API_AUTH, GuanxiAPI, OfflineSwagger, register_exception_handlers
from guanxi.core.custom_fields.api import router as custom_fields_router
from guanxi.core.dictionaries.api import router as dictionaries_router
from guanxi.core.imports.api import router as imports_router
from guanxi.customers.api import router as customers_router
from guanxi.customers.dedupe.api import router as dedupe_router
from guanxi.customers.pool.api import router as pool_router
from guanxi.marketing.api import router as marketing_router
from guanxi.org.api import router as org_router
from guanxi.realestate.api import router as realestate_router
from guanxi.realestate.api_trades import router as realestate_trades_router
from guanxi.realestate.api_visits import router as realestate_office_router
from guanxi.sales.api import router as sales_router
from guanxi.service.api import router as service_router
from guanxi.service.caller.api import router as caller_router
from guanxi.service.renewals.api import router as renewals_router

DESCRIPTION = """
Guanxi's REST API. The guide is docs/api.md; in short:

* **Authentication**: `Authorization: Bearer gx_…` with a personal API token (create one under
  *My account → API tokens* or `POST /api/v1/tokens`), or the browser's signed-in session
  (writes then need the `X-CSRFToken` header). Read-only tokens may only `GET`.
* **Errors** always look like `{"error": {"code", "message", "fields"}}`.
* **Lists** take `limit` (1–200, default 50) and `offset` and answer `{"count", "items", "limit", "offset"}`.
* **Concurrency**: every object has a `version`; detail responses send `ETag: "<version>"`.
  Send it back as `If-Match` (optional, honoured) on PATCH/DELETE; a stale one gives 412.
* **Idempotency**: creates accept an `Idempotency-Key` header; a repeat replays the first answer.
"""

api = GuanxiAPI(
    title="Guanxi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
register_exception_handlers(api)

api.add_router("", org_router)
api.add_router("", customers_router)
api.add_router("", pool_router)
api.add_router("", dedupe_router)
api.add_router("", sales_router)
api.add_router("", imports_router)
api.add_router("", dictionaries_router)
api.add_router("", custom_fields_router)
api.add_router("", approvals_router)
api.add_router("", commerce_router)
api.add_router("", billing_router)
api.add_router("", analytics_router)
api.add_router("", service_router)
api.add_router("", renewals_router)
api.add_router("", realestate_router)
api.add_router("", realestate_trades_router)
api.add_router("", realestate_office_router)
api.add_router("", marketing_router)
api.add_router("", caller_router)
