"""Every status has its own badge colour; only 新建 and 已取消 stay grey."""

from __future__ import annotations

from baton.tickets.models import Status
from baton.web.templatetags.baton_ui import status_badge


def test_waiting_statuses_have_their_own_colours():
    assert str(status_badge(Status.WAITING_PARTS)).startswith('<span class="badge bg-yellow-lt"')
    assert str(status_badge(Status.WAITING_CUSTOMER)).startswith('<span class="badge bg-pink-lt"')


def test_no_status_but_new_and_cancelled_uses_the_default_grey():
    grey = [s for s in Status.values if 'bg-secondary-lt"' in str(status_badge(s))]
    assert grey == [Status.NEW, Status.CANCELLED]
    coloured = [s for s in Status.values if s not in grey]
    colours = [str(status_badge(s)).split('"')[1] for s in coloured]
    assert len(set(colours)) == len(coloured)  # no two statuses look alike
