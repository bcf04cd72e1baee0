from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from guanxi.core.tests.factories import PASSWORD
from guanxi.core.tests.factories import UserFactory as BaseUserFactory
from guanxi.org.models import Department, PartnerOrganisation, Role, User

__all__ = ["PASSWORD", "DepartmentFactory", "PartnerOrganisationFactory", "UserFactory"]


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.DEPARTMENT

    @factory.post_generation
    def set_path(obj: Department, create: bool, extracted: object, **kwargs: object) -> None:
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


class PartnerOrganisationFactory(DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"代理商{n}")


class UserFactory(BaseUserFactory):
    """core's user, with a Chinese name, a department and English pages (the tests read English)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    name = factory.Faker("name", locale="zh_CN")
    department = factory.SubFactory(DepartmentFactory)
    language = "en"

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """roles=["sales_rep", …]: role codes (default roles must exist: fixture `default_roles`)."""
        if create and extracted:
            # the user is new, so add gives set's result without set's read of the current roles (one query fewer)
            obj.roles.add(*Role.objects.filter(code__in=extracted))
