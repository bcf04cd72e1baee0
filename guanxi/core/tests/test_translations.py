"""The Simplified Chinese catalogue: complete, compiled, and used by the running site.

Chinese users see zh-hans by default, so an English string left in the catalogue shows up as English
in their UI. These tests read guanxi/locale/zh_Hans/LC_MESSAGES/django.po with a small parser (no
third-party .po library is a project dependency) and the compiled .mo with the standard library.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

HOW_TO_FIX = (
    "Run `make messages` (extracts the strings and compiles), write the Chinese msgstr for every new or "
    "fuzzy entry in guanxi/locale/zh_Hans/LC_MESSAGES/django.po, remove the fuzzy flags, then run "
    "`cd guanxi && ../.venv/bin/django-admin compilemessages` and commit both django.po and django.mo."
)

# Placeholders, HTML tags and entities must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\([A-Za-z_0-9]+\)[sdifr]|%[sdifr]|%%|\{[A-Za-z_0-9]*\}|<[^>]+>|&[a-z]+;")


@dataclass
class PoEntry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def parse_po(path: Path) -> list[PoEntry]:
    """Entries of a gettext .po file (the subset of the format that xgettext/msgmerge write)."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal entry, target
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        elif line.startswith("#"):
            if entry is not None and target is not None:
                finish()  # a comment after a complete entry starts the next one
            if entry is None:
                entry = PoEntry(line=number)
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if entry is None:
            entry = PoEntry(line=number)
        entry.obsolete = entry.obsolete or obsolete
        if line.startswith('"'):
            assert target is not None, f"django.po line {number}: string without a keyword"
            _append(entry, target, ast.literal_eval(line))
            continue
        keyword, _space, rest = line.partition(" ")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            target = ("msgstr", int(match.group(1)))
        elif keyword in {"msgid", "msgid_plural", "msgctxt", "msgstr"}:
            if keyword in {"msgid", "msgctxt"} and (entry.msgid or entry.msgstr):
                finish()
                entry = PoEntry(line=number, obsolete=obsolete)
            target = (keyword, 0)
        else:
            raise AssertionError(f"django.po line {number}: cannot read {raw!r}")
        _set(entry, target, ast.literal_eval(rest.strip()))
    finish()
    return entries


def _set(entry: PoEntry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = text
    else:
        setattr(entry, name, text)


def _append(entry: PoEntry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def catalogue() -> list[PoEntry]:
    """The live (non-obsolete) entries, without the header."""
    return [e for e in parse_po(PO_PATH) if not e.obsolete and e.msgid]


def test_chinese_is_the_default_language_and_the_catalogue_exists():
    # given the project settings (tests run in English, production in Chinese)
    # then zh-hans is offered and both the source catalogue and its compiled form are in LOCALE_PATHS
    assert "zh-hans" in dict(settings.LANGUAGES)
    assert PO_PATH.is_file(), f"{PO_PATH} is missing. {HOW_TO_FIX}"
    assert MO_PATH.is_file(), f"{MO_PATH} is missing. {HOW_TO_FIX}"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Customers", "客户"),
        ("Sign in", "登录"),
        ("Sign out", "退出登录"),
        ("Public pool", "公海"),
        ("Follow-ups", "跟进记录"),
        ("Owner", "负责人"),
        ("Collaborators", "协作人"),
        ("Recycle bin", "回收站"),
        ("Leads", "线索"),
        ("Claim", "领取"),
    ],
)
def test_key_terms_use_the_crm_vocabulary(english, chinese):
    # given a term users see on every page
    known = {e.msgid for e in catalogue()}
    assert english in known, f"{english!r} is no longer a UI string: update this glossary test"
    # when it is translated for a Chinese user
    with translation.override("zh-hans"):
        shown = _(english)
    # then it uses the established CRM word (the glossary the whole UI follows)
    assert shown == chinese


def test_the_core_terms_are_still_in_the_catalogue():
    # given the catalogue
    known = {e.msgid for e in catalogue()}
    # then the words the term test relies on are there (so that test does not skip everything)
    assert {"Customers", "Sign in", "Follow-ups"} <= known


def test_the_login_page_is_chinese_for_a_chinese_browser(client):
    # given a visitor whose browser asks for Chinese
    # when they open the sign-in page
    response = client.get(reverse("org:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    # then the page is served in Simplified Chinese
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert "登录" in page
    assert ">Sign in<" not in page


def test_every_entry_is_translated_and_none_is_fuzzy():
    # given the catalogue
    entries = catalogue()
    assert entries, f"{PO_PATH} has no entries. {HOW_TO_FIX}"
    # then every entry has a Chinese translation (all plural forms) and none is still marked fuzzy
    untranslated = [str(e) for e in entries if not e.msgstr or any(not s.strip() for s in e.msgstr.values())]
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, (
        f"{len(untranslated)} untranslated entries:\n" + "\n".join(untranslated[:30]) + (f"\n{HOW_TO_FIX}")
    )
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries (check and fix each, then drop the flag):\n"
        + "\n".join(fuzzy[:30])
        + f"\n{HOW_TO_FIX}"
    )


def test_the_header_declares_one_plural_form_and_is_not_fuzzy():
    # given the header entry (msgid "")
    header = next(e for e in parse_po(PO_PATH) if not e.msgid and not e.obsolete)
    # then Chinese has a single plural form and the header is final (a fuzzy header may be dropped by msgfmt)
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert "fuzzy" not in header.flags, f"The header of django.po is marked fuzzy. {HOW_TO_FIX}"


def test_translations_keep_placeholders_and_markup():
    # given the translated entries
    # then each keeps the source's placeholders (%(name)s, %s, {name}), HTML tags and entities exactly,
    # or the page would crash or show raw markup
    broken = []
    for entry in catalogue():
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            wanted = sorted(PLACEHOLDER.findall(source))
            if entry.msgid_plural is not None:
                # one Chinese form stands for both English forms; it may use the plural's placeholders
                wanted_plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
                if sorted(PLACEHOLDER.findall(text)) in (wanted, wanted_plural):
                    continue
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{entry}: {text!r}")
    assert not broken, "Placeholders or markup differ from the English:\n" + "\n".join(broken[:30])


def test_the_compiled_catalogue_matches_the_po_file():
    # given the translations in django.po and the compiled django.mo the site actually loads
    expected: dict[object, str] = {}
    for entry in catalogue():
        if "fuzzy" in entry.flags or not any(entry.msgstr.values()):
            continue  # msgfmt leaves these out; the completeness test reports them
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
        else:
            expected[entry.key] = entry.msgstr.get(0, "")
    with MO_PATH.open("rb") as fp:
        compiled = dict(gettext.GNUTranslations(fp)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header
    # then the .mo holds exactly the same translations (a stale .mo means an edit was not compiled)
    missing = sorted(str(k) for k, v in expected.items() if compiled.get(k) != v)
    extra = sorted(str(k) for k in compiled.keys() - expected.keys())
    assert not missing and not extra, (
        "django.mo is out of date with django.po "
        f"({len(missing)} translations differ or are missing, {len(extra)} are no longer in the .po):\n"
        + "\n".join((missing + extra)[:20])
        + f"\n{HOW_TO_FIX}"
    )


# --- every string the code marks for translation is in the catalogue ------------------------------------------------
PACKAGE_DIR = Path(settings.LOCALE_PATHS[0]).parent
# The gettext functions makemessages extracts from Python, with the positions of (context, singular, plural).
PY_FUNCTIONS = {
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
TEMPLATE_CALL = re.compile(
    r"\b(npgettext|pgettext|ngettext|gettext)\(((?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+)"
)


def _msgid(context: str | None, singular: str) -> str:
    return f"{context}\x04{singular}" if context is not None else singular


def _python_msgids(path: Path) -> set[str]:
    """The msgids of a module: calls of `_` and of django.utils.translation's functions under any local name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, tuple[int | None, int, int | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in PY_FUNCTIONS:
                    names[alias.asname or alias.name] = PY_FUNCTIONS[alias.name]
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
            continue
        context_at, singular_at, _plural_at = names[node.func.id]
        args = node.args
        wanted = [i for i in (context_at, singular_at) if i is not None]
        if len(args) <= max(wanted) or not all(
            isinstance(args[i], ast.Constant) and isinstance(args[i].value, str) for i in wanted
        ):
            continue  # a variable: nothing to extract (makemessages skips it too)
        context = args[context_at].value if context_at is not None else None  # type: ignore[attr-defined]
        found.add(_msgid(context, args[singular_at].value))  # type: ignore[attr-defined]
    return found


def _template_msgids(path: Path) -> set[str]:
    """The msgids of a template, as makemessages sees them ({% translate %}, {% blocktranslate %}, _("…"))."""
    from django.utils.translation.template import templatize

    found: set[str] = set()
    for match in TEMPLATE_CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
        function, args = match.groups()
        values = ast.literal_eval(f"({args.rstrip().rstrip(',')},)")
        context = values[0] if function.startswith(("p", "np")) else None
        found.add(_msgid(context, values[1] if context is not None else values[0]))
    return found


def source_msgids() -> dict[str, Path]:
    """Every msgid marked in the project's Python modules and templates (tests and migrations excluded)."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(PACKAGE_DIR).parts):
            continue
        for msgid in _python_msgids(path):
            found.setdefault(msgid, path)
    for path in sorted(PACKAGE_DIR.rglob("templates/**/*.html")):
        for msgid in _template_msgids(path):
            found.setdefault(msgid, path)
    return found


def test_every_marked_string_is_in_the_catalogue():
    # given every string the code and the templates mark for translation
    marked = source_msgids()
    assert len(marked) > 1000, "the extraction found too few strings: it is broken"
    # then each has its entry in django.po (a string added without `make messages` shows in English to Chinese users)
    known = {e.key for e in catalogue()}
    missing = sorted(
        f"{path.relative_to(PACKAGE_DIR)}: {msgid!r}" for msgid, path in marked.items() if msgid not in known
    )
    assert not missing, (
        f"{len(missing)} strings are not in the catalogue:\n" + "\n".join(missing[:60]) + f"\n{HOW_TO_FIX}"
    )
