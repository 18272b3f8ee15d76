"""Real servers on localhost for the delivery tests: SMTP (aiosmtpd) and HTTP (http.server).

The HTTP side plays DingTalk, WeCom, Feishu, a webhook receiver and the two SMS APIs. Each "provider"
checks the request's signature with its own, independent implementation of the provider's documented
algorithm (nothing here imports the code under test) and answers the way the real service does:
HTTP 200 with an error code in the body when the signature is wrong.

The SMTP mailbox can refuse mail until a given moment, judged by ``datetime.now`` — which
time-machine moves in every thread — so "the server refuses for 10 minutes" needs no sleeping.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from aiosmtpd.controller import Controller

# ---------------------------------------------------------------------------- SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it accepted and can refuse with 451 (try again later)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refusals: list[datetime] = field(default_factory=list)
    refuse_until: datetime | None = None
    refuse_always: bool = False
    rcpt_reply: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = datetime.now(UTC)
        if self.refuse_always or (self.refuse_until is not None and now < self.refuse_until):
            self.refusals.append(now)
            return "451 4.3.0 Mail server temporarily unavailable, try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, server_hostname="localhost", ready_timeout=10
        )

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


# ---------------------------------------------------------------------------- HTTP


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


Reply = Callable[[Request], tuple[int, Any]]


def ok_reply(request: Request) -> tuple[int, Any]:
    return 200, {"errcode": 0, "errmsg": "ok"}


class HttpServer:
    """Records every request; ``routes`` maps a path prefix to a reply function (longest first)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.routes: dict[str, Reply] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                split = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=split.path,
                    query=dict(parse_qsl(split.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                recorder.requests.append(request)
                status, document = recorder.reply_for(request)(request)
                data = document if isinstance(document, bytes) else json.dumps(document).encode()
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def reply_for(self, request: Request) -> Reply:
        for prefix in sorted(self.routes, key=len, reverse=True):
            if request.path.startswith(prefix):
                return self.routes[prefix]
        return ok_reply

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> HttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# ---------------------------------------------------------------------------- providers' checks


def dingtalk(secret: str) -> Reply:
    """DingTalk: sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))."""

    def reply(request: Request) -> tuple[int, Any]:
        timestamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if not timestamp or not hmac.compare_digest(sign, expected):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    return reply


def feishu(secret: str) -> Reply:
    """Feishu: sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""

    def reply(request: Request) -> tuple[int, Any]:
        body = request.json()
        key = f"{body.get('timestamp', '')}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(str(body.get("sign", "")), expected):
            return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        return 200, {"code": 0, "msg": "success", "data": {}}

    return reply


def webhook(secret: str) -> Reply:
    def reply(request: Request) -> tuple[int, Any]:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-baton-signature", ""), expected):
            return 401, {"error": "bad signature"}
        return 204, b""

    return reply


def aliyun(access_key_id: str, secret: str) -> Reply:
    """Aliyun RPC signature V1, re-implemented from the documentation's steps."""

    def encode(text: str) -> str:
        return quote(text, safe="~-_.")

    def reply(request: Request) -> tuple[int, Any]:
        params = dict(request.query)
        signature = params.pop("Signature", "")
        canonical = "&".join(f"{encode(k)}={encode(params[k])}" for k in sorted(params))
        to_sign = "GET&" + encode("/") + "&" + encode(canonical)
        expected = base64.b64encode(
            hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if params.get("AccessKeyId") != access_key_id or not hmac.compare_digest(signature, expected):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "R1"}

    return reply


def tencent(secret_id: str, secret_key: str) -> Reply:
    """Tencent Cloud TC3-HMAC-SHA256, re-implemented from the documentation's steps."""

    def sha256_hex(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def hmac256(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    def reply(request: Request) -> tuple[int, Any]:
        timestamp = int(request.headers["x-tc-timestamp"])
        date = datetime.fromtimestamp(timestamp, UTC).date().isoformat()
        canonical = (
            f"POST\n/\n\ncontent-type:{request.headers['content-type']}\nhost:{request.headers['host']}\n\n"
            f"content-type;host\n{sha256_hex(request.body)}"
        )
        scope = f"{date}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{sha256_hex(canonical.encode())}"
        key = hmac256(hmac256(hmac256(f"TC3{secret_key}".encode(), date), "sms"), "tc3_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        expected = (
            f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}"
        )
        if request.headers.get("authorization") != expected:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}}
        phones = request.json()["PhoneNumberSet"]
        statuses = [
            {"SerialNo": "2028:1", "PhoneNumber": p, "Code": "Ok", "Message": "send success"} for p in phones
        ]
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": "R2"}}

    return reply
