"""The trial SMS provider: writes the text to the log and counts it as sent."""

from __future__ import annotations

import logging
from typing import ClassVar

from .base import Sms

log = logging.getLogger("baton.notifications")


class LogSms:
    needs_template: ClassVar[bool] = False

    def send(self, sms: Sms) -> str:
        log.info("SMS (log backend)", extra={"to": sms.phone, "text": sms.text, "reference": sms.reference})
        return ""
