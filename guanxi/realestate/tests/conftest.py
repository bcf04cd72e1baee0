"""Fixtures of the real-estate tests: the installation's switch on, and a project with a layout, a decoration
standard and one building of generated units."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.realestate import services
from guanxi.realestate.models import ProjectMember


@pytest.fixture
def enabled(settings: Any) -> None:
    settings.REALESTATE_ENABLED = True


@pytest.fixture
def project(org: Any, enabled: None) -> Any:
    admin = org["admin"]
    project = services.project_create(
        actor=admin, data={"name": "锦绣花园", "developer": "锦绣置业", "rounding": "yuan"}
    )
    project.a1 = services.layout_add(actor=admin, project=project, data={"name": "A1", "bedrooms": 3, "area": "118.50"})
    project.fine = services.decoration_add(actor=admin, project=project, data={"name": "精装", "price_per_m2": "1500"})
    project.b1 = services.building_create(actor=admin, project=project, data={"name": "1号楼"})
    services.units_generate(actor=admin, building=project.b1, data={
        "floor_from": 1, "floor_to": 6, "units_per_floor": 2, "skip_floors": "4", "built_area": "100",
        "layout": project.a1.pk, "orientation": "S",
        "positions": {"2": {"built_area": "118.50", "orientation": "SN"}},
    })  # fmt: skip
    # Everyone of the org chart works on it (data scope by project); tests of the scope take people off.
    ProjectMember.objects.bulk_create(ProjectMember(project=project, user=u) for u in org.people.values())
    return project
