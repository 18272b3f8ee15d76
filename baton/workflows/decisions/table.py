"""The decision table as the editor and the API see it, and the DMN 1.3 XML made from it.

Admins never type XML: the editor (and the API) send a plain table ::

    {"hit_policy": "FIRST",
     "inputs":  [{"label": "客户等级", "expression": "customer_level"}, ...],
     "outputs": [{"label": "优先级", "name": "priority"}, ...],
     "rules":   [{"inputs": ["\\"vip\\"", "-"], "outputs": ["\\"urgent\\""], "note": ""}, ...]}

and :func:`to_dmn` writes the DMN file the engine runs. Element ids are fixed by
position, so a lint problem on ``In_3_2`` is rule 3's cell in input column 2 and the
editor can mark that very cell: ``Table`` (the table), ``Input_<c>`` / ``Output_<c>``
(column headers), ``Rule_<r>`` (a row), ``In_<r>_<c>`` / ``Out_<r>_<c>`` (cells).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from baton.core.errors import ValidationFailed

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")
MAX_COLUMNS = 20
MAX_RULES = 500
MAX_CELL = 500
MAX_LABEL = 100
ELEMENT_ID = re.compile(r"^(?:(Table)|(Input|Output|Rule)_(\d+)|(In|Out)_(\d+)_(\d+))$")


@dataclass
class InputColumn:
    label: str
    expression: str


@dataclass
class OutputColumn:
    label: str
    name: str


@dataclass
class Rule:
    inputs: list[str]
    outputs: list[str]
    note: str = ""


@dataclass
class Table:
    hit_policy: str = "FIRST"
    inputs: list[InputColumn] = field(default_factory=list)
    outputs: list[OutputColumn] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any, where: str, limit: int, problems: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.setdefault(where, []).append("must be text")
        return ""
    value = value.strip()
    if "\x00" in value:
        problems.setdefault(where, []).append("contains a NUL character")
    if len(value) > limit:
        problems.setdefault(where, []).append(f"at most {limit} characters")
    return value


def _items(data: dict[str, Any], name: str, limit: int, problems: dict[str, list[str]]) -> list[Any]:
    items = data.get(name, [])
    if not isinstance(items, list):
        problems.setdefault(name, []).append("must be a list")
        return []
    if len(items) > limit:
        problems.setdefault(name, []).append(f"at most {limit}")
        return []
    return items


def table_from_dict(data: Any) -> Table:
    """Check the shape of an editor/API table; :class:`ValidationFailed` says what is wrong."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The decision table must be an object.", fields={"table": ["must be an object"]}
        )
    problems: dict[str, list[str]] = {}
    policy = str(data.get("hit_policy") or "FIRST").upper()
    if policy not in HIT_POLICIES:
        problems["hit_policy"] = [f"must be one of {', '.join(HIT_POLICIES)}"]
    inputs, outputs = [], []
    for number, column in enumerate(_items(data, "inputs", MAX_COLUMNS, problems), start=1):
        column = column if isinstance(column, dict) else {}
        inputs.append(
            InputColumn(
                label=_text(column.get("label"), f"Input_{number}", MAX_LABEL, problems),
                expression=_text(column.get("expression"), f"Input_{number}", MAX_CELL, problems),
            )
        )
    for number, column in enumerate(_items(data, "outputs", MAX_COLUMNS, problems), start=1):
        column = column if isinstance(column, dict) else {}
        outputs.append(
            OutputColumn(
                label=_text(column.get("label"), f"Output_{number}", MAX_LABEL, problems),
                name=_text(column.get("name"), f"Output_{number}", 64, problems),
            )
        )
    rules = []
    for r, raw in enumerate(_items(data, "rules", MAX_RULES, problems), start=1):
        raw = raw if isinstance(raw, dict) else {}
        cells_in, cells_out = raw.get("inputs"), raw.get("outputs")
        if (
            not isinstance(cells_in, list)
            or not isinstance(cells_out, list)
            or len(cells_in) != len(inputs)
            or len(cells_out) != len(outputs)
        ):
            problems.setdefault(f"Rule_{r}", []).append("needs one cell per column")
            continue
        rules.append(
            Rule(
                inputs=[_text(v, f"In_{r}_{c}", MAX_CELL, problems) for c, v in enumerate(cells_in, 1)],
                outputs=[_text(v, f"Out_{r}_{c}", MAX_CELL, problems) for c, v in enumerate(cells_out, 1)],
                note=_text(raw.get("note"), f"Rule_{r}", MAX_LABEL, problems),
            )
        )
    if problems:
        raise ValidationFailed("The decision table is not valid.", fields=problems)
    return Table(hit_policy=policy, inputs=inputs, outputs=outputs, rules=rules)


def to_dmn(key: str, name: str, table: Table) -> str:
    """The DMN 1.3 file for a table; the decision id is ``key`` (what flows reference)."""
    E = ElementMaker(namespace=DMN_NS, nsmap={None: DMN_NS})

    def text(value: str) -> etree._Element:
        return E.text(value)

    columns: list[etree._Element] = []
    for c, given in enumerate(table.inputs, start=1):
        columns.append(
            E.input(
                E.inputExpression(text(given.expression), id=f"InputExpression_{c}", typeRef="string"),
                id=f"Input_{c}",
                label=given.label or given.expression,
            )
        )
    for c, made in enumerate(table.outputs, start=1):
        columns.append(E.output(id=f"Output_{c}", label=made.label or made.name, name=made.name))
    rules: list[etree._Element] = []
    for r, rule in enumerate(table.rules, start=1):
        children: list[etree._Element] = [E.description(rule.note)] if rule.note else []
        children += [E.inputEntry(text(cell), id=f"In_{r}_{c}") for c, cell in enumerate(rule.inputs, 1)]
        children += [E.outputEntry(text(cell), id=f"Out_{r}_{c}") for c, cell in enumerate(rule.outputs, 1)]
        rules.append(E.rule(*children, id=f"Rule_{r}"))
    root = E.definitions(
        E.decision(
            E.decisionTable(*columns, *rules, id="Table", hitPolicy=table.hit_policy),
            id=key,
            name=name,
        ),
        id=f"Definitions_{key}",
        name=name,
        namespace="https://baton.example/dmn",
    )
    return str(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
    )


def locate(element_id: str | None) -> dict[str, Any]:
    """Where an element id sits in the table: ``{"kind": "in", "rule": 3, "column": 2}`` etc."""
    match = ELEMENT_ID.match(element_id or "")
    if match is None:
        return {"kind": "table"}
    if match.group(1):
        return {"kind": "table"}
    if match.group(2):
        kind = match.group(2).lower()
        index = int(match.group(3))
        return {"kind": kind, "rule": index} if kind == "rule" else {"kind": kind, "column": index}
    return {"kind": match.group(4).lower(), "rule": int(match.group(5)), "column": int(match.group(6))}
