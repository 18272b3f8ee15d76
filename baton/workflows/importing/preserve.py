"""Keep what other modelers wrote when Baton's designer edits an imported file.

bpmn-js (with camunda-moddle) reads and writes BPMN, Camunda 7 attributes and the
BPMN DI; vendor attributes and extension elements it does not know (``zeebe:``,
``flowable:``, ``signavio:``, colours, …) may not survive its round trip. When an edited
file comes back we put back, on every element the edit kept (matched by id), each
vendor attribute and vendor extension element the original had and the edit lacks.
What the edit changed or deleted on purpose stays changed: BPMN attributes, elements
that are gone, and ``camunda:`` data (Baton's own panel writes that).

:func:`differences` is the round-trip check used by the tests: every element, attribute,
text and namespace of the original must be in the export with the same value.
"""

from __future__ import annotations

import copy

from lxml import etree

from .structure import BPMN_NS, ID_NAMESPACES
from .vendors import CAMUNDA

XSI = "http://www.w3.org/2001/XMLSchema-instance"
OWNED = ID_NAMESPACES | {CAMUNDA, XSI}


def _namespace(name: str) -> str | None:
    return etree.QName(name).namespace


def _foreign(name: str) -> bool:
    namespace = _namespace(name)
    return namespace is not None and namespace not in OWNED


def _by_id(root: etree._Element) -> dict[str, etree._Element]:
    index: dict[str, etree._Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or _namespace(node.tag) not in ID_NAMESPACES:
            continue
        if node_id := node.get("id"):
            index.setdefault(node_id, node)
    return index


def _signature(node: etree._Element) -> tuple[str, tuple[tuple[str, str], ...]]:
    return str(node.tag), tuple(sorted((str(k), str(v)) for k, v in node.attrib.items()))


def _extension_holder(node: etree._Element) -> etree._Element:
    holder = node.find(f"{{{BPMN_NS}}}extensionElements")
    if holder is None:
        holder = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        documentation = node.findall(f"{{{BPMN_NS}}}documentation")
        node.insert(node.index(documentation[-1]) + 1 if documentation else 0, holder)
    return holder


def _restore(original: etree._Element, edited: etree._Element) -> None:
    for name, value in original.attrib.items():
        if _foreign(str(name)) and name not in edited.attrib:
            edited.set(name, value)
    extensions = original.find(f"{{{BPMN_NS}}}extensionElements")
    if extensions is None:
        return
    wanted = [c for c in extensions if isinstance(c.tag, str) and _foreign(str(c.tag))]
    if not wanted:
        return
    holder = _extension_holder(edited)
    present = {_signature(c) for c in holder if isinstance(c.tag, str)}
    for child in wanted:
        if _signature(child) not in present:
            holder.append(copy.deepcopy(child))


def _with_namespaces(original: etree._Element, edited: etree._Element) -> etree._Element:
    """``edited``'s root, re-made to also declare the original's namespaces with their prefixes."""
    nsmap: dict[str | None, str] = dict(edited.nsmap)
    for prefix, uri in original.nsmap.items():
        if uri not in nsmap.values() and prefix not in nsmap:
            nsmap[prefix] = uri
    if nsmap == dict(edited.nsmap):
        return edited
    root = etree.Element(edited.tag, attrib=dict(edited.attrib), nsmap=nsmap)  # type: ignore[arg-type,misc]
    root.text = edited.text
    for child in list(edited):
        root.append(child)
    return root


def merge_preserved(original: etree._Element, edited: etree._Element) -> bytes:
    """The edited document with the original's vendor data put back (UTF-8 XML bytes)."""
    edited = _with_namespaces(original, copy.deepcopy(edited))
    kept = _by_id(edited)
    _restore(original, edited)
    for node_id, node in _by_id(original).items():
        if node is not original and (counterpart := kept.get(node_id)) is not None:
            _restore(node, counterpart)
    return etree.tostring(edited, xml_declaration=True, encoding="UTF-8")


def _path(node: etree._Element) -> str:
    return node.getroottree().getpath(node)


def _counterpart(
    node: etree._Element, index: dict[str, etree._Element], root: etree._Element
) -> etree._Element | None:
    if node.getparent() is None:
        return root
    if (node_id := node.get("id")) and _namespace(str(node.tag)) in ID_NAMESPACES and node_id in index:
        return index[node_id]
    parent = node.getparent()
    assert parent is not None
    there = _counterpart(parent, index, root)
    if there is None:
        return None
    same = [c for c in parent if c.tag == node.tag]
    theirs = [c for c in there if c.tag == node.tag]
    position = same.index(node)
    return theirs[position] if position < len(theirs) else None


def differences(original: etree._Element, exported: etree._Element) -> list[str]:
    """What of the original is missing or different in the export (empty: nothing lost)."""
    found: list[str] = []
    declared = {uri for node in exported.iter() if isinstance(node.tag, str) for uri in node.nsmap.values()}
    found.extend(f"namespace {uri} not declared" for uri in original.nsmap.values() if uri not in declared)
    index = _by_id(exported)
    for node in original.iter():
        if not isinstance(node.tag, str):
            continue
        there = _counterpart(node, index, exported)
        if there is None or there.tag != node.tag:
            found.append(f"{_path(node)} ({node.get('id') or node.tag}) missing")
            continue
        for name, value in node.attrib.items():
            if there.get(name) != value:
                found.append(f"{_path(node)} @{name!s}: {value!r} became {there.get(name)!r}")
        text, their_text = (node.text or "").strip(), (there.text or "").strip()
        if len(node) == 0 and text != their_text:
            found.append(f"{_path(node)} text {text!r} became {their_text!r}")
    return found
