"""Sign-in, sign-out, language, own account and API tokens. (Admin pages: views_admin.py.)"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.views_util import form_add_errors

from .forms import LoginForm, NotificationSettingsForm, PasswordChangeStyledForm
from .models import User
from .selectors import account_for_sign_in
from .services import (
    api_token_create,
    api_token_revoke,
    login_record,
    logout_record,
    user_set_language,
    user_set_password,
)


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            login_record(username=username, user=user, success=True)
            return redirect(_safe_next(request))
        locked = getattr(request, "guanxi_login_locked", False)
        known = account_for_sign_in(username=username)
        login_record(username=username, user=known, success=False, reason="locked" if locked else "bad_credentials")
        if locked:
            form.add_error(
                None,
                _(
                    "Too many failed sign-ins: this account is locked for %(minutes)s minutes. "
                    "Try again later or ask your administrator."
                )
                % {"minutes": settings.GUANXI_LOGIN_LOCKOUT_MINUTES},
            )
        else:
            form.add_error(None, _("User name or password is wrong."))
    return render(request, "org/login.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout_record(user=request.user)
    logout(request)
    return redirect("org:login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language and stay on the same page; a signed-in user keeps the choice."""
    language = request.POST.get("language", "")
    nxt = _safe_next(request)
    if language not in dict(User.Language.choices):
        return redirect(nxt)
    if request.user.is_authenticated:
        user_set_language(actor=request.user, language=language)
    translation.activate(language)
    response = redirect(nxt)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    from .calendar.services import calendar_feed_of, feed_url

    events = request.user.login_events.all()[:20]
    calendar_url = feed_url(calendar_feed_of(user=request.user))
    return render(request, "org/profile.html", {"events": events, "calendar_url": calendar_url})


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The user's own notification settings: which topics they hear about, and the daily digest."""
    from guanxi.core.notifications import notification_settings_for, notification_settings_save

    row, choices = notification_settings_for(user=request.user)
    topics = [c.topic for c in choices]
    initial = {"daily_digest": row.daily_digest, "receive": [c.topic.key for c in choices if not c.muted]}
    form = NotificationSettingsForm(request.POST or None, topics=topics, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notification_settings_save(
                actor=request.user, daily_digest=form.cleaned_data["daily_digest"], muted=form.muted(topics)
            )
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("org:notification_settings")
    checked = set(form["receive"].value() or [])
    rows = [{"topic": t, "checked": t.key in checked} for t in topics]
    return render(request, "org/notification_settings.html", {"form": form, "rows": rows})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeStyledForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(actor=request.user, user=request.user, password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("org:profile")
    return render(request, "org/password_change.html", {"form": form})


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    new_secret = None
    error = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = request.user.api_tokens.filter(pk=request.POST.get("revoke")).first()
            if token:
                api_token_revoke(actor=request.user, token=token)
                messages.success(request, _("Token revoked."))
            return redirect("org:token_list")
        try:
            _token, new_secret = api_token_create(
                actor=request.user, name=request.POST.get("name", ""), read_only=bool(request.POST.get("read_only"))
            )
        except ApplicationError as exc:
            error = exc.message
    tokens = request.user.api_tokens.all()
    return render(request, "org/token_list.html", {"tokens": tokens, "new_secret": new_secret, "error": error})
