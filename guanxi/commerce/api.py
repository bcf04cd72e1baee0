"""REST endpoints of the commerce app, mounted on the one NinjaAPI in guanxi/api/main.py."""

from ninja import Router

router = Router(tags=["Commerce"])
