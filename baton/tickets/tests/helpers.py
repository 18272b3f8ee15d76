"""Small helpers for ticket tests: open a ticket and walk it through the repair flow."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from baton.tickets import services
from baton.tickets.models import Step, StepState, Ticket


def jpeg(width: int = 64, height: int = 48, *, exif_gps: bool = False, color: str = "red") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCamera"  # Make
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 51.0)}  # GPSInfo
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def open_ticket(org: Any, **kwargs: Any) -> Ticket:
    params: dict[str, Any] = {"requester": org.store_manager, "title": "冷柜不制冷", "asset": org.asset}
    params.update(kwargs)
    return services.create_ticket(**params)


def active_step(ticket: Ticket) -> Step:
    steps = list(Step.objects.filter(ticket=ticket, state=StepState.ACTIVE))
    assert len(steps) == 1, steps
    return steps[0]


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def dispatch(org: Any, ticket: Ticket, technician: Any | None = None) -> Ticket:
    step = active_step(ticket)
    return services.complete_step(
        ticket=ticket,
        step_id=step.pk,
        actor=step.owner,
        outcome="assign",
        values={"technician": (technician or org.tech).pk},
    )


def repair(ticket: Ticket, resolution: str = "更换压缩机继电器") -> Ticket:
    step = active_step(ticket)
    return services.complete_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, outcome="done", values={"resolution": resolution}
    )


def accept(ticket: Ticket, rating: int = 5) -> Ticket:
    step = active_step(ticket)
    return services.complete_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, outcome="accept", values={"rating": rating}
    )
