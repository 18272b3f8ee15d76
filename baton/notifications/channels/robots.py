"""Group robots: DingTalk (钉钉), WeCom (企业微信) and Feishu (飞书), each signed as its docs require.

* DingTalk "加签": ``string_to_sign = timestamp_ms + "\\n" + secret``, HMAC-SHA256 keyed with the
  secret, Base64, then URL-encoded into the query as ``&timestamp=…&sign=…``.
* Feishu "签名校验": ``timestamp_s + "\\n" + secret`` is the HMAC-SHA256 *key* over an empty message,
  Base64; ``timestamp`` and ``sign`` travel in the JSON body. The timestamp must be within an hour.
* WeCom has no signature: the robot's key is part of its webhook URL.

All three answer HTTP 200 with an error code in the body when they refuse (bad signature, too
fast), so the body is checked, not just the status. Timestamps come from ``baton.core.clock`` so
tests can move time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from baton.core import clock
from baton.notifications import conf
from baton.notifications.templates import LINK_LABEL, normalise_language

from . import http
from .base import DeliveryError, Outbound


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The Base64 signature (before URL-encoding) DingTalk expects for ``timestamp_ms``."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and ``sign`` appended; the sign is URL-encoded (``quote_plus``)."""
    query = urlencode({"timestamp": str(timestamp_ms), "sign": dingtalk_sign(secret, timestamp_ms)})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: the string ``timestamp\\nsecret`` is the HMAC key, the message is empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _link_line(payload: dict[str, Any]) -> tuple[str, str]:
    label = LINK_LABEL[normalise_language(str(payload.get("language", "")))]
    return label, str(payload.get("link", ""))


def _markdown(payload: dict[str, Any], *, title_prefix: str) -> str:
    label, link = _link_line(payload)
    text = f"{title_prefix}{payload.get('title', '')}\n\n{payload.get('body', '')}"
    return f"{text}\n\n[{label}]({link})" if link else text


def _check(response: http.Response, code_keys: tuple[str, ...], robot: str) -> str:
    if not response.ok:
        raise DeliveryError(f"{robot} answered HTTP {response.status}: {response.snippet()}")
    data = response.json()
    if not isinstance(data, dict):
        raise DeliveryError(f"{robot} answered something that is not JSON: {response.snippet()}")
    for key in code_keys:
        if key in data:
            if data[key] in (0, "0"):
                return ""
            raise DeliveryError(f"{robot} refused the post: {response.snippet()}")
    raise DeliveryError(f"{robot} gave no result code: {response.snippet()}")


class DingTalkRobot:
    def send(self, message: Outbound) -> str:
        url = message.endpoint_url
        if message.endpoint_secret:
            url = dingtalk_signed_url(url, message.endpoint_secret, int(clock.now().timestamp() * 1000))
        body = {
            "msgtype": "markdown",
            "markdown": {
                "title": str(message.payload.get("title", ""))[:100],
                "text": _markdown(message.payload, title_prefix="#### "),
            },
        }
        response = http.post_json(url, body, timeout=float(conf.get("HTTP_TIMEOUT")))
        return _check(response, ("errcode",), "DingTalk")


class WeComRobot:
    def send(self, message: Outbound) -> str:
        body = {
            "msgtype": "markdown",
            "markdown": {"content": _markdown(message.payload, title_prefix="### ")},
        }
        response = http.post_json(message.endpoint_url, body, timeout=float(conf.get("HTTP_TIMEOUT")))
        return _check(response, ("errcode",), "WeCom")


class FeishuRobot:
    def send(self, message: Outbound) -> str:
        payload = message.payload
        label, link = _link_line(payload)
        lines: list[list[dict[str, str]]] = [[{"tag": "text", "text": str(payload.get("body", ""))}]]
        if link:
            lines.append([{"tag": "a", "text": label, "href": link}])
        locale = "en_us" if normalise_language(str(payload.get("language", ""))) == "en" else "zh_cn"
        body: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {locale: {"title": str(payload.get("title", "")), "content": lines}}},
        }
        if message.endpoint_secret:
            timestamp = int(clock.now().timestamp())
            body = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(message.endpoint_secret, timestamp),
                **body,
            }
        response = http.post_json(message.endpoint_url, body, timeout=float(conf.get("HTTP_TIMEOUT")))
        # Current Feishu answers {"code": 0, ...}; older deployments {"StatusCode": 0, ...}.
        return _check(response, ("code", "StatusCode"), "Feishu")
