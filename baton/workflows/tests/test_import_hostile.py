"""Hostile and broken files: each gets a clear 4xx, nothing is stored, no file or URL is read.

Both doors are tested: the API (multipart upload) and the web page's upload form.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from baton.workflows.models import FlowDraft, FlowVersion

from .import_helpers import CORPUS, api_client, upload, web_client, web_upload

pytestmark = pytest.mark.django_db

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" '
    'targetNamespace="http://example.com">'
)
PROCESS = (
    '<bpmn:process id="P" isExecutable="true">'
    '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
    '<bpmn:sequenceFlow id="F" sourceRef="S" targetRef="E"/></bpmn:process>'
)
SECRET_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin")


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        Recorder.hits.append(self.path)
        body = b'<!ENTITY x "fetched">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    """A local HTTP server that records every request; yields its base URL."""
    Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE definitions [' + "".join(entities) + "]>"
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">&lol9;</definitions>'
    ).encode()


def quadratic_blowup() -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE definitions [<!ENTITY a "' + "x" * 50_000 + '">]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">'
        + "&a;" * 50_000
        + "</definitions>"
    ).encode()


def truncated() -> bytes:
    data = (CORPUS / "camunda7_repair_approval.bpmn").read_bytes()
    return data[: len(data) // 2]


def deeply_nested() -> bytes:
    return (HEAD + "<x>" * 100_000 + "</x>" * 100_000).encode() + (b"</bpmn:definitions>")


def file_cases(server: str) -> dict[str, tuple[bytes, int, str]]:
    """name -> (file, status, the start of the message the user gets)."""
    return {
        "empty": (b"", 422, "The file is empty."),
        "whitespace": (b"  \n\t ", 422, "The file is empty."),
        "not xml": (b"PK\x03\x04 this is a zip, not a flow", 422, "The file cannot be read:"),
        "truncated": (truncated(), 422, "The file cannot be read:"),
        "wrong root": (
            b'<?xml version="1.0"?><html><body>hi</body></html>',
            422,
            "This is not a BPMN 2.0 file: its root element is <html>",
        ),
        "dmn instead of bpmn": (
            b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d"/>',
            422,
            "This is not a BPMN 2.0 file",
        ),
        "deeply nested": (deeply_nested(), 422, "The file cannot be read:"),
        "xxe local file": (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">'
            b'<process id="P" name="&xxe;"/></definitions>',
            422,
            "The file cannot be read: The BPMN file contains a DOCTYPE or ENTITY declaration",
        ),
        "xxe parameter entity": (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"/>',
            422,
            "The file cannot be read: The BPMN file contains a DOCTYPE or ENTITY declaration",
        ),
        "external dtd over http": (
            f'<?xml version="1.0"?><!DOCTYPE definitions SYSTEM "{server}/evil.dtd">'.encode()
            + b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"/>',
            422,
            "The file cannot be read: The BPMN file contains a DOCTYPE or ENTITY declaration",
        ),
        "billion laughs": (
            billion_laughs(),
            422,
            "The file cannot be read: The BPMN file contains a DOCTYPE or ENTITY declaration",
        ),
        "quadratic blowup": (
            quadratic_blowup(),
            422,
            "The file cannot be read: The BPMN file contains a DOCTYPE or ENTITY declaration",
        ),
        "utf-16 doctype": (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d SYSTEM "file:///etc/passwd"><d/>'.encode(
                "utf-16"
            ),
            422,
            "The file is not valid UTF-8",
        ),
        "xinclude": (
            (
                HEAD.replace(
                    "<bpmn:definitions ", '<bpmn:definitions xmlns:xi="http://www.w3.org/2001/XInclude" '
                )
                + f'<xi:include href="{server}/part.xml" parse="xml"/>'
                + '<xi:include href="file:///etc/passwd" parse="text"/>'
                + PROCESS
                + "</bpmn:definitions>"
            ).encode(),
            422,
            "The file cannot be read: The BPMN file contains an XInclude element",
        ),
        "invalid utf-8": (
            (HEAD + PROCESS).encode() + b"<!-- \xff\xfe broken -->" + b"</bpmn:definitions>",
            422,
            "The file is not valid UTF-8 (byte ",
        ),
        "latin-1 declared": (
            '<?xml version="1.0" encoding="ISO-8859-1"?><definitions/>'.encode("latin-1"),
            422,
            "The file declares the encoding ISO-8859-1; save it as UTF-8 and try again.",
        ),
        "duplicate ids": (
            (
                HEAD + '<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S"/><bpmn:task id="S"/>'
                '<bpmn:endEvent id="E"/><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="E"/>'
                "</bpmn:process></bpmn:definitions>"
            ).encode(),
            422,
            "The BPMN file is broken; fix it in the tool that made it.",
        ),
        "dangling reference": (
            (
                HEAD + '<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S"/>'
                '<bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Nowhere"/></bpmn:process>'
                "</bpmn:definitions>"
            ).encode(),
            422,
            "The BPMN file is broken; fix it in the tool that made it.",
        ),
        "endless loop": (
            (
                HEAD + '<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S"/>'
                '<bpmn:task id="A" name="Ping"/><bpmn:task id="B" name="Pong"/>'
                '<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
                '<bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="B"/>'
                '<bpmn:sequenceFlow id="F3" sourceRef="B" targetRef="A"/></bpmn:process>'
                "</bpmn:definitions>"
            ).encode(),
            422,
            "The BPMN file is broken; fix it in the tool that made it.",
        ),
    }


CASES = list(file_cases("http://127.0.0.1:1"))


def assert_refused(response: Any, status: int, message: str, via: str) -> None:
    assert response.status_code == status, response.content[:500]
    text = response.content.decode("utf-8", "replace")
    if via == "api":
        body = response.json()
        assert body["code"] == {413: "too_large", 422: "validation_error"}[status]
        assert body["message"].startswith(message), body
    else:
        assert 'data-testid="import-error"' in text  # the page is in Chinese: see the test below
    for marker in SECRET_MARKERS:
        assert marker not in text


@pytest.mark.parametrize("via", ["api", "web"])
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_or_broken_file_is_refused_and_nothing_is_stored(
    org: Any, recorder: str, case: str, via: str
) -> None:
    # given a file that must not get in
    data, status, message = file_cases(recorder)[case]
    # when an admin uploads it through the API or the web page
    if via == "api":
        response = upload(api_client(org.admin), data, name="evil.bpmn")
    else:
        response = web_upload(web_client(org.admin), data, name="evil.bpmn")
    # then a clear 4xx, nothing stored, nothing fetched, no local file in the answer
    assert_refused(response, status, message, via)
    assert FlowDraft.objects.count() == 0
    assert FlowVersion.objects.count() == 1
    assert Recorder.hits == []


@pytest.mark.parametrize("via", ["api", "web"])
def test_a_20_mb_file_is_refused_before_it_is_read(org: Any, via: str) -> None:
    data = b"<" + b"a" * (20 * 1024 * 1024)
    if via == "api":
        response = upload(api_client(org.admin), data)
    else:
        response = web_upload(web_client(org.admin), data)
    assert_refused(response, 413, "The file is larger than 2 MiB.", via)
    assert FlowDraft.objects.count() == 0


def test_a_raw_body_above_the_limit_gets_413(org: Any) -> None:
    client = api_client(org.admin)
    response = client.post(
        "/api/v1/flows/repair/imports", b"<" * (3 * 1024 * 1024), content_type="application/xml"
    )
    assert_refused(response, 413, "The file is larger than 2 MiB.", "api")
    assert FlowDraft.objects.count() == 0


def test_broken_structure_is_listed_element_by_element(org: Any, recorder: str) -> None:
    cases = file_cases(recorder)
    client = api_client(org.admin)
    assert upload(client, cases["duplicate ids"][0]).json()["fields"] == {
        "S": ["The id 'S' is used by more than one element."]
    }
    assert upload(client, cases["dangling reference"][0]).json()["fields"] == {
        "F": ["sequenceFlow (F) refers with targetRef to 'Nowhere', which is not in the file."]
    }
    assert upload(client, cases["endless loop"][0]).json()["fields"] == {
        "A": ["These elements form a loop that never reaches an end: task 'Ping' (A), task 'Pong' (B)."]
    }
    assert FlowDraft.objects.count() == 0


def test_a_schema_location_is_never_fetched(org: Any, recorder: str) -> None:
    # given a valid file whose xsi:schemaLocation points at a server we watch
    data = (
        HEAD.replace(
            'id="D" ',
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL {recorder}/BPMN20.xsd" id="D" ',
        )
        + PROCESS
        + "</bpmn:definitions>"
    ).encode()
    response = upload(api_client(org.admin), data)
    # then it is imported without anything being fetched
    assert response.status_code == 201
    assert Recorder.hits == []


def test_only_admins_may_import(org: Any) -> None:
    data = (CORPUS / "chinese_ready_to_run.bpmn").read_bytes()
    for user in (org.dispatcher, org.manager, org.store_manager, org.portal):
        response = upload(api_client(user), data)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert web_upload(web_client(user), data).status_code == 404
    assert FlowDraft.objects.count() == 0


def test_the_upload_page_says_why_in_the_reader_s_language(org: Any) -> None:
    client = web_client(org.admin)
    page = web_upload(client, b"").content.decode()
    assert "<div>文件是空的。</div>" in page
    page = web_upload(client, b"<html/>").content.decode()
    assert "<div>这不是 BPMN 2.0 文件：根元素是 &lt;html&gt;，而不是 bpmn:definitions。</div>" in page
    assert FlowDraft.objects.count() == 0
