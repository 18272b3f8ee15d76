"""List and to-do endpoints run a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from baton.tickets.tests.helpers import dispatch, open_ticket

pytestmark = pytest.mark.django_db


def queries_for(client: Client, path: str) -> int:
    """Queries of the second request in a row: the first may fill the process's caches (refcache)."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/todo", "/api/v1/tickets?mine=true&open=true"])
@pytest.mark.parametrize("who", ["dispatcher", "tech", "admin"])
def test_query_count_does_not_grow_with_rows(org, path, who):
    client = Client()
    client.force_login(getattr(org, who))
    for _ in range(2):
        dispatch(org, open_ticket(org))
    open_ticket(org)
    few = queries_for(client, path)
    for _ in range(8):
        dispatch(org, open_ticket(org))
        open_ticket(org)
    many = queries_for(client, path)
    assert many == few
