"""Deploy-time refusals: unsafe XML, unsafe expressions, unsupported elements, lint."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from baton.workflows.engine import (
    FlowValidationError,
    Problem,
    compile_flow,
    register_service,
    safexml,
    start_instance,
)
from baton.workflows.engine.parser import TicketParser
from baton.workflows.engine.script_engine import ENGINE

from . import flow, owner, process

SIMPLE = process(
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_a" name="A">{owner()}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>' + flow("F1", "Start_1", "Task_a") + flow("F2", "Task_a", "End_1")
)


def problems_of(bpmn: str, dmn: tuple[str, ...] = ()) -> list[Problem]:
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(bpmn, dmn)
    return caught.value.problems


def gateway_flow(condition: str) -> str:
    return process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:exclusiveGateway id="Gateway_cost" default="Flow_default"/>'
        f'<bpmn:userTask id="Task_a">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_b">{owner()}</bpmn:userTask>'
        '<bpmn:endEvent id="End_1"/>'
        + flow("F0", "Start_1", "Gateway_cost")
        + flow("Flow_cond", "Gateway_cost", "Task_a", condition)
        + flow("Flow_default", "Gateway_cost", "Task_b")
        + flow("F3", "Task_a", "End_1")
        + flow("F4", "Task_b", "End_1")
    )


def test_a_clean_flow_compiles():
    assert list(compile_flow(SIMPLE).steps) == ["Task_a"]


@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('id')",
        "__import__('os').system('id') == 0 and cost < 500",
        "().__class__.__base__.__subclasses__()",
        "cost.__class__.__mro__",
        "len(tags) > 0",
        "open('/etc/passwd').read() != ''",
        "eval('1')",
        "cost < 500 and approved",
        "[x for x in range(10**9)]",
        "(lambda: 1)()",
        "approved is True",
    ],
)
def test_attack_and_python_conditions_are_refused_at_deploy(condition):
    problems = problems_of(gateway_flow(condition))
    assert [p.element_id for p in problems] == ["Flow_cond"]
    assert "invalid condition" in problems[0].message


def test_a_cel_condition_compiles():
    compile_flow(gateway_flow('cost < 500 && category in ["fryer", "freezer"]'))


def test_script_task_is_refused_with_its_name_and_id():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:scriptTask id="Task_script" name="Run it">'
        "<bpmn:script>import os</bpmn:script></bpmn:scriptTask>"
        '<bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Task_script")
        + flow("F2", "Task_script", "End_1")
    )
    [problem] = problems_of(bpmn)
    assert problem.element_id == "Task_script"
    assert problem.message.startswith(
        "scriptTask 'Run it' (Task_script) is not supported: scripts would run code"
    )


def test_script_task_is_refused_even_if_lint_were_bypassed():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:scriptTask id="S"><bpmn:script>x=1</bpmn:script></bpmn:scriptTask>'
        + flow("F1", "Start_1", "S")
    )
    parser = TicketParser()
    parser.add_bpmn_xml(etree.fromstring(bpmn.encode()))
    with pytest.raises(ValidationException, match="not supported"):
        parser.get_spec("test")


def test_the_engine_never_executes_scripts():
    instance = start_instance(compile_flow(SIMPLE), {})
    task = instance._workflow.get_tasks()[0]
    with pytest.raises(WorkflowTaskException, match="Scripts are disabled"):
        ENGINE.execute(task, "import os")
    assert instance._workflow.script_engine is ENGINE


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (
            '<bpmn:sendTask id="Task_send" name="Notify"/>',
            "sendTask 'Notify' (Task_send) is not supported: messages",
        ),
        ('<bpmn:callActivity id="Call_1" name="Other" calledElement="x"/>', "callActivity 'Other' (Call_1)"),
        ('<bpmn:receiveTask id="Task_receive"/>', "receiveTask (Task_receive) is not supported"),
        (
            '<bpmn:intermediateThrowEvent id="Throw_1" name="Shout"/>',
            "intermediateThrowEvent 'Shout' (Throw_1)",
        ),
        ('<bpmn:complexGateway id="Gateway_c"/>', "complexGateway (Gateway_c) is not supported"),
        ('<bpmn:dataObjectReference id="Data_1" name="Form"/>', "dataObjectReference 'Form' (Data_1)"),
    ],
)
def test_unsupported_elements_are_listed_by_name_and_id(element, expected):
    problems = problems_of(
        SIMPLE.replace('<bpmn:endEvent id="End_1"/>', '<bpmn:endEvent id="End_1"/>' + element)
    )
    assert any(p.message.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            '<bpmn:boundaryEvent id="B1" name="Msg" attachedToRef="Task_a"><bpmn:messageEventDefinition/>'
            "</bpmn:boundaryEvent>",
            "boundaryEvent 'Msg' (B1) is not supported: only timer boundary events",
        ),
        (
            '<bpmn:intermediateCatchEvent id="C1"><bpmn:signalEventDefinition/>'
            "</bpmn:intermediateCatchEvent>",
            "intermediateCatchEvent (C1) is not supported: only timers",
        ),
    ],
)
def test_non_timer_events_are_refused(event, expected):
    problems = problems_of(
        SIMPLE.replace('<bpmn:endEvent id="End_1"/>', '<bpmn:endEvent id="End_1"/>' + event)
    )
    assert any(p.message.startswith(expected) for p in problems), problems


def test_all_lint_problems_are_reported_together():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:userTask id="Task_no_owner" name="Nobody"/>'
        '<bpmn:exclusiveGateway id="Gateway_x"/>'
        f'<bpmn:userTask id="Task_a">{owner(sla="30 minutes")}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_b">{owner(outcomes="Done,not ok")}</bpmn:userTask>'
        '<bpmn:serviceTask id="Task_service" camunda:topic="no_such_topic"/>'
        '<bpmn:businessRuleTask id="Task_rule" camunda:decisionRef="missing"/>'
        '<bpmn:endEvent id="End_1"/>'
        + flow("F0", "Start_1", "Task_no_owner")
        + flow("F1", "Task_no_owner", "Gateway_x")
        + flow("F2", "Gateway_x", "Task_a", "cost < 500")
        + flow("F3", "Gateway_x", "Task_b")
        + flow("F4", "Task_a", "Task_service", "cost > 1")
        + flow("F5", "Task_b", "Task_rule")
        + flow("F6", "Task_service", "End_1")
        + flow("F7", "Task_rule", "End_1")
    )
    problems = {(p.element_id, re.sub(r" \(.*", "", p.message)) for p in problems_of(bpmn)}
    messages = " | ".join(sorted(p[1] for p in problems))
    ids = {p[0] for p in problems}
    assert {"Task_no_owner", "Gateway_x", "F3", "Task_a", "Task_b", "F4", "Task_service", "Task_rule"} <= ids
    assert "needs an 'owner' property" in " ".join(p.message for p in problems_of(bpmn))
    assert "needs a default flow" in " ".join(p.message for p in problems_of(bpmn))
    assert messages  # every problem has a message


def test_gateway_flow_without_condition_is_named():
    bpmn = gateway_flow("cost < 500").replace(' default="Flow_default"', "")
    problems = problems_of(bpmn)
    assert {p.element_id for p in problems} == {"Gateway_cost", "Flow_default"}


def test_unknown_service_topic_is_a_problem_and_a_registered_one_is_not():
    bpmn = SIMPLE.replace(
        '<bpmn:userTask id="Task_a" name="A">',
        '<bpmn:serviceTask id="Task_s" camunda:topic="test_deploy_topic"/>'
        '<bpmn:userTask id="Task_a" name="A">',
    ).replace(
        flow("F1", "Start_1", "Task_a"), flow("F1", "Start_1", "Task_s") + flow("F1b", "Task_s", "Task_a")
    )
    [problem] = problems_of(bpmn)
    assert problem.element_id == "Task_s"
    assert "unknown service topic 'test_deploy_topic'" in problem.message
    register_service("test_deploy_topic", lambda data: None)
    compile_flow(bpmn)


def test_timer_texts_are_checked():
    def with_timer(definition: str) -> str:
        return SIMPLE.replace(
            '<bpmn:endEvent id="End_1"/>',
            '<bpmn:endEvent id="End_1"/><bpmn:boundaryEvent id="Timer_1" attachedToRef="Task_a">'
            f"<bpmn:timerEventDefinition>{definition}</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
            '<bpmn:endEvent id="End_2"/>' + flow("F9", "Timer_1", "End_2"),
        )

    compile_flow(with_timer("<bpmn:timeDuration>PT15M</bpmn:timeDuration>"))
    compile_flow(with_timer("<bpmn:timeDate>2026-01-01T09:00:00+08:00</bpmn:timeDate>"))
    compile_flow(with_timer('<bpmn:timeDuration>"PT" + string(hours) + "H"</bpmn:timeDuration>'))
    for bad, message in [
        ("<bpmn:timeDate>2026-01-01T09:00:00</bpmn:timeDate>", "add Z or an offset"),
        ("<bpmn:timeDuration>15 minutes</bpmn:timeDuration>", "invalid timer"),
        ("<bpmn:timeDuration>2026-01-01T09:00:00Z</bpmn:timeDuration>", "not an ISO-8601 duration"),
        ("<bpmn:timeDuration>__import__('os')</bpmn:timeDuration>", "names starting with '_'"),
        ("", "needs exactly one time"),
    ]:
        [problem] = problems_of(with_timer(bad))
        assert problem.element_id == "Timer_1"
        assert message in problem.message


def test_not_a_bpmn_file():
    [problem] = problems_of("<html><body/></html>")
    assert "not a BPMN file" in problem.message
    [problem] = problems_of("<bpmn:definitions")
    assert "not well-formed" in problem.message


def test_xxe_is_refused_without_reading_the_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    xxe = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>' + SIMPLE.split(
        "?>", 1
    )[1].replace(
        '<bpmn:endEvent id="End_1"/>',
        '<bpmn:textAnnotation id="T"><bpmn:text>&xxe;</bpmn:text></bpmn:textAnnotation>'
        '<bpmn:endEvent id="End_1"/>',
    )
    with pytest.raises(FlowValidationError, match="DOCTYPE or ENTITY") as caught:
        compile_flow(xxe)
    assert "TOP-SECRET-MARKER" not in str(caught.value)
    # Second line of defence: even if the textual check missed it, lxml must not resolve
    # the entity and the parsed document is still refused.
    monkeypatch.setattr(safexml, "_DECLARATION", re.compile(rb"(?!)"))
    with pytest.raises(FlowValidationError, match="DOCTYPE or ENTITY") as caught:
        compile_flow(xxe.encode())
    assert "TOP-SECRET-MARKER" not in str(caught.value)
    in_attribute = xxe.replace("<bpmn:text>&xxe;</bpmn:text>", "").replace('name="A"', 'name="&xxe;"')
    with pytest.raises(FlowValidationError, match="external entity") as caught:
        compile_flow(in_attribute.encode())
    assert "TOP-SECRET-MARKER" not in str(caught.value)


def test_billion_laughs_is_refused_before_parsing():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><lolz>&lol9;</lolz>'
    with pytest.raises(FlowValidationError, match="DOCTYPE or ENTITY"):
        compile_flow(bomb)
    with pytest.raises(FlowValidationError, match="DOCTYPE or ENTITY"):
        compile_flow(bomb.encode("utf-16"))
    with pytest.raises(FlowValidationError, match="DOCTYPE or ENTITY"):
        compile_flow(SIMPLE, [bomb])


def test_oversized_files_are_refused():
    with pytest.raises(FlowValidationError, match="larger than 2 MiB"):
        compile_flow(b" " * (safexml.MAX_XML_BYTES + 1))


def test_ids_the_engine_reserves_are_refused():
    bpmn = SIMPLE.replace('"Start_1"', '"Start"').replace('"End_1"', '"End"')
    problems = problems_of(bpmn)
    assert {p.element_id for p in problems} == {"Start", "End"}
    assert "reserves for itself" in problems[0].message


def test_a_single_process_is_required():
    two = SIMPLE.replace(
        "</bpmn:definitions>", '<bpmn:process id="other" isExecutable="true"/></bpmn:definitions>'
    )
    [problem] = problems_of(two)
    assert "exactly one process; found 2" in problem.message
    not_executable = SIMPLE.replace('isExecutable="true"', 'isExecutable="false"')
    assert "not executable" in problems_of(not_executable)[0].message
