"""The one place Baton evaluates user-written expressions: CEL, never Python.

Gateway conditions, DMN cells, timer expressions and automation rules are written by
admins, so they must not be able to run code. CEL (``common-expression-language``) is
not Turing-complete, always terminates and can only see the variables we hand it.
This is the only module that imports ``cel``; everything else calls the functions
below and gets an :class:`ExpressionError` with a readable message on any problem.

Value conversion (Python -> CEL), applied to the variables an expression references:

* ``bool``, ``int``, ``float``, ``str``, ``bytes`` and ``None`` pass through. Ints
  outside the signed 64-bit range are refused rather than silently turned into doubles.
* ``Decimal`` becomes a CEL ``double`` (``float``) — always, whatever its value, so an
  expression's behaviour never depends on whether a price happens to be whole.
* Aware ``datetime`` becomes a CEL ``timestamp``; a naive one is taken as UTC
  (Baton's clock only produces aware UTC times). ``timedelta`` becomes a ``duration``.
* ``date`` and ``time`` become ISO-8601 strings (CEL has no date type; ISO strings
  compare in calendar order), ``UUID`` becomes its string, an ``Enum`` its value.
* Mappings become maps and lists/tuples/sets become lists, recursively.
* Anything else is refused with an :class:`ExpressionError`.

Compile-time checks on top of CEL's parser: an expression may call only CEL's native
functions (:data:`ALLOWED_FUNCTIONS`), so ``len(x)`` or ``__import__('os')`` is refused when
a flow is deployed rather than failing later on a ticket; no name or field may start with
``_``; and Python spellings (``True``, ``None``, ``and``, ``len``...) get a hint towards the
CEL ones. Expressions are at most 2000 characters and compiled programs are cached.

Numbers: CEL compares ``int`` and ``double`` with each other (``cost < 500`` is true for
``cost`` = ``300``, ``300.0`` or ``Decimal("300")``, and ``1 == 1.0`` holds), so conditions
need no care. CEL arithmetic does **not** mix them: ``cost * 2`` fails when ``cost`` is a
double. We keep CEL's rule instead of rewriting expressions or guessing types from values
(which would make an expression work for one ticket and fail for the next); the error
message tells the author to write ``cost * 2.0`` or ``double(n) * 2.0``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence, Set
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

import cel

MAX_EXPRESSION_LENGTH = 2000
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_DEPTH = 32

#: Named functions the CEL core provides natively (macros such as ``has``, ``all``,
#: ``exists``, ``map`` and ``filter`` are expanded by the parser and never appear here).
#: Operators (``_+_``, ``@in``, ``!_``...) are always allowed.
ALLOWED_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches",
        "int", "uint", "double", "string", "bytes", "timestamp", "duration", "dyn", "type",
        "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip
_PYTHON_HINTS = {
    "len": "size(x)", "str": "string(x)", "float": "double(x)", "True": "true", "False": "false",
    "None": "null", "and": "&&", "or": "||", "not": "!", "is": "==", "if": "cond ? a : b",
    "else": "cond ? a : b", "elif": "cond ? a : b", "lambda": "a plain expression",
    "for": "list.map(x, ...) or list.exists(x, ...)", "abs": "x < 0 ? -x : x",
    "max": "a > b ? a : b", "min": "a < b ? a : b", "lower": "matches() with a regular expression",
}  # fmt: skip
_PYTHON_WORDS = frozenset({"True", "False", "None"})
_STRING_LITERAL = re.compile(
    r'[rRbB]{0,2}(?:"""[\s\S]*?"""' r"|'''[\s\S]*?'''" r'|"(?:\\.|[^"\\\n])*"' r"|'(?:\\.|[^'\\\n])*')"
)
_UNDERSCORE_NAME = re.compile(r"\b_\w*")
_WORD = re.compile(r"[A-Za-z_]\w*")


class ExpressionError(ValueError):
    """An expression is malformed, or failed when evaluated; ``str(err)`` is user-facing."""

    def __init__(self, message: str, *, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source


class CompiledExpression:
    """A parsed CEL expression, reusable and safe to share between threads."""

    __slots__ = ("_program", "source", "variables")

    def __init__(self, source: str, program: cel.Program):
        self.source = source
        self._program = program
        #: Names the expression references (including names bound inside macros such as
        #: the ``x`` of ``items.exists(x, x > 1)``), from static analysis.
        self.variables: frozenset[str] = frozenset(program.variables())

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate against ``variables``; only the referenced names are converted and passed."""
        context = {name: to_cel(variables[name]) for name in self.variables if name in variables}
        try:
            return self._program.execute(context)
        except Exception as exc:  # the extension raises several unrelated types
            raise ExpressionError(_runtime_message(self.source, exc), source=self.source) from exc


@lru_cache(maxsize=2048)
def compile_expression(source: str) -> CompiledExpression:
    """Parse ``source`` once; raise :class:`ExpressionError` if it is not valid CEL."""
    if not isinstance(source, str):
        raise ExpressionError("An expression must be text.")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"The expression is {len(source)} characters long; the limit is {MAX_EXPRESSION_LENGTH}.",
            source=source[:80],
        )
    if not source.strip():
        raise ExpressionError("The expression is empty.", source=source)
    code = _STRING_LITERAL.sub('""', source)  # what is left is names, numbers and operators
    if (match := _UNDERSCORE_NAME.search(code)) is not None:
        raise ExpressionError(
            f"Invalid expression {source!r}: names starting with '_' ({match.group()}) are not allowed.",
            source=source,
        )
    try:
        program = cel.compile(source)
    except Exception as exc:
        detail = str(exc).replace(f"Failed to parse expression '{source}': ", "")
        raise ExpressionError(f"Invalid expression {source!r}: {detail}{_hint(code)}", source=source) from exc
    unknown = sorted(
        name for name in program.functions() if name[:1].isalpha() and name not in ALLOWED_FUNCTIONS
    )
    if unknown:
        raise ExpressionError(
            f"Invalid expression {source!r}: unknown function {', '.join(unknown)}.{_hint(code)}",
            source=source,
        )
    if python_words := sorted(_PYTHON_WORDS.intersection(program.variables())):
        raise ExpressionError(
            f"Invalid expression {source!r}: {', '.join(python_words)} is Python, not CEL.{_hint(code)}",
            source=source,
        )
    return CompiledExpression(source, program)


def _hint(code: str) -> str:
    hints = {f"{word} → {_PYTHON_HINTS[word]}" for word in _WORD.findall(code) if word in _PYTHON_HINTS}
    return f" Expressions use CEL, not Python: {'; '.join(sorted(hints))}." if hints else ""


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    """Compile (cached) and evaluate ``source`` in one call."""
    return compile_expression(source).evaluate(variables)


def evaluate_bool(source: str, variables: Mapping[str, Any]) -> bool:
    """Evaluate a condition; anything but ``true``/``false`` is an :class:`ExpressionError`."""
    result = evaluate(source, variables)
    if not isinstance(result, bool):
        raise ExpressionError(
            f"The condition {source!r} must be true or false, but it gave {_describe(result)}.",
            source=source,
        )
    return result


def to_cel(value: Any, _depth: int = 0) -> Any:
    """Convert a Python value to one CEL accepts (see the module docstring for the rules)."""
    if _depth > _MAX_DEPTH:
        raise ExpressionError("A value is nested too deeply to be used in an expression.")
    if value is None or isinstance(value, bool | str | bytes | float | timedelta):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ExpressionError(f"The number {value} is too large to be used in an expression.")
        return int(value)
    if isinstance(value, enum.Enum):
        return to_cel(value.value, _depth + 1)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {to_cel(k, _depth + 1): to_cel(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, Sequence | Set):
        return [to_cel(v, _depth + 1) for v in value]
    raise ExpressionError(f"A value of type {type(value).__name__} cannot be used in an expression.")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{type(value).__name__} {value!r}"[:120]


def _runtime_message(source: str, exc: Exception) -> str:
    detail = str(exc) or type(exc).__name__
    if "does not coerce between types" in detail:
        detail += " Hint: write 2.0 instead of 2 next to a decimal number, or convert with double(x)."
    return f"The expression {source!r} failed: {detail}"
