"""One money format on every page (core.money.format_money via the guanxi_money filters: ¥545,000.00, US$99.00):
no template writes an amount the old ways ("545,000.00 元" with floatformat, or "¥" glued before a floatformat),
and every template that uses the money filters loads them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import get_template

import guanxi

TEMPLATES = sorted(Path(guanxi.__file__).parent.rglob("templates/**/*.html"))
OLD_FORMS = {
    "an amount with floatformat and 元 after it": re.compile(r'floatformat:"?\d?g?"?\s*}}(?:\s|&nbsp;|</span>)*元'),
    "a grouped floatformat (use |cny, |money:currency or |cny_or_count)": re.compile(r'floatformat:"\d?g"'),
    "¥ glued before a figure (use |cny)": re.compile(r"¥\s*{{"),
    "a translated text with 元 after an amount": re.compile(r"{{ \w+ }}\s*元"),
}


def test_templates_write_amounts_one_way():
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for what, pattern in OLD_FORMS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(Path(guanxi.__file__).parent)}:{line}: {what}")
    assert len(TEMPLATES) > 100
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "path", [p for p in TEMPLATES if re.search(r"\|(cny|money|cny_or_count)\b", p.read_text(encoding="utf-8"))]
)
def test_templates_with_money_filters_compile(path):
    # a filter used without {% load guanxi_money %} fails here rather than on a customer's page
    name = str(path).split("/templates/", 1)[1]
    get_template(name)
