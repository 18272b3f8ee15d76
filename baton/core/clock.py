"""The one place Baton reads the current time.

Everything that needs "now" calls :func:`now`. Tests move time with ``time-machine``, which
patches the underlying ``datetime`` calls. :func:`pinned` lets a batch job (the demo's
history, an import of old tickets) write records "as of" a past moment through the same
services. Never call ``datetime.now()`` or ``timezone.now()`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_pinned: ContextVar[datetime | None] = ContextVar("baton_clock_pinned", default=None)


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    pinned = _pinned.get()
    return pinned if pinned is not None else datetime.now(UTC)


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """Within the block, :func:`now` returns ``moment`` (must be aware)."""
    if moment.tzinfo is None:
        raise ValueError("pinned() needs an aware datetime")
    token = _pinned.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _pinned.reset(token)
