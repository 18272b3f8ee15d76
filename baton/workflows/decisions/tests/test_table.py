"""The editor's table → DMN 1.3 with positional ids, and the engine evaluating it (no database)."""

from __future__ import annotations

import pytest
from lxml import etree

from baton.core.errors import ValidationFailed
from baton.workflows.decisions.table import DMN_NS, locate, table_from_dict, to_dmn
from baton.workflows.engine import EngineError, FlowValidationError
from baton.workflows.engine.decision import compile_decision

from . import triage_table


def test_the_dmn_has_one_decision_with_positional_ids():
    dmn = to_dmn("triage", "工单分级 <&>", table_from_dict(triage_table()))
    root = etree.fromstring(dmn.encode())
    ns = {"d": DMN_NS}
    [decision] = root.findall("d:decision", ns)
    assert (decision.get("id"), decision.get("name")) == ("triage", "工单分级 <&>")
    table = decision.find("d:decisionTable", ns)
    assert table is not None
    assert (table.get("id"), table.get("hitPolicy")) == ("Table", "FIRST")
    assert [i.get("id") for i in table.findall("d:input", ns)] == ["Input_1", "Input_2"]
    assert [o.get("name") for o in table.findall("d:output", ns)] == ["priority", "department"]
    rules = table.findall("d:rule", ns)
    assert [r.get("id") for r in rules] == ["Rule_1", "Rule_2"]
    cells = [(e.get("id"), e.findtext("d:text", namespaces=ns)) for e in rules[0]]
    assert cells == [
        ("In_1_1", '? in ["vip", "strategic"]'),
        ("In_1_2", '"down"'),
        ("Out_1_1", '"urgent"'),
        ("Out_1_2", '"S"'),
    ]


@pytest.mark.parametrize(
    ("element_id", "where"),
    [
        ("In_3_2", {"kind": "in", "rule": 3, "column": 2}),
        ("Out_1_1", {"kind": "out", "rule": 1, "column": 1}),
        ("Rule_4", {"kind": "rule", "rule": 4}),
        ("Input_2", {"kind": "input", "column": 2}),
        ("Output_1", {"kind": "output", "column": 1}),
        ("Table", {"kind": "table"}),
        (None, {"kind": "table"}),
        ("In_x", {"kind": "table"}),
    ],
)
def test_locate(element_id, where):
    assert locate(element_id) == where


def test_shape_problems_are_all_reported():
    bad = {
        "hit_policy": "RULE ORDER",
        "inputs": [{"label": 5, "expression": "x" * 501}],
        "outputs": "priority",
        "rules": [{"inputs": ["-", "-"], "outputs": []}, "nope"],
    }
    with pytest.raises(ValidationFailed) as caught:
        table_from_dict(bad)
    assert caught.value.fields == {
        "hit_policy": ["must be one of UNIQUE, FIRST, ANY, COLLECT"],
        "Input_1": ["must be text", "at most 500 characters"],
        "outputs": ["must be a list"],
        "Rule_1": ["needs one cell per column"],
        "Rule_2": ["needs one cell per column"],
    }
    with pytest.raises(ValidationFailed):
        table_from_dict(["not", "a", "table"])
    with pytest.raises(ValidationFailed) as caught:
        table_from_dict({**triage_table(), "rules": [{"inputs": ["\x00", "-"], "outputs": ["", ""]}] * 501})
    assert caught.value.fields == {"rules": ["at most 500"]}


def test_cells_are_trimmed_and_policy_upper_cased():
    table = table_from_dict({**triage_table([(' "vip" ', "", '"high"  ', "")]), "hit_policy": "collect"})
    assert table.hit_policy == "COLLECT"
    assert (table.rules[0].inputs, table.rules[0].outputs) == (['"vip"', ""], ['"high"', ""])


def test_evaluate_first_unique_and_collect():
    rows = [('"vip"', "-", '"high"', ""), ("-", '"down"', '"urgent"', '"S"')]
    both = {"customer_level": "vip", "fault_category": "down"}
    first = compile_decision(to_dmn("t", "t", table_from_dict(triage_table(rows))))
    assert first.evaluate(both).outputs == {"priority": "high", "department": ""}
    assert first.evaluate(both).matched == [1]
    collect = compile_decision(to_dmn("t", "t", table_from_dict(triage_table(rows, "COLLECT"))))
    result = collect.evaluate(both)
    assert result.outputs == {"priority": ["high", "urgent"], "department": ["", "S"]}
    assert result.matched == [1, 2]
    assert collect.evaluate({"customer_level": "normal", "fault_category": "leak"}).outputs == {}


def test_compiled_decisions_are_cached_and_checked():
    dmn = to_dmn("t", "t", table_from_dict(triage_table()))
    assert compile_decision(dmn) is compile_decision(dmn.encode())
    with pytest.raises(FlowValidationError) as caught:
        compile_decision(to_dmn("Bad-Id", "t", table_from_dict(triage_table())))
    assert [p.element_id for p in caught.value.problems] == ["Bad-Id"]
    with pytest.raises(EngineError, match="invalid name"):
        compile_decision(dmn).evaluate({"Customer Level": "vip"})
