"""Reading an uploaded BPMN file from another modeler, refusing anything hostile or broken.

The bytes are kept exactly as uploaded (BOM, CRLF, vendor namespaces, comments): export
gives them back unchanged. Before anything is stored the file must be

* at most :data:`MAX_IMPORT_BYTES` (a bigger one is a 413 before its body is read);
* UTF-8 (with or without a byte-order mark) and declare no other encoding;
* well-formed XML without DOCTYPE/ENTITY declarations or XInclude (see
  :mod:`baton.workflows.engine.safexml`: no entity expansion, no network, no local files);
* a ``bpmn:definitions`` document whose ids are unique, whose references point at
  elements that exist, and whose loops can all be left (:mod:`.structure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from django.utils.translation import gettext as _
from lxml import etree

from baton.core.errors import BatonError, ValidationFailed
from baton.workflows.engine import FlowValidationError
from baton.workflows.engine.safexml import MAX_XML_BYTES, parse_xml
from baton.workflows.forms.problems import localize

from .structure import BPMN_NS, structure_problems

MAX_IMPORT_BYTES = MAX_XML_BYTES  # what deploy accepts: a bigger draft could never run
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8 = frozenset({"utf-8", "utf8"})


class PayloadTooLarge(BatonError):
    code = "too_large"
    status = 413


@dataclass(frozen=True)
class ImportedFile:
    text: str  # exactly the uploaded bytes, decoded (a BOM stays as U+FEFF)
    root: etree._Element


def too_large() -> PayloadTooLarge:
    limit = MAX_IMPORT_BYTES // (1024 * 1024)
    return PayloadTooLarge(
        _("The file is larger than %(limit)s MiB.") % {"limit": limit},
        fields={"file": [_("at most %(limit)s MiB") % {"limit": limit}]},
    )


def _refused(message: str, detail: str | None = None, fields: dict[str, list[str]] | None = None) -> NoReturn:
    raise ValidationFailed(message, fields=fields or {"file": [detail or message]})


def read_bpmn(data: bytes) -> ImportedFile:
    """Check an uploaded file; raise a 4xx :class:`BatonError` (nothing stored) if it is refused."""
    if len(data) > MAX_IMPORT_BYTES:
        raise too_large()
    if not data.strip():
        _refused(_("The file is empty."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refused(
            _("The file is not valid UTF-8 (byte %(position)s). Save it as UTF-8 and try again.")
            % {"position": exc.start}
        )
    declared = _ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8:
        _refused(
            _("The file declares the encoding %(encoding)s; save it as UTF-8 and try again.")
            % {"encoding": declared.group(1).decode("ascii")}
        )
    try:
        root = parse_xml(data, "BPMN", max_bytes=MAX_IMPORT_BYTES)
    except FlowValidationError as exc:
        message = str(exc.problems[0].message) if exc.problems else str(exc)
        _refused(_("The file cannot be read: %(reason)s") % {"reason": localize(message)})
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        _refused(
            _("This is not a BPMN 2.0 file: its root element is <%(tag)s>, not bpmn:definitions.")
            % {"tag": etree.QName(root).localname}
        )
    problems = structure_problems(root)
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.element_id or "file", []).append(problem.message)
        _refused(_("The BPMN file is broken; fix it in the tool that made it."), fields=fields)
    return ImportedFile(text=text, root=root)
