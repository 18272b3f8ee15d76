"""Deploy problems in the page's language.

The engine's lint writes plain English with the element's kind, name and id
(``userTask '维修' (Task_repair) needs an 'owner' property …``). For a Chinese page we
recognise the common messages and say them in Chinese, naming the element the way the
designer shows it (步骤「维修」); anything we do not recognise stays in English, which is
still precise. The element id stays on the problem, so the designer marks the element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import get_language

from baton.workflows.engine import Problem

_LABEL = r"(?P<{0}tag>[A-Za-z]+)(?: '(?P<{0}name>.*?)')? \((?P<{0}id>[^()]*)\)"
_KINDS = {
    "userTask": "步骤",
    "task": "步骤",
    "manualTask": "步骤",
    "serviceTask": "服务任务",
    "businessRuleTask": "决策任务",
    "subProcess": "子流程",
    "exclusiveGateway": "网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "sequenceFlow": "连线",
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "boundaryEvent": "计时器",
    "intermediateCatchEvent": "中间计时器",
}


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(
        "^" + text.replace("{a}", _LABEL.format("a")).replace("{b}", _LABEL.format("b")) + "$", re.S
    )


#: (English message pattern, Chinese message). {a}/{b} are element labels, (?P<x>…) details.
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        _pattern(r"{a} needs an 'owner' property \(who is responsible for it\)\."),
        "{a}还没有负责人：请选择由谁负责。",
    ),
    (_pattern(r"{a} has an invalid 'sla': (?P<detail>.*)"), "{a}的时效无效：{detail}"),
    (_pattern(r"{a} has invalid 'outcomes' .*"), "{a}的结果选项无效：只能用小写字母、数字和下划线。"),
    (_pattern(r"{a} cannot be reached: no flow leads to it\."), "{a}无法到达：没有连线指向它。"),
    (
        _pattern(r"{a} has no outgoing flow; connect it or end with an end event\."),
        "{a}没有出口：请连到下一步或结束事件。",
    ),
    (
        _pattern(r"{a} has several outgoing flows; add a gateway to branch\."),
        "{a}有多条出口连线：请用网关来分支。",
    ),
    (
        _pattern(r"{a} needs a default flow, taken when no condition holds\."),
        "{a}需要一条默认路径（条件都不满足时走这条）。",
    ),
    (_pattern(r"{a} leaves {b} and needs a condition\."), "{a}从{b}出发，需要设置条件，或设为默认路径。"),
    (
        _pattern(r"{a} is the default flow, so it must not have a condition\."),
        "{a}是默认路径，不能再设置条件。",
    ),
    (_pattern(r"{a} has an invalid condition: (?P<detail>.*)"), "{a}的条件无效：{detail}"),
    (
        _pattern(r"{a} has a condition, but conditions only work on .*"),
        "{a}设置了条件，但只有从网关出发的连线才能设置条件。",
    ),
    (
        _pattern(r"{a} names a default flow '(?P<detail>.*)' that does not leave it\."),
        "{a}的默认路径不是它的出口连线。",
    ),
    (_pattern(r"{a} has an invalid timer: (?P<detail>.*)"), "{a}的时长无效：{detail}"),
    (_pattern(r"{a} needs exactly one time: .*"), "{a}需要设置一个时长。"),
    (_pattern(r"{a} must be attached to a task of the same \(sub-\)process\."), "{a}必须挂在一个步骤上。"),
    (
        _pattern(r"{a} must connect two elements of the same \(sub-\)process\."),
        "{a}必须连接同一流程中的两个元素。",
    ),
    (_pattern(r"{a} needs an end event\."), "{a}需要一个结束事件。"),
    (_pattern(r"{a} is not supported: (?P<detail>.*)\."), "{a}不受支持：{detail}。"),
    (
        _pattern(r"{a} uses an id the engine reserves for itself; rename it\."),
        "{a}的编号是系统保留的，请改名。",
    ),
    (
        _pattern(r"The process needs exactly one start event; found (?P<detail>\d+)\."),
        "流程需要且只能有一个开始事件（现在有 {detail} 个）。",
    ),
    (
        _pattern(r"The id '(?P<detail>.*)' is used by more than one element\."),
        "编号「{detail}」被多个元素使用。",
    ),
    (_pattern(r"The BPMN file is not well-formed XML: (?P<detail>.*)"), "文件不是格式正确的 XML：{detail}"),
    (_pattern(r"A flow file must contain exactly one process; .*"), "流程文件必须恰好包含一个流程。"),
    # approvals
    (
        _pattern(r"{a} is drawn as multi-instance: set its 'approval' mode .*"),
        "{a}画成了多实例：请把审批方式设为或签或会签。",
    ),
    (_pattern(r"{a} has an unknown 'approval' mode .*"), "{a}的审批方式无效：请选择单人、或签或会签。"),
    (
        _pattern(r"{a} has approval mode .* and must be drawn as a parallel multi-instance step\."),
        "{a}是多人审批，须画成并行多实例步骤。",
    ),
    (
        _pattern(r"{a} has an invalid 'approvers' rule '.*': (?P<detail>.*)\."),
        "{a}的审批人规则无效：{detail}。",
    ),
    (
        _pattern(r"{a} is an approval: its outcomes must include 'approve'\."),
        "{a}是审批步骤：结果选项须包含「同意」。",
    ),
    (
        _pattern(r"{a} may send tickets back to (?P<detail>.*), which is not another step of .*"),
        "{a}的驳回目标 {detail} 不是本流程中的其它步骤。",
    ),
    (
        _pattern(r"{a} sets (?P<detail>.*) on its multi-instance marker; .*"),
        "{a}的多实例标记设置了 {detail}：审批人由步骤的「审批人」设置决定，请删除这些设置。",
    ),
    (_pattern(r"The flow's 'max_loops' must be .*"), "流程的退回次数上限须为 1 到 100 的整数。"),
]


@dataclass(frozen=True)
class ShownProblem:
    element_id: str | None
    message: str


def _element(match: re.Match[str], prefix: str) -> str:
    tag, name, element_id = match.group(f"{prefix}tag", f"{prefix}name", f"{prefix}id")
    kind = _KINDS.get(tag, tag)
    return f"{kind}「{name}」" if name else f"{kind}（{element_id}）"


def localize(message: str, language: str | None = None) -> str:
    """``message`` in the given (default: current) language, where we know how to say it."""
    if not (language or get_language() or "").lower().startswith("zh"):
        return message
    for pattern, chinese in _MESSAGES:
        match = pattern.match(message)
        if match is None:
            continue
        groups = match.groupdict()
        values = {"detail": groups.get("detail") or ""}
        for prefix in ("a", "b"):
            if groups.get(f"{prefix}tag"):
                values[prefix] = _element(match, prefix)
        return chinese.format(**values)
    return message


def shown(problems: list[Problem], language: str | None = None) -> list[ShownProblem]:
    return [ShownProblem(p.element_id, localize(p.message, language)) for p in problems]


def by_element(problems: list[Problem], language: str | None = None) -> dict[str, list[str]]:
    """Problems keyed by element id (``flow`` for the whole file), as the API's ``fields``."""
    fields: dict[str, list[str]] = {}
    for problem in shown(problems, language):
        fields.setdefault(problem.element_id or "flow", []).append(problem.message)
    return fields
