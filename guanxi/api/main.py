"""The single NinjaAPI under /api/v1/; every app's router is mounted here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Guanxi API", version="1", urls_namespace="api")
