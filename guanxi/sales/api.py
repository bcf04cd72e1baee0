"""The sales app's REST router: leads, sales targets with the forecast, and opportunities, each declared in its
own room and mounted here in that order (guanxi.api.main mounts this one router)."""

from ninja import Router

from .leads.api import router as leads_router
from .opportunities.api import router as opportunities_router
from .targets.api import router as targets_router

router = Router()
router.add_router("", leads_router)
router.add_router("", targets_router)
router.add_router("", opportunities_router)
