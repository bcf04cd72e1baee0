"""`includes/form_field.html` places itself in the form's grid (col-md-6, or col-12 `with wide=True`): a template
that wraps it in a column of its own halves every input again (the coupon page's inputs filled half their column)."""

from __future__ import annotations

import re
from pathlib import Path

import guanxi

WRAPPED = re.compile(r'<div class="col[^"]*">\s*{%\s*include "includes/form_field.html"')


def test_no_template_wraps_a_form_field_in_a_column_of_its_own():
    root = Path(guanxi.__file__).parent
    wrapped = [str(p.relative_to(root)) for p in root.rglob("templates/**/*.html") if WRAPPED.search(p.read_text())]
    assert wrapped == []
