"""The unit form (房间): what the sales office corrects on a unit after it was generated or imported, and the custom
fields an administrator added to units. The service checks everything again (areas, the project's layouts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.custom_fields.forms import PREFIX, custom_form_values
from guanxi.org.forms import TablerMixin

from .models import AREA, Orientation, Unit


class UnitForm(TablerMixin, forms.Form):
    entrance = forms.CharField(label=_("Unit entrance"), max_length=20)
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=200)
    number = forms.CharField(label=_("Room number"), max_length=20)
    layout = forms.TypedChoiceField(label=_("Layout"), required=False, coerce=int, empty_value=None)
    orientation = forms.ChoiceField(label=_("Orientation"), required=False, choices=[("", "—"), *Orientation.choices])
    built_area = forms.DecimalField(label=_("Built-up area (m²)"), min_value=0.01, **AREA)
    usable_area = forms.DecimalField(label=_("Usable area (m²)"), min_value=0.01, required=False, **AREA)
    decoration = forms.TypedChoiceField(label=_("Decoration standard"), required=False, coerce=int, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project = unit.building.project
        self.fields["layout"].choices = [("", "—"), *((x.pk, str(x)) for x in project.layouts.all())]  # type: ignore[attr-defined]
        self.fields["decoration"].choices = [("", "—"), *((x.pk, x.name) for x in project.decorations.all())]  # type: ignore[attr-defined]
        if unit.reserved:  # its area and decoration (so its price) no longer change
            for name in ("built_area", "decoration"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("The unit is reserved: its area and decoration no longer change.")

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {k: v for k, v in d.items() if k != "version" and not k.startswith(PREFIX)}
        for name, field in self.fields.items():
            if field.disabled:
                data.pop(name, None)
        if getattr(self, "custom_field_names", None):
            data["custom"] = custom_form_values(self)
        return data


def unit_initial(unit: Unit) -> dict[str, Any]:
    return {
        "entrance": unit.entrance,
        "floor": unit.floor,
        "number": unit.number,
        "layout": unit.layout_id,
        "orientation": unit.orientation,
        "built_area": unit.built_area,
        "usable_area": unit.usable_area,
        "decoration": unit.decoration_id,
        "version": unit.version,
    }
