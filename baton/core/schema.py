"""Database objects that migrations alone cannot keep alive, put back after every ``migrate``.

SQLite drops a table's triggers when a migration rebuilds the table (most column changes do).
Apps register what they install from ``AppConfig.ready`` (the tickets app: the append-only audit
triggers); ``core``'s ``migrate`` command runs the hooks after migrating, together with
``refcache.install_triggers``. Hooks must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import refcache

Hook = Callable[[Any], None]
_hooks: list[Hook] = []


def after_migrate(hook: Hook) -> None:
    """Call ``hook(connection)`` after every ``migrate``. Idempotent."""
    if hook not in _hooks:
        _hooks.append(hook)


def reinstall(connection: Any) -> list[str]:
    """Put back every registered database object; returns the tables refcache watches."""
    tables = refcache.install_triggers(connection)
    for hook in list(_hooks):
        hook(connection)
    return tables
