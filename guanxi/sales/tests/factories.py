from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from guanxi.core.search import build_search_text
from guanxi.sales.models import Lead, LeadAssignmentRule


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"线索公司{n}有限公司")
    person_name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    source = Lead.Source.PHONE
    status = Lead.Status.NEW
    owner = None
    search_text = factory.LazyAttribute(
        lambda lead: build_search_text(names=[lead.company_name, lead.person_name], phones=[lead.mobile])
    )


class RuleFactory(DjangoModelFactory):
    class Meta:
        model = LeadAssignmentRule

    name = factory.Sequence(lambda n: f"规则{n}")
    priority = factory.Sequence(lambda n: (n + 1) * 10)
