"""In-process domain events: one app publishes what happened, other apps react.

This is not Django signals. Subscribers are registered explicitly (from an app's
``AppConfig.ready``) and listed by :func:`subscribers`; events are queued by the service that
made the change and handed to subscribers **in the same transaction, after that service has
finished all its writes** (when the outermost :func:`atomic` service returns). A subscriber that
raises rolls the whole change back, so subscribers that must not block the user's change (the
automation rules) catch their own errors.

Events emitted while subscribers run (a rule's action changing the ticket) are delivered in the
same loop, carrying the ``causes`` of the code that was running (:func:`caused_by`), which is
how a rule recognises its own consequences and does not trigger itself in a loop.

The tickets app publishes every ``TicketEvent`` it writes (``name`` = the event's ``kind``:
``created``, ``step_entered``, ``step_completed``, ``step_returned``, ``status_changed``,
``fields_changed``, ``comment_added``, …); the SLA app publishes ``sla_warning`` and
``sla_breached``.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

#: A guard against subscribers that keep producing events for each other.
MAX_EVENTS_PER_CHANGE = 1000


@dataclass(frozen=True)
class DomainEvent:
    name: str
    ticket_id: int | None
    actor_id: int | None = None
    step_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    #: What was running when this happened, e.g. ``("rule:12",)``; empty for a person's action.
    causes: tuple[str, ...] = ()


#: Returns True when it changed something (the publishing service then re-reads its result).
Handler = Callable[[DomainEvent], bool | None]

_subscribers: list[tuple[str, Handler]] = []
_finishers: list[Callable[[], None]] = []
_causes: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("bus_causes", default=())


class _State(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.pending: list[DomainEvent] = []
        self.delivered = 0
        self.scratch: dict[Any, Any] = {}


_state = _State()


def subscribe(name: str, handler: Handler) -> None:
    """Call ``handler`` for events called ``name`` (``"*"`` for every event). Idempotent."""
    if (name, handler) not in _subscribers:
        _subscribers.append((name, handler))


def unsubscribe(name: str, handler: Handler) -> None:
    if (name, handler) in _subscribers:
        _subscribers.remove((name, handler))


def on_delivered(hook: Callable[[], None]) -> None:
    """Call ``hook`` when a change's events are all delivered, before it commits. Idempotent.

    For subscribers that gather their writes over the change and make them in one statement
    (the SLA app's new clocks); a hook must not emit events.
    """
    if hook not in _finishers:
        _finishers.append(hook)


def off_delivered(hook: Callable[[], None]) -> None:
    if hook in _finishers:
        _finishers.remove(hook)


def subscribers() -> list[tuple[str, Handler]]:
    """Who listens to what, in delivery order (for docs, admin and tests)."""
    return list(_subscribers)


def scratch() -> dict[Any, Any]:
    """A dict that lives as long as the outermost publishing transaction (a fresh one outside).

    For lookups that cannot change while one ticket change and its reactions run — which SLA policy
    and calendar a ticket of this kind gets, which rules an event triggers — so that the several
    subscribers reacting to one change do not each read them again.
    """
    return _state.scratch if _state.depth else {}


def current_causes() -> tuple[str, ...]:
    return _causes.get()


@contextmanager
def caused_by(cause: str) -> Iterator[None]:
    """Mark the events emitted inside the block as consequences of ``cause``."""
    token = _causes.set((*_causes.get(), cause))
    try:
        yield
    finally:
        _causes.reset(token)


def publishing() -> bool:
    """True inside an :func:`atomic` service or :func:`atomic_block` (where events are delivered)."""
    return _state.depth > 0


def emit(
    name: str,
    *,
    ticket_id: int | None,
    actor_id: int | None = None,
    step_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Queue an event; it is delivered when the outermost :func:`atomic` block finishes its writes.

    Outside any :func:`atomic` block there is nobody to deliver it: it is dropped (data
    migrations and raw fixtures write without publishing).
    """
    if _state.depth == 0:
        return
    _state.pending.append(
        DomainEvent(
            name=name,
            ticket_id=ticket_id,
            actor_id=actor_id,
            step_id=step_id,
            data=dict(data or {}),
            causes=_causes.get(),
        )
    )


def _deliver() -> bool:
    """Hand queued events to subscribers until none are left; True if any changed something."""
    changed = False
    while _state.pending:
        event = _state.pending.pop(0)
        _state.delivered += 1
        if _state.delivered > MAX_EVENTS_PER_CHANGE:
            raise RuntimeError(f"More than {MAX_EVENTS_PER_CHANGE} domain events from one change: a loop?")
        for name, handler in list(_subscribers):
            if name in ("*", event.name) and handler(event):
                changed = True
    for hook in list(_finishers):
        hook()
    if _state.pending:
        raise RuntimeError("A bus.on_delivered hook emitted events; it must only write.")
    return changed


@contextmanager
def atomic_block() -> Iterator[None]:
    """A transaction whose events are delivered before it commits (see the module docstring)."""
    with transaction.atomic():
        _state.depth += 1
        outermost = _state.depth == 1
        try:
            yield
            if outermost:
                _deliver()
        except BaseException:
            if outermost:
                _state.pending.clear()
            raise
        finally:
            _state.depth -= 1
            if outermost:
                _state.delivered = 0
                _state.scratch.clear()


@contextmanager
def savepoint() -> Iterator[None]:
    """A nested transaction for one subscriber's work: if it raises, its writes roll back and the
    events it queued are dropped too (so nobody reacts to a change that never happened), and
    ``scratch`` is put back as it was (nobody reads an object shared by work that was undone)."""
    mark = len(_state.pending)
    before = dict(_state.scratch)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        del _state.pending[mark:]
        _state.scratch.clear()
        _state.scratch.update(before)
        raise


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for services that publish: subscribers run before it commits.

    When subscribers ran and the service returns a model instance, it is re-read so the caller
    sees what the subscribers changed.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            _state.depth += 1
            outermost = _state.depth == 1
            try:
                result = func(*args, **kwargs)
                if outermost and _deliver() and hasattr(result, "refresh_from_db"):
                    result.refresh_from_db()
                return result
            except BaseException:
                if outermost:
                    _state.pending.clear()
                raise
            finally:
                _state.depth -= 1
                if outermost:
                    _state.delivered = 0
                    _state.scratch.clear()

    return wrapper
