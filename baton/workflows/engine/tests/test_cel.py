"""baton.core.cel: the only way Baton evaluates admin-written expressions."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from baton.core import cel
from baton.core.cel import ExpressionError, compile_expression, evaluate, evaluate_bool


class Level(enum.Enum):
    GOLD = "gold"


def test_compile_is_cached_and_reports_variables():
    first = compile_expression("cost < limit && size(tags) > 0")
    assert compile_expression("cost < limit && size(tags) > 0") is first
    assert first.variables == frozenset({"cost", "limit", "tags"})


@pytest.mark.parametrize("cost", [300, 300.0, 299.5, Decimal("300"), Decimal("300.50")])
def test_numeric_comparison_works_for_int_float_and_decimal(cost):
    assert evaluate_bool("cost < 500", {"cost": cost}) is True
    assert evaluate_bool("cost >= 500", {"cost": cost}) is False


def test_int_and_double_compare_equal():
    assert evaluate_bool("technician == 7", {"technician": 7.0}) is True


def test_mixed_arithmetic_is_refused_with_a_hint():
    with pytest.raises(ExpressionError, match=r"does not coerce.*2\.0"):
        evaluate("cost * 2", {"cost": 12.5})
    assert evaluate("cost * 2.0", {"cost": 12.5}) == 25.0
    assert evaluate("double(n) * 1.5", {"n": 2}) == 3.0


def test_values_are_converted_for_cel():
    aware = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert evaluate_bool("due < timestamp('2026-06-01T00:00:00Z')", {"due": aware}) is True
    assert evaluate_bool("due == timestamp('2026-01-01T08:00:00Z')", {"due": aware.replace(tzinfo=None)})
    assert evaluate_bool("day < '2026-02-01'", {"day": date(2026, 1, 5)}) is True
    assert evaluate_bool("wait > duration('1h')", {"wait": timedelta(hours=2)}) is True
    assert evaluate("id", {"id": UUID(int=1)}) == "00000000-0000-0000-0000-000000000001"
    assert evaluate_bool("level == 'gold'", {"level": Level.GOLD}) is True
    assert evaluate_bool("m.a[0] == 1.5", {"m": {"a": (Decimal("1.5"),)}}) is True
    assert evaluate_bool("x == null", {"x": None}) is True


def test_unconvertible_values_and_huge_ints_are_refused():
    with pytest.raises(ExpressionError, match="type object cannot be used"):
        evaluate("x", {"x": object()})
    with pytest.raises(ExpressionError, match="too large"):
        evaluate("x", {"x": 2**70})


def test_only_referenced_variables_are_converted():
    assert evaluate("a + 1", {"a": 1, "unrelated": object()}) == 2


def test_evaluate_bool_rejects_non_booleans():
    with pytest.raises(ExpressionError, match="must be true or false, but it gave int 1"):
        evaluate_bool("cost", {"cost": 1})


def test_runtime_errors_become_expression_errors():
    with pytest.raises(ExpressionError, match=r"Undefined variable.*'missing'"):
        evaluate("missing < 3", {})
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("1 / x", {"x": 0})


def test_syntax_errors_include_the_cel_message():
    with pytest.raises(ExpressionError, match=r"Invalid expression '1 \+'.*Syntax error"):
        compile_expression("1 +")


def test_limits():
    with pytest.raises(ExpressionError, match="limit is 2000"):
        compile_expression("1 + " * 600 + "1")
    with pytest.raises(ExpressionError, match="empty"):
        compile_expression("   ")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os').system('id')", "names starting with '_'"),
        ("().__class__.__base__.__subclasses__()", "names starting with '_'"),
        ("cost.__class__", "names starting with '_'"),
        ("len(tags) > 0", r"unknown function len.*size\(x\)"),
        ("open('/etc/passwd')", "unknown function open"),
        ("x and y", "&&"),
        ("not x", "!"),
        ("outcome == None", "None is Python, not CEL.*null"),
        ("flag == True", "True is Python"),
        ("[c for c in items]", "Syntax error"),
        ("lambda: 1", "Syntax error"),
        ("a if b else c", r"cond \? a : b"),
    ],
)
def test_attacks_and_python_isms_are_refused_at_compile_time(source, message):
    with pytest.raises(ExpressionError, match=message):
        compile_expression(source)


def test_underscores_inside_names_and_strings_are_fine():
    assert evaluate_bool("repair_cost == 1 && label == '__init__'", {"repair_cost": 1, "label": "__init__"})


def test_builtin_functions_and_macros_are_allowed():
    variables = {"tags": ["a", "bb"], "m": {"f": 1}, "name": "Fryer 3"}
    source = "tags.exists(t, size(t) == 2) && has(m.f) && name.startsWith('Fry') && name.matches('[0-9]$')"
    assert evaluate_bool(source, variables) is True
    assert {"size", "timestamp", "duration", "matches"} <= cel.ALLOWED_FUNCTIONS
