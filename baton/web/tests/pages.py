"""Helpers for page tests: a signed-in client, URLs, and a snapshot of everything a refused action
must leave as it was."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from baton.tickets.models import Attachment, Comment, Step, Ticket, TicketEvent
from baton.tickets.tests.helpers import jpeg

STALE = "此工单刚被其他人修改过"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state(ticket: Ticket) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    t = Ticket.objects.get(pk=ticket.pk)
    steps = list(
        Step.objects.filter(ticket=t)
        .order_by("pk")
        .values_list("key", "state", "owner_id", "accepted_at", "reason")
    )
    collaborators = list(
        Step.collaborators.through.objects.filter(step__ticket=t).values_list("user_id", flat=True)
    )
    return (
        t.version, t.status, t.resolution, t.satisfaction, steps, collaborators,
        TicketEvent.objects.filter(ticket=t).count(), Comment.objects.filter(ticket=t).count(),
        Attachment.objects.filter(ticket=t).count(),
    )  # fmt: skip


def detail(ticket: Ticket) -> str:
    return reverse("ticket-detail", args=[ticket.pk])


def step_url(ticket: Ticket, step: Step, action: str) -> str:
    return reverse(f"ticket-step-{action}", args=[ticket.pk, step.pk])


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")
