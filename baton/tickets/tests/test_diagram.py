"""The ticket's flow diagram: the drawing, the path taken, the current step and who did what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baton.tickets import services
from baton.tickets.models import Step
from baton.tickets.tests.helpers import dispatch, fresh, open_ticket, repair
from baton.tickets.views.diagram import duration
from baton.web.tests.pages import client_for
from baton.workflows import queries as flow_queries


def diagram(user: Any, ticket: Any) -> Any:
    return client_for(user).get(reverse("ticket-diagram", args=[ticket.pk]))


def test_dispatched_ticket_shows_path_current_step_and_notes(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    response = diagram(org.dispatcher, ticket)
    assert response.status_code == 200
    data = response.json()
    assert "Task_dispatch" in data["xml"]
    assert data["completed"] == ["Start_reported", "Task_dispatch"]
    assert data["active"] == ["Task_repair"]
    assert data["flows"] == ["Flow_to_dispatch", "Flow_to_repair"]
    notes = {note["id"]: note for note in data["overlays"]}
    assert set(notes) == {"Task_dispatch", "Task_repair"}
    assert notes["Task_dispatch"]["state"] == "completed"
    assert notes["Task_dispatch"]["owner"] == "李派工"
    assert notes["Task_dispatch"]["text"] == "不到 1 分钟"
    assert notes["Task_repair"]["state"] == "active"
    assert notes["Task_repair"]["owner"] == "张师傅"
    assert notes["Task_repair"]["text"].startswith("到期 ")


def test_loop_back_marks_the_return_flow_and_counts_passes(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    step = Step.objects.get(ticket=ticket, key="Task_repair")
    ticket = services.complete_step(
        ticket=fresh(ticket), step_id=step.pk, actor=step.owner, outcome="return", reason="缺配件"
    )
    ticket = dispatch(org, fresh(ticket))
    data = diagram(org.dispatcher, ticket).json()
    assert data["active"] == ["Task_repair"]
    assert data["completed"][-1] == "Task_dispatch"
    assert "Flow_repair_returned" in data["flows"]
    assert "Flow_repair_done" not in data["flows"]
    notes = {note["id"]: note for note in data["overlays"]}
    assert notes["Task_dispatch"]["text"].endswith("（第 2 次）")
    assert notes["Task_repair"]["state"] == "active"


def test_repaired_ticket_moves_the_highlight_to_acceptance(org: Any) -> None:
    ticket = repair(dispatch(org, open_ticket(org)))
    data = diagram(org.store_manager, ticket).json()
    assert data["active"] == ["Task_acceptance"]
    assert data["completed"] == ["Start_reported", "Task_dispatch", "Task_repair", "Gateway_repair_result"]
    assert "Flow_repair_done" in data["flows"]
    assert "Flow_repair_returned" not in data["flows"]
    notes = {note["id"]: note for note in data["overlays"]}
    assert notes["Task_repair"] == {
        "id": "Task_repair",
        "state": "completed",
        "owner": "张师傅",
        "text": "不到 1 分钟",
    }


def test_other_department_gets_404(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    assert diagram(org.south_tech, ticket).status_code == 404


def test_anonymous_is_sent_to_log_in(org: Any) -> None:
    ticket = open_ticket(org)
    response = Client().get(reverse("ticket-diagram", args=[ticket.pk]))
    assert response.status_code == 302


def test_query_count_does_not_grow_with_steps(org: Any) -> None:
    ticket = open_ticket(org)
    client = client_for(org.admin)
    url = reverse("ticket-diagram", args=[ticket.pk])
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    repair(dispatch(org, fresh(ticket)))
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(three) == len(one)


def test_detail_page_has_the_diagram_card(org: Any) -> None:
    ticket = open_ticket(org)
    html = client_for(org.dispatcher).get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="flow-diagram"' in html
    assert reverse("ticket-diagram", args=[ticket.pk]) in html
    assert "<noscript>" in html


def test_flow_diagram_of_a_missing_instance_is_none(db: None) -> None:
    assert flow_queries.flow_diagram(987654) is None


def test_duration_reads_in_words() -> None:
    start = datetime(2026, 1, 1, 8, 0)
    assert duration(start, start + timedelta(seconds=30)) == "不到 1 分钟"
    assert duration(start, start + timedelta(hours=2, minutes=5)) == "2\xa0小时，5\xa0分钟"
