"""Small template helpers shared by every page: badges, due times, query strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from baton.core import clock
from baton.tickets.forms import equipment_label, step_display_name, step_kind
from baton.tickets.models import OPEN_STATUSES, Priority, Status

register = template.Library()

STATUS_COLOURS: dict[str, str] = {
    Status.NEW: "secondary",
    Status.WAITING_DISPATCH: "orange",
    Status.IN_REPAIR: "blue",
    Status.WAITING_ACCEPTANCE: "purple",
    Status.WAITING_PARTS: "yellow",
    Status.WAITING_CUSTOMER: "pink",
    Status.IN_PROGRESS: "azure",
    Status.CLOSED: "green",
    Status.CANCELLED: "secondary",
}
PRIORITY_COLOURS: dict[str, str] = {
    Priority.LOW: "secondary",
    Priority.NORMAL: "blue",
    Priority.HIGH: "orange",
    Priority.URGENT: "red",
}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.simple_tag
def status_badge(status: str) -> SafeString:
    colour = STATUS_COLOURS.get(status, "secondary")
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, status, _label(Status, status)
    )


@register.simple_tag
def priority_badge(priority: str) -> SafeString:
    colour = PRIORITY_COLOURS.get(priority, "secondary")
    solid = priority in (Priority.URGENT, Priority.HIGH)
    css = f"bg-{colour} text-{colour}-fg" if solid else f"bg-{colour}-lt"
    return format_html(
        '<span class="badge {}" data-priority="{}">{}</span>', css, priority, _label(Priority, priority)
    )


def compact(value: datetime) -> str:
    """A short local date and time: "11月24日 09:30" this year, with the year otherwise."""
    local = timezone.localtime(value)
    if local.year == timezone.localtime(clock.now()).year:
        return date_format(local, _("n月j日 H:i"))
    return date_format(local, _("Y年n月j日 H:i"))


def is_overdue(due_at: datetime | None, status: str | None = None) -> bool:
    if due_at is None:
        return False
    if status is not None and status not in OPEN_STATUSES:
        return False
    return due_at < clock.now()


@register.filter
def overdue(due_at: datetime | None, status: str | None = None) -> bool:
    return is_overdue(due_at, status)


@register.simple_tag
def due_badge(due_at: datetime | None, status: str | None = None) -> SafeString:
    """The due time, red with "超时" when it has passed on something still open."""
    if due_at is None:
        return format_html('<span class="text-secondary">{}</span>', "—")
    text = compact(due_at)
    if is_overdue(due_at, status):
        return format_html(
            '<span class="badge bg-red text-red-fg" data-overdue="1" title="{}">{} · {}</span>',
            text,
            _("超时"),
            text,
        )
    return format_html('<span class="text-secondary" title="{}">{}</span>', text, text)


@register.simple_tag
def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return compact(value)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def initials(name: Any) -> str:
    text = str(name or "").strip()
    if not text:
        return "?"
    if text.isascii():
        parts = text.split()
        return "".join(p[0] for p in parts[:2]).upper()
    return text[-2:] if len(text) > 2 else text


@register.filter
def filesize(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@register.filter
def step_label(step: Any) -> str:
    """The step's name in the active language."""
    return step_display_name(getattr(step, "key", ""), getattr(step, "name", "") or "")


@register.filter
def needs_accept(step: Any) -> bool:
    return step_kind(getattr(step, "key", "")).needs_accept


@register.filter(name="equipment_label")
def equipment_label_filter(asset: Any) -> str:
    return equipment_label(asset)


@register.simple_tag
def todo_item(step: Any, show_owner: bool = False) -> SafeString:
    """One to-do row (a step and its ticket), rendered here rather than by an included template:
    the to-do page shows up to 40 of them and an ``{% include %}`` per row was most of its time."""
    ticket = step.ticket
    tail = []
    if ticket.site_id:
        tail.append(format_html('<span class="text-secondary">{}</span>', ticket.site.name))
    if show_owner:
        tail.append(
            format_html('<span class="text-secondary">· {} {}</span>', _("责任人"), step.owner.display_name)
        )
    if needs_accept(step) and not step.accepted_at:
        tail.append(format_html('<span class="badge bg-yellow-lt">{}</span>', _("未接单")))
    return format_html(
        '<a href="{}" class="list-group-item list-group-item-action baton-todo-item{}"'
        ' data-testid="todo-item" data-ticket="{}" data-step="{}">'
        '<div class="d-flex justify-content-between align-items-start gap-2">'
        '<span class="fw-bold">{}</span><span class="text-end">{}</span></div>'
        '<div class="text-body">{}</div>'
        '<div class="d-flex flex-wrap align-items-center gap-1 mt-1 small">'
        '<span class="badge bg-primary-lt">{}</span> {} {}</div></a>',
        reverse("ticket-detail", args=[ticket.pk]),
        " is-overdue" if is_overdue(step.due_at, None) else "",
        ticket.number,
        step.key,
        ticket.number,
        due_badge(step.due_at),
        ticket.title,
        step_label(step),
        priority_badge(ticket.priority),
        mark_safe(" ".join(tail)),  # noqa: S308 - every part was built by format_html
    )
