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
from baton.workflows.engine.lint import UNSUPPORTED

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
    # elements Baton refuses (engine.lint.UNSUPPORTED)
    "scriptTask": "脚本任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "callActivity": "调用活动",
    "intermediateThrowEvent": "中间抛出事件",
    "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关",
    "transaction": "事务",
    "adHocSubProcess": "临时子流程",
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
        _pattern(
            r"{a} has conditions that can both hold on .* \(e\.g\. when (?P<detail>.*)\); "
            r"make them exclusive\."
        ),
        "{a}的多个条件可能同时满足（例如 {detail}）：请让条件互斥。",
    ),
    (
        _pattern(r"{a} never reaches an end: every path from it loops without end\."),
        "{a}走不到结束：从它出发的路径都在循环。",
    ),
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


#: Why an element is not supported (``engine.lint.UNSUPPORTED``, by element), as a Chinese page says it.
_UNSUPPORTED_ZH = {
    "scriptTask": "脚本会在服务器上运行代码；请改用注册了主题的服务任务，或业务规则任务",
    "sendTask": "不支持消息；请改用服务任务",
    "receiveTask": "不支持消息；请改用用户任务或定时器",
    "callActivity": "暂不支持调用其他流程；请在子流程中画出这些步骤",
    "intermediateThrowEvent": "不支持抛出事件（消息、信号、升级）",
    "eventBasedGateway": "不支持等待多个事件之一；请改用边界定时器",
    "complexGateway": "不支持复杂网关；请改用排他、包容或并行网关",
    "transaction": "不支持事务；请改用子流程",
    "adHocSubProcess": "不支持临时子流程；请改用子流程",
    "dataObject": "不支持数据对象；路由数据来自步骤的表单字段",
    "dataObjectReference": "不支持数据对象；路由数据来自步骤的表单字段",
    "dataStoreReference": "不支持数据存储",
    "multiInstanceLoopCharacteristics": "重复元素（多实例）只能用在步骤上，作为或签/会签审批",
    "standardLoopCharacteristics": "不支持重复步骤（循环）；请用网关画出循环",
    "ioSpecification": "不支持数据输入和输出",
    "dataInputAssociation": "不支持数据关联",
    "dataOutputAssociation": "不支持数据关联",
    "messageFlow": "不支持泳池之间的消息",
}
_DETAILS_ZH = {UNSUPPORTED[tag]: chinese for tag, chinese in _UNSUPPORTED_ZH.items() if tag in UNSUPPORTED}


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
        detail = groups.get("detail") or ""
        values = {"detail": _DETAILS_ZH.get(detail, detail)}
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
