"""Tencent Cloud SMS (腾讯云短信 ``SendSms`` 2021-01-11), signed with TC3-HMAC-SHA256 (signature v3).

The algorithm as Tencent Cloud documents it:

1. ``CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n
   SignedHeaders \\n hex(SHA256(payload))`` with ``POST``, ``/``, an empty query, the headers
   ``content-type:<value>\\nhost:<host>\\n`` and ``SignedHeaders = "content-type;host"``.
2. ``StringToSign = "TC3-HMAC-SHA256" \\n timestamp \\n CredentialScope \\n hex(SHA256(CanonicalRequest))``
   with ``CredentialScope = <UTC date YYYY-MM-DD>/<service>/tc3_request``.
3. Derived keys: ``SecretDate = HMAC("TC3" + SecretKey, date)``, ``SecretService = HMAC(SecretDate,
   service)``, ``SecretSigning = HMAC(SecretService, "tc3_request")``; ``Signature =
   hex(HMAC(SecretSigning, StringToSign))`` (all HMAC-SHA256).
4. ``Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<CredentialScope>,
   SignedHeaders=content-type;host, Signature=<Signature>``; the action, version, region and
   timestamp go in ``X-TC-*`` headers.

``tests/test_signing.py`` checks this against the worked example in Tencent's documentation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

from baton.core import clock
from baton.notifications import conf
from baton.notifications.channels import http
from baton.notifications.channels.base import DeliveryError

from .base import Sms

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"
PERMANENT_PREFIXES = (
    "InvalidParameterValue",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.PhoneNumberInBlacklist",
    "UnauthorizedOperation",
    "AuthFailure.SecretIdNotFound",
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_request(*, host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    headers = f"content-type:{content_type}\nhost:{host}\n"
    return "\n".join(["POST", "/", "", headers, SIGNED_HEADERS, hashlib.sha256(payload).hexdigest()])


def credential_scope(timestamp: int, service: str) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return f"{date}/{service}/tc3_request"


def string_to_sign(*, timestamp: int, service: str, request: str) -> str:
    digest = hashlib.sha256(request.encode()).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{credential_scope(timestamp, service)}\n{digest}"


def authorization(
    *, secret_id: str, secret_key: str, service: str, host: str, payload: bytes, timestamp: int
) -> str:
    request = canonical_request(host=host, payload=payload)
    to_sign = string_to_sign(timestamp=timestamp, service=service, request=request)
    date = credential_scope(timestamp, service).split("/", 1)[0]
    signing_key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    sig = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    scope = credential_scope(timestamp, service)
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={sig}"


def phone_for_tencent(phone: str) -> str:
    """E.164, which Tencent requires: a bare mainland mobile number gets ``+86``."""
    if phone.startswith("+"):
        return phone
    if phone.startswith("00"):
        return "+" + phone[2:]
    return "+86" + phone


class TencentSms:
    needs_template: ClassVar[bool] = True

    def send(self, sms: Sms) -> str:
        cfg = conf.get("SMS")
        keys = cfg["TENCENT"]
        if not (keys["SECRET_ID"] and keys["SECRET_KEY"] and keys["SDK_APP_ID"] and cfg["SIGN_NAME"]):
            raise DeliveryError(
                "Tencent Cloud SMS needs a SecretId, SecretKey, SdkAppId and sign name.", permanent=True
            )
        assert sms.template is not None
        body = {
            "PhoneNumberSet": [phone_for_tencent(sms.phone)],
            "SmsSdkAppId": str(keys["SDK_APP_ID"]),
            "SignName": str(cfg["SIGN_NAME"]),
            "TemplateId": sms.template.id,
            "TemplateParamSet": [sms.values.get(name, "") for name in sms.template.params],
            "SessionContext": sms.reference[:512],
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        endpoint = str(keys["ENDPOINT"])
        host = urlsplit(endpoint).netloc
        timestamp = int(clock.now().timestamp())
        headers = {
            "Authorization": authorization(
                secret_id=str(keys["SECRET_ID"]),
                secret_key=str(keys["SECRET_KEY"]),
                service="sms",
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": str(keys["REGION"]),
        }
        response = http.request(
            "POST", endpoint, body=payload, headers=headers, timeout=float(conf.get("HTTP_TIMEOUT"))
        )
        data = response.json()
        result = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise DeliveryError(f"Tencent Cloud SMS answered HTTP {response.status}: {response.snippet()}")
        error = result.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            raise DeliveryError(
                f"Tencent Cloud SMS refused: {code} {error.get('Message', '')}",
                permanent=code.startswith(PERMANENT_PREFIXES),
            )
        statuses = result.get("SendStatusSet") or []
        status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
        code = str(status.get("Code", ""))
        if code == "Ok":
            return str(status.get("SerialNo", ""))
        raise DeliveryError(
            f"Tencent Cloud SMS did not send: {code} {status.get('Message', '')}",
            permanent=code.startswith(PERMANENT_PREFIXES),
        )
