"""The ``NOTIFICATIONS`` setting, merged over defaults and read at call time.

Read at call time (not import time) so tests can override it with pytest-django's ``settings``
fixture and a worker picks up the same values as the web process. Every key has a default, so
the app works (with "log" backends for e-mail and SMS) when the block is missing altogether.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings

log = logging.getLogger("baton.notifications")

DEFAULTS: dict[str, Any] = {
    #: Prefix for links in e-mail, SMS and robot posts (in-app links stay relative).
    "BASE_URL": "http://127.0.0.1:8000",
    #: Where a ticket lives; ``{ticket_id}`` is filled in. Kept here so this app needs no URL name of
    #: another app.
    "TICKET_PATH": "/tickets/{ticket_id}/",
    #: Channels ``notify`` uses when the caller names none (SMS costs money: only when asked).
    "DEFAULT_CHANNELS": ["in_app", "email"],
    "MAX_ATTEMPTS": 8,
    "RETRY_BASE_SECONDS": 30,
    "RETRY_CAP_SECONDS": 3600,
    #: How long a claimed message stays reserved for its worker before another may take it.
    "LEASE_SECONDS": 600,
    #: Messages claimed per database round trip (keeps a claim's lease far above its send time).
    "CLAIM_BATCH": 10,
    "HTTP_TIMEOUT": 10,
    #: Sent outbox rows older than this are deleted by ``services.purge_sent`` (dead ones are kept).
    "KEEP_SENT_DAYS": 30,
    #: Added to every rate-limit window so network jitter cannot push one post too many into the
    #: provider's own window (DingTalk silences a robot for 10 minutes when it is exceeded).
    "RATE_LIMIT_MARGIN_SECONDS": 1.0,
    "EMAIL": {
        "BACKEND": "log",  # "smtp" or "log"
        "HOST": "localhost",
        "PORT": 25,
        "USER": "",
        "PASSWORD": "",
        "USE_TLS": False,
        "USE_SSL": False,
        "TIMEOUT": 30,
        "FROM": "Baton <baton@localhost>",
    },
    "SMS": {
        "PROVIDER": "log",  # "log", "aliyun" or "tencent"
        "SIGN_NAME": "",
        #: event -> {"id": provider template id, "params": [context names, in template order]};
        #: a dict or the same as a JSON string (so it can come straight from the environment).
        "TEMPLATES": {},
        "ALIYUN": {
            "ACCESS_KEY_ID": "",
            "ACCESS_KEY_SECRET": "",
            "REGION": "cn-hangzhou",
            "ENDPOINT": "https://dysmsapi.aliyuncs.com/",
        },
        "TENCENT": {
            "SECRET_ID": "",
            "SECRET_KEY": "",
            "SDK_APP_ID": "",
            "REGION": "ap-guangzhou",
            "ENDPOINT": "https://sms.tencentcloudapi.com/",
        },
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def config() -> dict[str, Any]:
    """The effective settings: ``settings.NOTIFICATIONS`` over :data:`DEFAULTS`."""
    return _merge(DEFAULTS, getattr(settings, "NOTIFICATIONS", None) or {})


def get(name: str) -> Any:
    return config()[name]


def sms_templates() -> dict[str, dict[str, Any]]:
    """SMS templates per event; a JSON string (from the environment) is parsed.

    Bad JSON is logged and treated as "no templates": SMS then go to the dead letters with a clear
    reason rather than the worker failing on every sweep.
    """
    raw = config()["SMS"]["TEMPLATES"]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError:
            log.warning("NOTIFICATIONS SMS TEMPLATES is not valid JSON; no SMS template is configured")
            return {}
    if not isinstance(raw, dict):
        return {}
    templates: dict[str, dict[str, Any]] = {}
    for event, entry in raw.items():
        if isinstance(entry, str):
            entry = {"id": entry}
        if isinstance(entry, dict) and entry.get("id"):
            templates[str(event)] = {"id": str(entry["id"]), "params": list(entry.get("params") or [])}
    return templates
