"""Writes about decisions: deploy a table as a new version; the dry run (which writes nothing).

Deploy validates everything before it stores anything: the table's shape, the DMN lint
(every cell compiled as CEL, the hit policy), and for a triage decision the literal values
of its ``priority`` and ``department`` cells. Problems are keyed by the table's element
ids (``In_3_2`` = rule 3, input column 2), so the editor marks the offending cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from baton.accounts.models import Department
from baton.core import clock
from baton.core.errors import Conflict, ValidationFailed
from baton.tickets.models import Priority, TicketType
from baton.workflows.engine import EngineError, FlowValidationError, Problem
from baton.workflows.engine.decision import CompiledDecision, DecisionResult, compile_decision

from .models import DecisionDefinition, DecisionVersion
from .table import Table, table_from_dict, to_dmn

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TRIAGE_OUTPUTS = ("priority", "department")
_LITERAL = re.compile(r"""^(?:"([^"\\]*)"|'([^'\\]*)')$""")


def _literal(cell: str) -> str | None:
    match = _LITERAL.match(cell.strip())
    return None if match is None else (match.group(1) if match.group(1) is not None else match.group(2))


def triage_problems(table: Table) -> list[Problem]:
    """A triage table must decide priority and/or department, with values Baton knows."""
    names = [column.name for column in table.outputs]
    if not any(name in TRIAGE_OUTPUTS for name in names):
        return [Problem("Table", "A triage decision needs an output column named priority or department.")]
    codes = set(Department.objects.values_list("code", flat=True)) if "department" in names else set()
    problems = []
    for r, rule in enumerate(table.rules, start=1):
        for c, (name, cell) in enumerate(zip(names, rule.outputs, strict=True), start=1):
            value = _literal(cell)
            if value is None:
                continue
            if name == "priority" and value not in Priority.values:
                choices = ", ".join(f'"{v}"' for v in Priority.values)
                problems.append(
                    Problem(f"Out_{r}_{c}", f"Rule {r}: priority {value!r} is not one of {choices}.")
                )
            elif name == "department" and value not in codes:
                problems.append(
                    Problem(f"Out_{r}_{c}", f"Rule {r}: there is no department with code {value!r}.")
                )
    return problems


def check_decision(
    *, key: str, name: str, table: Any, triage: bool = False
) -> tuple[Table, str, list[Problem]]:
    """Shape-check and lint a table; return it, its DMN and every problem (nothing is stored)."""
    parsed = table_from_dict(table)
    dmn = to_dmn(key, name, parsed)
    problems: list[Problem] = []
    if not parsed.rules:
        problems.append(Problem("Table", "The decision table has no rules; add at least one row."))
    try:
        compile_decision(dmn)
    except FlowValidationError as exc:
        problems.extend(exc.problems)
    if triage:
        problems.extend(triage_problems(parsed))
    return parsed, dmn, problems


def problem_fields(problems: list[Problem]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(problem.element_id or "Table", []).append(problem.message)
    return fields


def _check_header(key: str, name: str, ticket_type: str) -> tuple[str, str]:
    problems: dict[str, list[str]] = {}
    if not isinstance(key, str) or not KEY.match(key):
        problems["key"] = ["lowercase letters, digits and _, starting with a letter (at most 64)"]
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        problems["name"] = ["required, at most 200 characters"]
    if ticket_type and ticket_type not in TicketType.values:
        problems["ticket_type"] = ["invalid choice"]
    if problems:
        raise ValidationFailed("The decision cannot be deployed.", fields=problems)
    return key, name


@transaction.atomic
def deploy_decision(
    *,
    key: str,
    name: str,
    table: Any,
    triage: bool = False,
    ticket_type: str = "",
    actor: Any | None = None,
) -> DecisionVersion:
    """Validate a table and store it as the decision's next version (older versions stay)."""
    key, name = _check_header(key, name, ticket_type)
    parsed, dmn, problems = check_decision(key=key, name=name, table=table, triage=bool(triage))
    if problems:
        raise ValidationFailed(
            "The decision table has problems; fix them and deploy again.", fields=problem_fields(problems)
        )
    if triage:
        taken = DecisionDefinition.objects.filter(triage=True, ticket_type=ticket_type).exclude(key=key)
        if other := taken.first():
            raise ValidationFailed(
                f"'{other.name}' already triages these tickets; a ticket type has one triage decision.",
                fields={"triage": [f"already decided by {other.key}"]},
            )
    definition, _created = DecisionDefinition.objects.get_or_create(key=key, defaults={"name": name})
    DecisionDefinition.objects.select_for_update().filter(pk=definition.pk).first()  # one deploy at a time
    definition.name, definition.triage, definition.ticket_type = name, bool(triage), ticket_type
    definition.save(update_fields=["name", "triage", "ticket_type"])
    last = definition.versions.order_by("-number").first()
    try:
        with transaction.atomic():
            return DecisionVersion.objects.create(
                definition=definition,
                number=(last.number + 1) if last else 1,
                name=name,
                table=parsed.as_dict(),
                dmn_xml=dmn,
                deployed_at=clock.now(),
                deployed_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            "Someone else deployed this decision at the same moment; reload and try again."
        ) from exc


def compiled(version: DecisionVersion) -> CompiledDecision:
    return compile_decision(version.dmn_xml)


def evaluate(*, version: DecisionVersion, inputs: Mapping[str, Any]) -> DecisionResult:
    """Dry run: what the version decides for ``inputs``; writes nothing. Bad inputs are a 422."""
    try:
        return compiled(version).evaluate(inputs)
    except EngineError as exc:
        raise ValidationFailed(str(exc), fields={"inputs": [str(exc)]}) from None
