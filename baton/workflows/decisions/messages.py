"""Decision-table problems in the page's language.

The DMN lint (``engine.lint_dmn``) and the triage checks speak plain English naming the
rule and the cell; on a Chinese page we say the common ones in Chinese. Anything we do not
recognise stays in English (still precise); the element id stays, so the editor marks the
cell either way. Same approach as ``workflows.forms.problems`` for flows.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language

from baton.workflows.engine import Problem

_CELL = r"'(?P<cell>.*)'"
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            rf"^In rule (?P<rule>\d+) input {_CELL}: this is neither an expression nor a comparison.*$", re.S
        ),
        "规则 {rule} 的条件「{cell}」既不是表达式也不是比较。"
        '单元格用 CEL：写 "gold"、< 500 或 ? in ["gold", "silver"]，- 表示任意。',
    ),
    (
        re.compile(rf"^In rule (?P<rule>\d+) input {_CELL}: (?P<detail>.*)$", re.S),
        "规则 {rule} 的条件「{cell}」有误：{detail}",
    ),
    (re.compile(r"^In rule (?P<rule>\d+) output: (?P<detail>.*)$", re.S), "规则 {rule} 的结果有误：{detail}"),
    (re.compile(r"^In input expression: (?P<detail>.*)$", re.S), "输入表达式有误：{detail}"),
    (
        re.compile(r"^The input column '(?P<cell>.*)' has no expression\.$"),
        "输入列「{cell}」没有填写表达式。",
    ),
    (
        re.compile(r"^The output column '(?P<cell>.*)' needs a name of lowercase letters, digits and _\.$"),
        "输出列「{cell}」的名称只能用小写字母、数字和下划线。",
    ),
    (re.compile(r"^The decision table has no output column\.$"), "决策表没有输出列。"),
    (
        re.compile(r"^The decision table has no rules; add at least one row\.$"),
        "决策表没有规则：请至少添加一行。",
    ),
    (
        re.compile(r"^Rule (?P<rule>\d+) does not have one cell per column\.$"),
        "规则 {rule} 的单元格数与列数不符。",
    ),
    (
        re.compile(r"^Rule (?P<rule>\d+): priority '(?P<cell>.*)' is not one of (?P<detail>.*)\.$"),
        "规则 {rule}：优先级「{cell}」无效，只能是 {detail}。",
    ),
    (
        re.compile(r"^Rule (?P<rule>\d+): there is no department with code '(?P<cell>.*)'\.$"),
        "规则 {rule}：没有编码为「{cell}」的部门。",
    ),
    (
        re.compile(r"^A triage decision needs an output column named priority or department\.$"),
        "分级决策需要名为 priority（优先级）或 department（部门）的输出列。",
    ),
    (
        re.compile(r"^The hit policy (?P<cell>\w+) is not supported.*$"),
        "不支持命中策略 {cell}：请用 UNIQUE、FIRST、ANY 或 COLLECT。",
    ),
]


def localize(message: str, language: str | None = None) -> str:
    if not (language or get_language() or "").lower().startswith("zh"):
        return message
    for pattern, chinese in _MESSAGES:
        if (match := pattern.match(message)) is not None:
            values = {
                "rule": "",
                "cell": "",
                "detail": "",
                **{k: v or "" for k, v in match.groupdict().items()},
            }
            return chinese.format(**values)
    return message


def localise(problems: list[Problem], language: str | None = None) -> list[Problem]:
    return [Problem(p.element_id, localize(p.message, language)) for p in problems]


def localise_fields(fields: dict[str, list[str]], language: str | None = None) -> dict[str, list[str]]:
    """An error's ``fields`` (element id → messages) in the page's language."""
    return {element: [localize(m, language) for m in messages] for element, messages in fields.items()}
