"""The demo's triage decision: deployed once, and it decides the priority of new tickets."""

from __future__ import annotations

from typing import Any

import pytest

from baton.demo.decisions import seed_triage_decision
from baton.tickets.models import Priority
from baton.tickets.tests.helpers import open_ticket
from baton.workflows.decisions.models import DecisionVersion

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_triages_new_tickets(org: Any) -> None:
    version = seed_triage_decision()
    assert version is not None
    assert (version.definition.key, version.number, version.definition.triage) == ("triage", 1, True)
    assert seed_triage_decision() is None
    assert DecisionVersion.objects.count() == 1
    # org.site belongs to a VIP customer; org.south_site to a normal one
    assert open_ticket(org, fault_category="down").priority == Priority.URGENT
    assert open_ticket(org, fault_category="not_cooling").priority == Priority.HIGH
    assert open_ticket(org, asset=org.south_asset, fault_category="down").priority == Priority.HIGH
    assert open_ticket(org, asset=org.south_asset, fault_category="noise").priority == Priority.LOW
    south = open_ticket(org, asset=org.south_asset, fault_category="leak", priority=Priority.HIGH)
    assert (south.priority, south.department) == (Priority.HIGH, org.south)
