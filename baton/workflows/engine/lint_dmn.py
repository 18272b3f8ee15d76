"""Deploy-time checks on DMN decision tables, compiling every cell as Spiff will run it.

Spiff's DMN engine builds each input test from the column's input expression and the
cell text (see ``SpiffWorkflow.dmn.engine.DMNEngine.evaluate``):

* ``-`` or an empty cell matches anything;
* a cell containing ``?`` (outside quotes) is evaluated with ``?`` bound to the input
  value: ``? in ["gold", "silver"]``, ``? >= 100 && ? < 500``;
* a cell that is a complete expression is compared for equality: ``"VIP"`` becomes
  ``(customer_level) == ("VIP")``;
* anything else is appended to the input expression: ``< 500`` becomes ``cost< 500``.

Cells are CEL, not FEEL: a FEEL list such as ``"gold","silver"`` is refused with a hint.
Spiff implements the UNIQUE, FIRST, ANY and COLLECT hit policies by returning the first
match (or all matches for COLLECT); UNIQUE is not enforced. Other policies are refused.
"""

from __future__ import annotations

import re

from lxml import etree

from baton.core import cel

from .data import KEY_PATTERN
from .errors import Problem

DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
    }
)
SUPPORTED_HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "ANY", "COLLECT"})
#: The same pattern Spiff uses to find ``?`` outside quotes.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^\'\"]|[\'\"][^\'\"]*[\'\"])*$)")


def lint_dmn(root: etree._Element) -> tuple[str | None, list[Problem]]:
    """Check one DMN document; return its decision id and every problem found."""
    qname = etree.QName(root)
    if qname.localname != "definitions" or qname.namespace not in DMN_NAMESPACES:
        return None, [Problem(None, "This is not a DMN 1.1–1.3 file (no dmn:definitions root element).")]
    ns = f"{{{qname.namespace}}}"
    decisions = list(root.iter(f"{ns}decision"))
    if len(decisions) != 1:
        return None, [
            Problem(root.get("id"), f"A DMN file must hold exactly one decision; found {len(decisions)}.")
        ]
    decision = decisions[0]
    tables = decision.findall(f"{ns}decisionTable")
    if len(tables) != 1:
        return decision.get("id"), [
            Problem(decision.get("id"), "A decision must be exactly one decision table.")
        ]
    return decision.get("id"), _TableLinter(tables[0], ns).check()


class _TableLinter:
    def __init__(self, table: etree._Element, ns: str):
        self.table, self.ns = table, ns
        self.problems: list[Problem] = []
        self.inputs: list[str] = []

    def add(self, element_id: str | None, message: str) -> None:
        self.problems.append(Problem(element_id, message))

    def text(self, node: etree._Element | None) -> str:
        found = node.find(f"{self.ns}text") if node is not None else None
        return (found.text or "").strip() if found is not None else ""

    def check(self) -> list[Problem]:
        table, ns = self.table, self.ns
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            self.add(
                table.get("id"),
                f"The hit policy {policy} is not supported; use UNIQUE, FIRST, ANY or COLLECT.",
            )
        if table.get("aggregation"):
            self.add(table.get("id"), "COLLECT with an aggregation (SUM, COUNT, ...) is not supported.")
        outputs = 0
        for child in table:
            if not isinstance(child.tag, str):
                continue
            tag = etree.QName(child).localname
            if tag == "input":
                self.check_input(child)
            elif tag == "output":
                outputs += 1
                name = child.get("name") or child.get("label") or ""
                if not KEY_PATTERN.match(name) or name == "typename":
                    self.add(
                        child.get("id"),
                        f"The output column {name!r} needs a name of lowercase letters, digits and _.",
                    )
            elif tag != "rule":
                self.add(child.get("id"), f"The decision table element '{tag}' is not supported.")
        if outputs == 0:
            self.add(table.get("id"), "The decision table has no output column.")
        for number, rule in enumerate(table.findall(f"{ns}rule"), start=1):
            self.check_rule(rule, number, outputs)
        return self.problems

    def check_input(self, node: etree._Element) -> None:
        expression = self.text(node.find(f"{self.ns}inputExpression"))
        self.inputs.append(expression)
        if not expression:
            self.add(
                node.get("id"), f"The input column '{node.get('label') or node.get('id')}' has no expression."
            )
            return
        self.compile(node.get("id"), expression, "input expression")

    def check_rule(self, rule: etree._Element, number: int, outputs: int) -> None:
        entries = rule.findall(f"{self.ns}inputEntry")
        results = rule.findall(f"{self.ns}outputEntry")
        if len(entries) != len(self.inputs) or len(results) != outputs:
            self.add(rule.get("id"), f"Rule {number} does not have one cell per column.")
            return
        for entry, input_expression in zip(entries, self.inputs, strict=True):
            cell = self.text(entry)
            if cell in ("", "-") or not input_expression:
                continue
            self.check_input_cell(entry.get("id"), number, input_expression, cell)
        for result in results:
            cell = self.text(result)
            if cell:
                self.compile(result.get("id"), cell, f"rule {number} output")

    def check_input_cell(self, element_id: str | None, number: int, input_expression: str, cell: str) -> None:
        where = f"rule {number} input {cell!r}"
        if _QUESTION_MARK.search(cell):
            self.compile(element_id, _QUESTION_MARK.sub("dmninputexpr", cell), where)
            return
        try:
            cel.compile_expression(cell)
        except cel.ExpressionError as exc:
            # Not a whole expression: Spiff appends it to the input (``< 500``).
            try:
                cel.compile_expression(input_expression + cell)
            except cel.ExpressionError:
                self.add(
                    element_id,
                    f"In {where}: this is neither an expression nor a comparison such as < 500 ({exc}). "
                    'Cells use CEL: write "gold", < 500, or ? in ["gold", "silver"].',
                )
            return
        self.compile(element_id, f"({input_expression}) == ({cell})", where)

    def compile(self, element_id: str | None, source: str, where: str) -> None:
        try:
            cel.compile_expression(source)
        except cel.ExpressionError as exc:
            self.add(element_id, f"In {where}: {exc}")
