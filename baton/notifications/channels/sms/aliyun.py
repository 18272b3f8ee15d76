"""Aliyun SMS (阿里云短信服务, dysmsapi ``SendSms`` 2017-05-25), signed with the RPC signature V1.

The algorithm as Aliyun documents it ("HTTP 协议及签名"):

1. Take every request parameter except ``Signature``, percent-encode names and values per RFC 3986
   (only ``A-Z a-z 0-9 - _ . ~`` stay as they are; space is ``%20``, ``*`` is ``%2A``), sort by
   name and join as ``name=value`` with ``&`` — the canonicalised query string.
2. ``StringToSign = "GET" + "&" + encode("/") + "&" + encode(canonicalised query string)``.
3. ``Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign))``.
4. Send ``GET <endpoint>/?Signature=<encode(Signature)>&<canonicalised query string>``.

Chosen over ACS3-HMAC-SHA256 because it is the form Aliyun's own SMS documentation and examples
use, with a published worked example (``tests/test_signing.py`` checks it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote

from baton.core import clock
from baton.notifications import conf
from baton.notifications.channels import http
from baton.notifications.channels.base import DeliveryError

from .base import Sms

#: Answers that retrying cannot fix (wrong number, template or signature name; missing variable).
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_PARAMETERS",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.INVALID_JSON_PARAM",
        "isv.BLACK_KEY_CONTROL_LIMIT",
    }
)


def percent(value: str) -> str:
    """Aliyun's "specialUrlEncode": RFC 3986 percent-encoding of UTF-8 bytes."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    return f"{method}&{percent('/')}&{percent(canonical_query(params))}"


def signature(access_key_secret: str, params: Mapping[str, str], method: str = "GET") -> str:
    key = (access_key_secret + "&").encode()
    digest = hmac.new(key, string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_url(endpoint: str, access_key_secret: str, params: Mapping[str, str]) -> str:
    sig = signature(access_key_secret, params)
    return f"{endpoint.rstrip('/')}/?Signature={percent(sig)}&{canonical_query(params)}"


def phone_for_aliyun(phone: str) -> str:
    """Mainland numbers without a country code; other countries as ``00`` + country code + number."""
    if phone.startswith("+86"):
        return phone[3:]
    if phone.startswith("+"):
        return "00" + phone[1:]
    return phone


class AliyunSms:
    needs_template: ClassVar[bool] = True

    def send(self, sms: Sms) -> str:
        cfg = conf.get("SMS")
        keys = cfg["ALIYUN"]
        if not (keys["ACCESS_KEY_ID"] and keys["ACCESS_KEY_SECRET"] and cfg["SIGN_NAME"]):
            raise DeliveryError("Aliyun SMS needs an AccessKey id, secret and sign name.", permanent=True)
        assert sms.template is not None
        params = {
            "AccessKeyId": str(keys["ACCESS_KEY_ID"]),
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": hashlib.sha256(sms.reference.encode()).hexdigest()[:32],
            "PhoneNumbers": phone_for_aliyun(sms.phone),
            "RegionId": str(keys["REGION"]),
            "SignName": str(cfg["SIGN_NAME"]),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": sms.template.id,
            "TemplateParam": json.dumps(dict(sms.values), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        url = signed_url(str(keys["ENDPOINT"]), str(keys["ACCESS_KEY_SECRET"]), params)
        response = http.request("GET", url, timeout=float(conf.get("HTTP_TIMEOUT")))
        data = response.json()
        code = data.get("Code") if isinstance(data, dict) else None
        if code == "OK":
            return str(data.get("BizId", ""))
        detail = f"Aliyun SMS answered HTTP {response.status}: {response.snippet()}"
        raise DeliveryError(detail, permanent=code in PERMANENT_CODES)
