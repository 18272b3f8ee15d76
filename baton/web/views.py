"""Pages that belong to no single domain: sign-in, the to-do home page, the profile and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from baton.accounts import queries as people
from baton.accounts import services as accounts
from baton.accounts.models import Role, User
from baton.core import clock
from baton.core.errors import BatonError
from baton.tickets import queries as ticket_queries

from .errors import add_to_form, message_for
from .forms import AwayForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    """The home page: my steps (overdue first), my department's queue, what I reported."""
    user = _user(request)
    page = ticket_queries.todo_for(user, full=False)
    now = clock.now()
    is_staff = bool(people.scope_department_ids(user)) or people.is_admin(user)
    reported = ticket_queries.open_reported_by(user)
    context = {
        "page": page,
        "now": now,
        "is_staff_user": is_staff,
        "mine_overdue_steps": [s for s in page.mine if s.due_at < now],
        "mine_ontime_steps": [s for s in page.mine if s.due_at >= now],
        "reported": reported,
    }
    return render(request, "web/todo.html", context)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("例如：ERP 对接")}),
    )


def _profile_context(
    user: User, form: TokenForm, secret: str | None = None, away_form: AwayForm | None = None
) -> dict[str, Any]:
    role_labels = dict(Role.choices)
    roles = sorted({str(role_labels.get(code, code)) for code in people.roles_of(user)})
    return {
        "form": form,
        "secret": secret,
        "roles": roles,
        "tokens": list(people.tokens_of(user)),
        "away_form": away_form or AwayForm(candidates=people.delegate_candidates(user)),
        "away_periods": list(people.away_periods(user, clock.now())),
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Who I am, and my personal API tokens (the secret is shown once, right after creation)."""
    user = _user(request)
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, secret = accounts.create_api_token(user=user, name=form.cleaned_data["name"])
            except BatonError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, gettext("已创建令牌。请立即复制，关闭页面后将无法再次查看。"))
                return render(request, "web/profile.html", _profile_context(user, TokenForm(), secret))
        return render(request, "web/profile.html", _profile_context(user, form), status=422)
    return render(request, "web/profile.html", _profile_context(user, TokenForm()))


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        accounts.revoke_api_token(user=_user(request), token_id=token_id)
    except BatonError as exc:
        messages.error(request, message_for(exc))
    else:
        messages.success(request, gettext("令牌已吊销。"))
    return redirect("profile")


@login_required
@require_POST
def set_away(request: HttpRequest) -> HttpResponse:
    """Away from … to …, delegate to X: steps assigned meanwhile go to the delegate."""
    user = _user(request)
    form = AwayForm(request.POST, candidates=people.delegate_candidates(user))
    if form.is_valid():
        try:
            accounts.set_away(
                user=user,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                delegate=form.cleaned_data["delegate"],
                note=form.cleaned_data["note"],
            )
        except BatonError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, gettext("Saved: while you are away, new steps go to your delegate."))
            return redirect("profile")
    return render(
        request, "web/profile.html", _profile_context(user, TokenForm(), away_form=form), status=422
    )


@login_required
@require_POST
def cancel_away(request: HttpRequest, away_id: int) -> HttpResponse:
    try:
        accounts.cancel_away(user=_user(request), delegation_id=away_id)
    except BatonError as exc:
        messages.error(request, message_for(exc))
    else:
        messages.success(request, gettext("Away period cancelled."))
    return redirect("profile")


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; a signed-in user's choice is saved to their profile too."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in accounts.LANGUAGES:
        accounts.set_language(user=request.user, language=language)
    return set_language(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (Django's view: old password checked, validators applied)."""

    success_url = reverse_lazy("profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, gettext("密码已修改。"))
        return response
