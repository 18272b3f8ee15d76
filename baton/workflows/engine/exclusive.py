"""Can two conditions leaving one exclusive gateway both hold? Found by trying the values that matter.

The engine tests an exclusive gateway's conditions in diagram order and takes the first that
holds (research/spiff.md pitfall 4), so overlapping conditions silently route by drawing
position. Deploy refuses them instead.

The conditions the designer builds are comparisons of a variable with a literal
(``cost < 500``, ``customer_level == "vip" && fault_category == "down"``), joined by ``&&`` or
``||``. For such conditions the outcome only changes at the literals, so trying, for every
variable, each literal it is compared with and the values just around it (numbers: ±1 and
±0.5; text: the literals and one other value; true/false) covers every case: two conditions
overlap exactly when some combination of these values makes both true. The example found is
shown to the admin. Conditions with variables we cannot sample (compared with each other, passed
to functions only) are not judged: the check never refuses a flow it cannot prove wrong.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from typing import Any

from baton.core import cel

_LITERAL = r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|true|false)"
_NAME = r"([a-z][a-z0-9_]*)"
_OPERATOR = r"(?:==|!=|<=|>=|<|>)"
_NAME_FIRST = re.compile(rf"\b{_NAME}\s*{_OPERATOR}\s*{_LITERAL}")
_LITERAL_FIRST = re.compile(rf"{_LITERAL}\s*{_OPERATOR}\s*{_NAME}\b")
_BARE_BOOLEAN = re.compile(rf"(?:^|[!(&|]\s*){_NAME}\s*(?=$|[)&|])")
#: Combinations tried for one pair of conditions at most; beyond that the pair is not judged.
MAX_COMBINATIONS = 20_000
_OTHER = "\u2063other"  # a text no condition compares with


def _value(literal: str) -> Any:
    if literal in ("true", "false"):
        return literal == "true"
    if literal[:1] in "\"'":
        return re.sub(r"\\(.)", r"\1", literal[1:-1])
    number = float(literal)
    return int(number) if number.is_integer() and "." not in literal else number


def _samples(sources: Sequence[str]) -> dict[str, list[Any]] | None:
    """Values worth trying for each variable the conditions use; None if one cannot be sampled."""
    literals: dict[str, set[Any]] = {}
    for source in sources:
        for match in _NAME_FIRST.finditer(source):
            literals.setdefault(match.group(1), set()).add(_value(match.group(2)))
        for match in _LITERAL_FIRST.finditer(source):
            literals.setdefault(match.group(2), set()).add(_value(match.group(1)))
        for match in _BARE_BOOLEAN.finditer(source):
            literals.setdefault(match.group(1), set()).add(True)
    names: set[str] = set()
    for source in sources:
        names |= cel.compile_expression(source).variables
    samples: dict[str, list[Any]] = {}
    for name in sorted(names):
        values = literals.get(name)
        if not values:
            return None
        if all(isinstance(v, bool) for v in values):
            samples[name] = [True, False]
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            whole: set[int | float] = set()
            halves: set[int | float] = set()
            for v in values:
                whole |= {v - 1, v, v + 1}
                halves |= {v - 0.5, v + 0.5}
            samples[name] = sorted(whole) + sorted(halves - whole)  # whole numbers make nicer examples
        elif all(isinstance(v, str) for v in values):
            samples[name] = [*sorted(values), _OTHER]
        else:
            return None
    return samples


def _holds(source: str, variables: dict[str, Any]) -> bool:
    try:
        return cel.evaluate_bool(source, variables)
    except cel.ExpressionError:
        return False


def overlap(first: str, second: str) -> dict[str, Any] | None:
    """Values of the variables for which both conditions hold, or None (none found, or not judged)."""
    try:
        samples = _samples([first, second])
    except cel.ExpressionError:
        return None  # reported as an invalid condition already
    if samples is None:
        return None
    total = 1
    for values in samples.values():
        total *= len(values)
    if total > MAX_COMBINATIONS:
        return None
    names = list(samples)
    for combination in itertools.product(*(samples[name] for name in names)):
        variables = dict(zip(names, combination, strict=True))
        if _holds(first, variables) and _holds(second, variables):
            return variables
    return None


def describe(variables: dict[str, Any]) -> str:
    """``cost = 500, outcome = "reject"``: the example shown to the admin."""
    parts = []
    for name, value in variables.items():
        if value == _OTHER:
            continue
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bool) else str(value).lower()
        parts.append(f"{name} = {text}")
    return ", ".join(parts) or "any values"
