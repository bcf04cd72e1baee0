"""Settings pages of the dictionaries (数据字典): the lists, and each list's entries (add, rename in Chinese and
English, colour, reorder by drag or up/down, retire, restore). Thin: every page checks org.admin first, every
write goes through core.dictionaries.services (one transaction, audited), so a denied request changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries import services
from guanxi.core.errors import ApplicationError, NotFoundError
from guanxi.core.models import Dictionary, DictionaryEntry
from guanxi.core.views_util import form_add_errors

from .forms import DictionaryEntryForm
from .policies import require_permission
from .views_admin import _render

PAGE_SIZE = 100
TAB = "dictionaries"


def _dictionary(request: HttpRequest, key: str) -> Dictionary:
    require_permission(request.user, services.ADMIN_PERMISSION)
    found = dictionaries.admin_dictionaries().filter(key=key).first()
    if found is None:
        raise NotFoundError(_("No such dictionary."))
    return found


def _entry(dictionary: Dictionary, pk: int) -> DictionaryEntry:
    found = DictionaryEntry.objects.filter(dictionary=dictionary, pk=pk).select_related("parent").first()
    if found is None:
        raise NotFoundError(_("No such dictionary entry."))
    return found


def _back(dictionary: Dictionary, parent: str = "") -> str:
    url = reverse("org:dictionary_detail", args=[dictionary.key])
    return f"{url}?parent={parent}" if parent else url


@login_required
def dictionary_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, services.ADMIN_PERMISSION)
    rows = list(dictionaries.admin_dictionary_summaries())
    return _render(request, "org/dictionaries/list.html", TAB, {"dictionaries": rows})


@login_required
def dictionary_detail(request: HttpRequest, key: str) -> HttpResponse:
    dictionary = _dictionary(request, key)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    parent_code = request.GET.get("parent", "").replace("\x00", "")[:50] if dictionary.is_tree else None
    parent = None
    if parent_code:
        parent = (
            DictionaryEntry.objects.filter(dictionary=dictionary, code=parent_code).select_related("parent").first()
        )
        if parent is None:
            parent_code = ""
    entries = dictionaries.admin_entries(key=key, parent=parent_code, query=query)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    trail = []
    step = parent
    while step is not None:
        trail.insert(0, step)
        step = step.parent
    context = {
        "dictionary": dictionary,
        "page": page,
        "entries": page.object_list,
        "query": query,
        "parent": parent,
        "trail": trail,
        # Dragging reorders a whole level: offered when the level is on one page and not filtered.
        "can_drag": not query and page.paginator.num_pages == 1,
        "used_by": [f"{f.model._meta.verbose_name}: {f.verbose_name}" for f in _fields_using(key)],
    }
    return _render(request, "org/dictionaries/detail.html", TAB, context)


def _fields_using(key: str) -> list[Any]:
    from guanxi.core.dictionaries.fields import FIELDS_USING

    return list(FIELDS_USING.get(key, []))


@login_required
def dictionary_entry_create(request: HttpRequest, key: str) -> HttpResponse:
    dictionary = _dictionary(request, key)
    parent = request.GET.get("parent", "")[:50] if dictionary.is_tree else ""
    form = DictionaryEntryForm(
        request.POST or None, colours=services.COLOURS, tree=dictionary.is_tree, initial={"parent": parent}
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.dictionary_entry_create(actor=request.user, key=key, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": entry.label})
            return redirect(_back(dictionary, form.cleaned_data.get("parent") or ""))
    context = {"form": form, "title": _("New entry of %(name)s") % {"name": dictionary.label}}
    context["back_url"] = _back(dictionary, parent)
    return _render(request, "org/simple_form.html", TAB, context)


@login_required
def dictionary_entry_edit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    dictionary = _dictionary(request, key)
    entry = _entry(dictionary, pk)
    initial = {
        "label_zh": entry.label_zh,
        "label_en": entry.label_en,
        "colour": entry.colour,
        "parent": entry.parent.code if entry.parent_id else "",  # type: ignore[union-attr]
    }
    form = DictionaryEntryForm(
        request.POST or None, colours=services.COLOURS, tree=dictionary.is_tree, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dictionary_entry_update(actor=request.user, entry_id=entry.pk, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": entry.code})
            return redirect(_back(dictionary, initial["parent"]))
    context = {
        "form": form,
        "title": f"{dictionary.label} · {entry.code}",
        "hint": _("The code “%(code)s” stays: records hold it.") % {"code": entry.code},
        "back_url": _back(dictionary, initial["parent"]),
    }
    return _render(request, "org/simple_form.html", TAB, context)


ACTIONS = {
    "retire": lambda actor, pk: services.dictionary_entry_retire(actor=actor, entry_id=pk),
    "restore": lambda actor, pk: services.dictionary_entry_restore(actor=actor, entry_id=pk),
    "up": lambda actor, pk: services.dictionary_entry_move(actor=actor, entry_id=pk, step=-1),
    "down": lambda actor, pk: services.dictionary_entry_move(actor=actor, entry_id=pk, step=1),
}


@login_required
@require_POST
def dictionary_entry_action(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """Retire, restore, or move one place up or down (buttons on the entries' page)."""
    dictionary = _dictionary(request, key)
    entry = _entry(dictionary, pk)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        try:
            action(request.user, entry.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if request.POST.get("action") == "retire":
                messages.success(
                    request, _("%(name)s is retired: records keep it, new ones cannot take it.") % {"name": entry.label}
                )
            elif request.POST.get("action") == "restore":
                messages.success(request, _("%(name)s is offered again.") % {"name": entry.label})
    parent = entry.parent.code if entry.parent_id else ""  # type: ignore[union-attr]
    return redirect(_back(dictionary, parent) + f"#entry-{entry.pk}")


@login_required
@require_POST
def dictionary_reorder(request: HttpRequest, key: str) -> HttpResponse:
    """A drag on the entries' page: the codes of one level in their new order (JSON answer for the script)."""
    dictionary = _dictionary(request, key)
    codes = request.POST.getlist("code")
    try:
        services.dictionary_entries_reorder(actor=request.user, key=dictionary.key, codes=codes)
    except ApplicationError as exc:
        return JsonResponse(exc.as_envelope(), status=exc.http_status)
    return JsonResponse({"ok": True, "order": codes})
