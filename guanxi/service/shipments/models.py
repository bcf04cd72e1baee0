"""Which shipments of execution orders already gave their customer's assets (so the worker turns each shipment
into assets once, whenever it runs)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class ShipmentAssets(TimeStampedModel):
    shipment = models.OneToOneField(
        "commerce.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="service_assets"
    )
    assets = models.PositiveIntegerField(_("assets created"), default=0)

    class Meta:
        verbose_name = _("shipment turned into assets")
        verbose_name_plural = _("shipments turned into assets")

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.assets}"
