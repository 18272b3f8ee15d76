"""E-mail through Django's mail API: SMTP in production, a log line in a trial.

The connection is built from ``NOTIFICATIONS["EMAIL"]`` rather than Django's global ``EMAIL_*``
settings, so notification mail has its own server and sender and the test suite (which swaps
Django's default backend for an in-memory one) still talks to a real SMTP server when asked to.

Each message carries a ``Message-ID`` derived from the idempotency key: if a worker dies after the
server accepted the mail but before the outbox recorded it, the retry has the same id, which mail
systems use to drop duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from email.utils import parseaddr

from django.core.mail import EmailMessage, get_connection

from baton.notifications import conf
from baton.notifications.templates import plain_text

from .base import DeliveryError, Outbound

log = logging.getLogger("baton.notifications")


def message_id(idempotency_key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "baton.invalid"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


class EmailChannel:
    def send(self, message: Outbound) -> str:
        if not message.address:
            raise DeliveryError("The recipient has no e-mail address.", permanent=True)
        cfg = conf.get("EMAIL")
        sender = str(cfg["FROM"])
        mid = message_id(message.idempotency_key, sender)
        mail = EmailMessage(
            subject=str(message.payload.get("title", "")),
            body=plain_text(message.payload),
            from_email=sender,
            to=[message.address],
            headers={"Message-ID": mid, "X-Baton-Idempotency-Key": message.idempotency_key},
        )
        if cfg["BACKEND"] == "log":
            log.info(
                "e-mail (log backend)",
                extra={"to": message.address, "subject": mail.subject, "message_id": mid},
            )
            return mid
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=cfg["HOST"],
            port=int(cfg["PORT"]),
            username=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            use_tls=bool(cfg["USE_TLS"]),
            use_ssl=bool(cfg["USE_SSL"]),
            timeout=float(cfg["TIMEOUT"]),
            fail_silently=False,
        )
        try:
            sent = connection.send_messages([mail])
        except smtplib.SMTPRecipientsRefused as exc:
            # 5xx for the address ("no such user") will not change by retrying; 4xx may.
            codes = [code for code, _ in exc.recipients.values()]
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise DeliveryError(f"SMTP refused the recipient: {exc.recipients}", permanent=permanent) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc
        if not sent:
            raise DeliveryError("SMTP: the server did not accept the message.")
        return mid
