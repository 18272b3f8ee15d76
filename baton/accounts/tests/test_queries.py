"""Role lookups match role and department on the same assignment."""

from __future__ import annotations

import pytest

from baton.accounts import queries
from baton.accounts.models import Role
from baton.accounts.services import grant_role

pytestmark = pytest.mark.django_db


def test_a_role_elsewhere_plus_any_role_here_does_not_count(org):
    # The south technician also files reports (requester everywhere): still not a north technician.
    grant_role(user=org.south_tech, role=Role.REQUESTER, department=None)
    north_techs = set(queries.users_with_role(Role.TECHNICIAN, org.north).values_list("username", flat=True))
    assert north_techs == {"tech", "tech2"}
    staff = set(queries.staff_of_department(org.north).values_list("username", flat=True))
    assert staff == {"agent", "approver", "manager", "dispatcher", "tech", "tech2"}
