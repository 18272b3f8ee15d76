"""One module per delivery channel behind one interface (:class:`ChannelBackend`).

``backend_for(channel)`` is the only way the outbox finds a sender, so adding a channel is a module
here plus a line in :data:`BACKENDS`. In-app notifications have no backend: they are rows in our own
database, written by ``services.notify`` directly.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import ChannelBackend, DeliveryError, Outbound
from .email import EmailChannel
from .robots import DingTalkRobot, FeishuRobot, WeComRobot
from .sms import SmsChannel
from .webhook import WebhookChannel

BACKENDS: dict[str, Callable[[], ChannelBackend]] = {
    "email": EmailChannel,
    "sms": SmsChannel,
    "dingtalk": DingTalkRobot,
    "wecom": WeComRobot,
    "feishu": FeishuRobot,
    "webhook": WebhookChannel,
}


def backend_for(channel: str) -> ChannelBackend:
    try:
        factory = BACKENDS[channel]
    except KeyError:
        raise DeliveryError(f"No sender for channel {channel!r}.", permanent=True) from None
    return factory()


__all__ = ["BACKENDS", "ChannelBackend", "DeliveryError", "Outbound", "backend_for"]
