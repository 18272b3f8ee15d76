"""What every channel shares: the message snapshot it sends, the error it raises, its interface.

A channel gets an :class:`Outbound` — a plain snapshot taken after the claim transaction committed —
so no channel touches the database or holds a lock while it talks to the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Outbound:
    message_id: int
    channel: str
    event: str
    idempotency_key: str
    #: E-mail address or phone number for personal channels; empty for endpoints.
    address: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    endpoint_url: str = ""
    endpoint_secret: str = ""
    attempt: int = 1


class DeliveryError(Exception):
    """A send failed. ``permanent`` failures (no address, no template) go straight to the dead
    letters: retrying cannot help until an admin changes something."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class ChannelBackend(Protocol):
    """Send one message; return a provider reference (message id, request id) or ``""``.

    Raise :class:`DeliveryError` on failure. A backend must be safe to call again for the same
    message: delivery is at least once, so it passes ``idempotency_key`` on where the receiver
    can use it.
    """

    def send(self, message: Outbound) -> str: ...
