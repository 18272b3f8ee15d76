"""Round robin under concurrency (PostgreSQL): simultaneous dispatches each take the next person."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from baton.automation.models import DispatchSetting, RoundRobinPointer
from baton.tickets.models import Step, StepState
from baton.tickets.tests.helpers import open_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections: PostgreSQL only")
def test_simultaneous_tickets_are_shared_fairly(org):
    DispatchSetting.objects.create(department=org.north, strategy="round_robin")
    RoundRobinPointer.objects.create(department=org.north)
    workers, per_worker = 4, 3
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_worker):
                open_ticket(org)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    repairs = Step.objects.filter(key="Task_repair", state=StepState.ACTIVE)
    owners = Counter(repairs.values_list("owner__username", flat=True))
    assert owners == {"tech": 6, "tech2": 6}
