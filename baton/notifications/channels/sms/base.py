"""The SMS provider interface and the message a provider sends."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


@dataclass(frozen=True)
class SmsTemplate:
    id: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str
    #: Stable across retries; passed to the provider as its "out id" / session context for tracing.
    reference: str
    template: SmsTemplate | None = None
    values: Mapping[str, str] = field(default_factory=dict)


class SmsProvider(Protocol):
    needs_template: ClassVar[bool]

    def send(self, sms: Sms) -> str: ...


def clean_phone(raw: str) -> str:
    return re.sub(r"[\s()\-]", "", raw or "")
