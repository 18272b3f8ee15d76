"""How the SLA's audit events read in a ticket's timeline (the ticket page calls :func:`describe`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from baton.web.templatetags.baton_ui import compact


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    return compact(moment) if moment is not None else "—"


def clock_name(kind: str, step: str = "") -> str:
    names = {
        "dispatch": _("Time to dispatch"),
        "accept": _("Time to accept"),
        "resolve": _("Time to resolve"),
    }
    if kind in names:
        return names[kind]
    return step or kind.removeprefix("step:")


def describe(kind: str, data: Mapping[str, Any], step: str) -> tuple[str, str, str]:
    """(text, colour, note) for an ``sla_*`` event."""
    clock = clock_name(str(data.get("clock", "")), step)
    if kind == "sla_warning":
        return (
            _("SLA warning: %(clock)s") % {"clock": clock},
            "yellow",
            _("due %(due)s") % {"due": _when(data.get("due_at"))},
        )
    if kind == "sla_breached":
        return (
            _("SLA breached: %(clock)s") % {"clock": clock},
            "red",
            _("was due %(due)s") % {"due": _when(data.get("breached_at") or data.get("due_at"))},
        )
    if kind == "sla_escalated":
        people = "、".join(str(n) for n in data.get("to_names") or []) or "—"
        text = _("Escalated (level %(level)s) to %(people)s") % {
            "level": data.get("level", ""),
            "people": people,
        }
        return text, "orange", ", ".join(str(c) for c in data.get("channels") or [])
    if kind == "sla_recomputed":
        moved = "; ".join(
            f"{clock_name(str(c.get('clock', '')))}: {_when(c.get('from'))} → {_when(c.get('to'))}"
            for c in data.get("clocks") or []
        )
        return _("SLA due times recomputed"), "secondary", moved
    return kind, "secondary", ""
