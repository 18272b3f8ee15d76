"""Pages: the bell (an htmx partial), my notifications, my preferences, and the admins' dead letters.

Opening a notification is a POST (it changes state: it marks the notification read) that redirects
to the notification's link — only ever a link on this site. Dead letters are a 404 for non-admins,
like every other page a user may not see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baton.accounts.models import User
from baton.accounts.queries import is_admin

from . import queries, services
from .forms import PreferenceForm
from .models import Notification

PER_PAGE = 30


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The navbar bell alone, for htmx to refresh the unread count."""
    response = render(
        request, "notifications/_bell.html", {"unread_count": queries.unread_count(_user(request))}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(queries.notifications_for(user, unread_only=unread_only), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page_obj": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "unread_count": queries.unread_count(user),
    }
    template = "notifications/_list.html" if _is_htmx(request) else "notifications/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of my notifications read and go where it points (another user's id is a 404)."""
    user = _user(request)
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise Http404("No such notification.")
    services.mark_read(user=user, ids=[notification.pk])
    target = notification.url
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return redirect(target if target and safe else "notification-list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=_user(request))
    if _is_htmx(request):
        return render(request, "notifications/_bell.html", {"unread_count": 0})
    return redirect("notification-list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pref = queries.preference_for(user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.update_preferences(user=user, **form.cleaned_data)
            messages.success(request, _("通知设置已保存。"))
            return redirect("notification-preferences")
    else:
        form = PreferenceForm(
            initial={
                "email_enabled": pref.email_enabled,
                "sms_enabled": pref.sms_enabled,
                "quiet_start": pref.quiet_start,
                "quiet_end": pref.quiet_end,
            }
        )
    return render(request, "notifications/preferences.html", {"form": form, "time_zone": user.time_zone})


def _admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise Http404("Not found.")


@login_required
@require_GET
def dead_letters(request: HttpRequest) -> HttpResponse:
    _admin(request)
    page = Paginator(queries.dead_letters(), PER_PAGE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "letters": page.object_list, "counts": queries.outbox_counts()}
    return render(request, "notifications/dead_letters.html", context)


@login_required
@require_POST
def retry_dead_letters(request: HttpRequest) -> HttpResponse:
    _admin(request)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit() and len(value) < 19]
    retried = services.retry_dead(message_ids=ids) if ids else 0
    messages.success(request, _("已重新排队 %(count)d 条通知。") % {"count": retried})
    return redirect("notification-dead-letters")
