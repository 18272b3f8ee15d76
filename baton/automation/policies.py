"""Who may configure automation: administrators only."""

from __future__ import annotations

from typing import Any

from baton.accounts.queries import is_admin
from baton.core.errors import Forbidden


def can_configure(user: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and is_admin(user)


def require_admin(user: Any) -> None:
    if not can_configure(user):
        raise Forbidden("Only an administrator can manage automation.")
