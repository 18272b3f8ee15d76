"""Parse uploaded BPMN/DMN XML without trusting it.

Flow files come from admins' browsers, so the parser must not fetch URLs, read local
files through external entities (XXE) or expand nested entities (billion laughs).
We refuse any DOCTYPE/ENTITY declaration before lxml sees the bytes, parse with entity
resolution, DTD loading and network access off, and check the parsed document once
more, so a declaration hidden by an unusual encoding is still refused.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .errors import FlowValidationError, Problem

MAX_XML_BYTES = 2 * 1024 * 1024
XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(source: bytes | str, what: str, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Return the root element of ``source`` or raise :class:`FlowValidationError`.

    lxml never processes XInclude unless asked; we still refuse ``xi:include`` elements so a
    file that another tool would expand (reading a local file or a URL) is never stored.
    """
    # Text is already decoded: drop a declaration that might name another encoding.
    data = _XML_DECL.sub("", source, count=1).encode("utf-8") if isinstance(source, str) else bytes(source)
    if len(data) > max_bytes:
        raise _refuse(f"The {what} file is larger than {max_bytes // (1024 * 1024)} MiB.")
    probe = data.replace(b"\x00", b"")  # also catches UTF-16/32 spellings of the declaration
    if _DECLARATION.search(probe):
        raise _refuse(f"The {what} file contains a DOCTYPE or ENTITY declaration; these are not allowed.")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"The {what} file is not well-formed XML: {exc}") from None
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _refuse(f"The {what} file contains a DOCTYPE or ENTITY declaration; these are not allowed.")
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).namespace in XINCLUDE_NAMESPACES:
            raise _refuse(f"The {what} file contains an XInclude element; these are not allowed.")
    return root


def _refuse(message: str) -> FlowValidationError:
    return FlowValidationError([Problem(None, message)])
