"""The ticket lifecycle through the services: one owner per step, reasons, events, versions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from baton.core.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from baton.tickets import services
from baton.tickets.models import Participant, Status, Step, StepState, Ticket, TicketEvent

from .helpers import accept, active_step, dispatch, fresh, jpeg, open_ticket, repair

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", flat=True))


@time_machine.travel(T0, tick=False)
def test_new_ticket_gets_number_asset_data_and_lands_on_the_dispatcher(org):
    ticket = open_ticket(org, photos=[("a.jpg", jpeg()), ("b.jpg", jpeg())])

    assert re.fullmatch(r"WO-20261123-\d{4}", ticket.number)
    assert ticket.number == "WO-20261123-0001"
    assert (ticket.site, ticket.customer, ticket.asset_model, ticket.under_warranty) == (
        org.site,
        org.customer,
        "海尔 SC-380",
        True,
    )
    assert ticket.department == org.north
    assert ticket.status == Status.WAITING_DISPATCH
    assert ticket.due_at == T0 + timedelta(hours=24)
    step = active_step(ticket)
    assert (step.key, step.owner, step.due_at) == (
        "Task_dispatch",
        org.dispatcher,
        T0 + timedelta(minutes=30),
    )
    assert ticket.attachments.count() == 2
    assert kinds(ticket) == [
        "created",
        "attachment_added",
        "attachment_added",
        "step_entered",
        "status_changed",
    ]
    second = open_ticket(org)
    assert second.number == "WO-20261123-0002"


def test_full_repair_flow_every_step_has_one_owner(org):
    ticket = open_ticket(org)
    ticket = dispatch(org, ticket)
    assert ticket.status == Status.IN_REPAIR
    step = active_step(ticket)
    assert (step.key, step.owner) == ("Task_repair", org.tech)
    services.accept_step(ticket=ticket, step_id=step.pk, actor=org.tech)
    services.add_comment(ticket=ticket, actor=org.tech, body="到店检查", files=[("p.jpg", jpeg())])
    ticket = repair(ticket)
    assert ticket.status == Status.WAITING_ACCEPTANCE
    assert active_step(ticket).owner == org.store_manager
    ticket = accept(ticket, rating=4)

    ticket = fresh(ticket)
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at is not None
    assert ticket.satisfaction == 4
    assert ticket.resolution == "更换压缩机继电器"
    assert not Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).exists()
    assert list(ticket.steps.values_list("key", "owner__username", "outcome")) == [
        ("Task_dispatch", "dispatcher", "assign"),
        ("Task_repair", "tech", "done"),
        ("Task_acceptance", "store", "accept"),
    ]
    assert set(Participant.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == {
        "dispatcher",
        "tech",
        "store",
    }


def test_return_without_reason_is_refused_and_changes_nothing(org):
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    before_events = TicketEvent.objects.count()
    before_version = fresh(ticket).version

    with pytest.raises(ValidationFailed) as exc:
        services.complete_step(ticket=ticket, step_id=step.pk, actor=org.tech, outcome="return", reason="  ")
    assert exc.value.fields == {"reason": ["required"]}
    assert TicketEvent.objects.count() == before_events
    assert fresh(ticket).version == before_version
    assert active_step(ticket).pk == step.pk


def test_return_with_reason_goes_back_to_the_dispatcher_with_the_reason(org):
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    ticket = services.complete_step(
        ticket=ticket, step_id=step.pk, actor=org.tech, outcome="return", reason="需要制冷专业资质"
    )
    assert ticket.status == Status.WAITING_DISPATCH
    back = active_step(ticket)
    assert (back.key, back.owner) == ("Task_dispatch", org.dispatcher)
    returned = TicketEvent.objects.get(ticket=ticket, kind="step_returned")
    assert returned.actor == org.tech
    assert returned.data["reason"] == "需要制冷专业资质"
    # A second round works the same way: dispatch to another technician, who completes it.
    ticket = dispatch(org, ticket, technician=org.tech2)
    assert active_step(ticket).owner == org.tech2
    ticket = repair(ticket)
    assert fresh(ticket).status == Status.WAITING_ACCEPTANCE


def test_rejected_acceptance_goes_back_to_repair_and_needs_a_reason(org):
    ticket = repair(dispatch(org, open_ticket(org)))
    step = active_step(ticket)
    with pytest.raises(ValidationFailed):
        services.complete_step(ticket=ticket, step_id=step.pk, actor=org.store_manager, outcome="reject")
    ticket = services.complete_step(
        ticket=ticket, step_id=step.pk, actor=org.store_manager, outcome="reject", reason="仍然不制冷"
    )
    assert ticket.status == Status.IN_REPAIR
    assert active_step(ticket).owner == org.tech


def test_only_the_owner_can_complete_and_nothing_changes_otherwise(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    events = TicketEvent.objects.count()
    for intruder in (org.tech, org.store_manager, org.agent):
        with pytest.raises(Forbidden):
            services.complete_step(
                ticket=ticket,
                step_id=step.pk,
                actor=intruder,
                outcome="assign",
                values={"technician": org.tech.pk},
            )
    assert TicketEvent.objects.count() == events
    assert active_step(ticket).pk == step.pk


def test_dispatch_needs_a_technician_of_the_department(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    for bad in (None, org.south_tech.pk, org.store_manager.pk, 999999, "abc", True):
        values = {} if bad is None else {"technician": bad}
        with pytest.raises(ValidationFailed):
            services.complete_step(
                ticket=ticket, step_id=step.pk, actor=org.dispatcher, outcome="assign", values=values
            )
    assert fresh(ticket).status == Status.WAITING_DISPATCH
    assert kinds(ticket) == ["created", "step_entered", "status_changed"]


def test_invalid_outcome_and_unknown_fields_are_refused(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    with pytest.raises(ValidationFailed):
        services.complete_step(ticket=ticket, step_id=step.pk, actor=org.dispatcher, outcome="done")
    with pytest.raises(ValidationFailed):
        services.complete_step(
            ticket=ticket,
            step_id=step.pk,
            actor=org.dispatcher,
            outcome="assign",
            values={"technician": org.tech.pk, "typename": "BpmnWorkflow"},
        )
    assert fresh(ticket).version == 1


def test_completed_step_cannot_be_completed_again(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    dispatch(org, ticket)
    with pytest.raises(InvalidTransition):
        services.complete_step(
            ticket=ticket,
            step_id=step.pk,
            actor=org.dispatcher,
            outcome="assign",
            values={"technician": org.tech.pk},
        )


def test_reassign_needs_a_reason_and_records_before_and_after(org):
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    with pytest.raises(ValidationFailed):
        services.reassign_step(
            ticket=ticket, step_id=step.pk, actor=org.dispatcher, new_owner=org.tech2, reason=""
        )
    assert active_step(ticket).owner == org.tech
    with pytest.raises(ValidationFailed):
        services.reassign_step(
            ticket=ticket, step_id=step.pk, actor=org.dispatcher, new_owner=org.south_tech, reason="换人"
        )
    with pytest.raises(Forbidden):
        services.reassign_step(
            ticket=ticket, step_id=step.pk, actor=org.tech2, new_owner=org.tech2, reason="我来"
        )
    services.reassign_step(
        ticket=ticket, step_id=step.pk, actor=org.dispatcher, new_owner=org.tech2, reason="张师傅请假"
    )
    assert active_step(ticket).owner == org.tech2
    event = TicketEvent.objects.get(ticket=ticket, kind="step_reassigned")
    assert event.data["changes"] == {"owner": [org.tech.pk, org.tech2.pk]}
    assert event.data["reason"] == "张师傅请假"
    # The new owner completes; the old one no longer can.
    with pytest.raises(Forbidden):
        services.complete_step(
            ticket=ticket, step_id=step.pk, actor=org.tech, outcome="done", values={"resolution": "x"}
        )
    repair(ticket)


def test_collaborators_see_and_comment_but_do_not_own(org):
    from baton.tickets.policies import can_view

    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    assert not can_view(org.south_tech, ticket)
    services.add_collaborator(ticket=ticket, step_id=step.pk, actor=org.tech, user=org.south_tech)
    assert can_view(org.south_tech, ticket)
    services.add_comment(ticket=ticket, actor=org.south_tech, body="建议检查温控器")
    with pytest.raises(Forbidden):
        services.complete_step(
            ticket=ticket, step_id=step.pk, actor=org.south_tech, outcome="done", values={"resolution": "x"}
        )
    assert active_step(ticket).owner == org.tech
    with pytest.raises(ValidationFailed):
        services.add_collaborator(ticket=ticket, step_id=step.pk, actor=org.tech, user=org.south_tech)
    with pytest.raises(ValidationFailed):
        services.add_collaborator(ticket=ticket, step_id=step.pk, actor=org.tech, user=org.portal)


def test_stale_version_is_a_conflict_and_changes_nothing(org):
    ticket = open_ticket(org)
    services.update_ticket(ticket=ticket, actor=org.agent, changes={"priority": "high"}, expected_version=1)
    with pytest.raises(Conflict):
        services.update_ticket(
            ticket=ticket, actor=org.dispatcher, changes={"title": "新标题"}, expected_version=1
        )
    ticket = fresh(ticket)
    assert (ticket.title, ticket.priority, ticket.version) == ("冷柜不制冷", "high", 2)
    event = TicketEvent.objects.get(ticket=ticket, kind="fields_changed")
    assert event.data["changes"]["priority"] == ["normal", "high"]


def test_update_refuses_unknown_fields_and_bad_values(org):
    ticket = open_ticket(org)
    for changes in ({"status": "closed"}, {"priority": "extreme"}, {"title": ""}, {"title": "a\x00b"}):
        with pytest.raises(ValidationFailed):
            services.update_ticket(ticket=ticket, actor=org.agent, changes=changes)
    with pytest.raises(Forbidden):
        services.update_ticket(ticket=ticket, actor=org.tech, changes={"title": "x"})
    assert fresh(ticket).version == 1


def test_create_refuses_bad_input_and_writes_nothing(org):
    before = (Ticket.objects.count(), TicketEvent.objects.count(), Step.objects.count())
    bad_calls: list[dict[str, Any]] = [
        {"title": ""},
        {"title": "x" * 201},
        {"priority": "p0"},
        {"asset": None, "site": None},
        {"asset": org.asset, "site": org.south_site},
        {"photos": [("evil.exe", b"MZ\x90\x00binary")]},
        {"photos": [("empty.jpg", b"")]},
    ]
    for extra in bad_calls:
        with pytest.raises(ValidationFailed):
            open_ticket(org, **extra)
    assert (Ticket.objects.count(), TicketEvent.objects.count(), Step.objects.count()) == before


def test_photos_are_stripped_of_exif_and_get_thumbnails(org):
    from PIL import Image

    ticket = open_ticket(org, photos=[("gps.jpg", jpeg(3000, 2000, exif_gps=True))])
    attachment = ticket.attachments.get()
    with attachment.file.open("rb") as fh, Image.open(fh) as stored:
        assert stored.size == (2048, 1365)
        assert dict(stored.getexif()) == {}
    with attachment.thumbnail.open("rb") as fh, Image.open(fh) as thumb:
        assert max(thumb.size) == 320
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/jpeg", 2048, 1365)


def test_step_without_dispatcher_falls_back_up_the_tree(org):
    org.north.dispatcher = None
    org.north.save()
    ticket = open_ticket(org)
    assert active_step(ticket).owner == org.manager
    org.north.manager = None
    org.north.save()
    ticket = open_ticket(org)
    assert active_step(ticket).owner == org.admin
