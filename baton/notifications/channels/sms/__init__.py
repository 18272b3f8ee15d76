"""SMS through a provider: a log line for trials, Aliyun (阿里云短信) or Tencent Cloud (腾讯云短信).

Chinese SMS providers only deliver pre-approved templates filled with variables, never free text.
``NOTIFICATIONS["SMS"]["TEMPLATES"]`` maps each event to the provider's template id and the context
fields it takes, in the template's order (Aliyun names them, Tencent takes them as a list). An event
with no template is a configuration problem, so the message goes to the dead letters at once with a
message saying so; once an admin adds the template, retrying sends it. The log provider needs no
template, so a trial works before any template is approved.
"""

from __future__ import annotations

from collections.abc import Callable

from baton.notifications import conf
from baton.notifications.channels.base import DeliveryError, Outbound
from baton.notifications.templates import plain_text

from .aliyun import AliyunSms
from .base import Sms, SmsProvider, SmsTemplate, clean_phone
from .log import LogSms
from .tencent import TencentSms

#: Aliyun documents 35 characters as the longest value of most template variables.
MAX_PARAM = 35


PROVIDERS: dict[str, Callable[[], SmsProvider]] = {"log": LogSms, "aliyun": AliyunSms, "tencent": TencentSms}


def provider(name: str) -> SmsProvider:
    factory = PROVIDERS.get(name)
    if factory is None:
        raise DeliveryError(f"Unknown SMS provider {name!r} (use log, aliyun or tencent).", permanent=True)
    return factory()


class SmsChannel:
    def send(self, message: Outbound) -> str:
        phone = clean_phone(message.address)
        if not phone:
            raise DeliveryError("The recipient has no phone number.", permanent=True)
        backend = provider(str(conf.get("SMS")["PROVIDER"]))
        sms = Sms(phone=phone, text=plain_text(message.payload), reference=message.idempotency_key)
        if backend.needs_template:
            entry = conf.sms_templates().get(message.event)
            if entry is None:
                raise DeliveryError(
                    f"No SMS template is configured for event {message.event!r}.", permanent=True
                )
            template = SmsTemplate(id=entry["id"], params=tuple(entry["params"]))
            fields = message.payload.get("fields") or {}
            values = {name: str(fields.get(name, ""))[:MAX_PARAM] for name in template.params}
            sms = Sms(phone=phone, text=sms.text, reference=sms.reference, template=template, values=values)
        return backend.send(sms)
