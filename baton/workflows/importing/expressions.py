"""Recognise other engines' expressions (JUEL, FEEL) and suggest the CEL that means the same.

Camunda 7, Flowable and Activiti write ``${cost < 500}`` (JUEL); Camunda 8 writes
``=cost < 500`` (FEEL). Baton runs CEL only. Where the translation is mechanical —
variables, numbers, strings, comparisons and ``and``/``or``/``not`` — we suggest it, and
only if the suggestion compiles as CEL; anything else (method calls, ``execution``,
FEEL ranges and functions) gets no suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baton.core import cel

_STRINGS = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_JUEL_WORDS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
}
_FEEL_WORDS = {"and": "&&", "or": "||"}
_WORD = re.compile(r"\b(and|or|not|eq|ne|lt|gt|le|ge)\b")
_NOT_MECHANICAL = re.compile(r"[A-Za-z_][\w.]*\s*\(|\bexecution\b|\btask\b|\bempty\b|\binstanceof\b|\.\.")


@dataclass(frozen=True)
class ForeignExpression:
    language: str  # "JUEL" or "FEEL"
    source: str
    suggestion: str | None  # CEL meaning the same, when the translation is mechanical


def _outside_strings(text: str, change: re.Pattern[str], words: dict[str, str]) -> str:
    parts = _STRINGS.split(text)
    for index in range(0, len(parts), 2):  # even parts are outside string literals
        parts[index] = change.sub(lambda m: words.get(m.group(1), m.group(1)), parts[index])
    return "".join(parts)


def _feel_equality(text: str) -> str:
    parts = _STRINGS.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = re.sub(r"(?<![<>!=])=(?!=)", "==", parts[index])
        parts[index] = re.sub(r"\bnot\s*\(", "!(", parts[index])
    return "".join(parts)


def _compiles(text: str) -> str | None:
    candidate = " ".join(text.split())
    if not candidate or _NOT_MECHANICAL.search(_STRINGS.sub('""', candidate)):
        return None
    try:
        cel.compile_expression(candidate)
    except cel.ExpressionError:
        return None
    return candidate


def recognise(source: str) -> ForeignExpression | None:
    """A JUEL or FEEL expression with its CEL suggestion; None for anything else (e.g. CEL)."""
    if match := _JUEL.match(source):
        suggestion = _compiles(_outside_strings(match.group("body"), _WORD, _JUEL_WORDS))
        return ForeignExpression("JUEL", source.strip(), suggestion)
    stripped = source.strip()
    if stripped.startswith("=") and not stripped.startswith("=="):
        body = _feel_equality(stripped[1:])
        body = _outside_strings(body, re.compile(r"\b(and|or)\b"), _FEEL_WORDS)
        return ForeignExpression("FEEL", stripped, _compiles(body))
    return None
