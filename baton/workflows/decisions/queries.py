"""Reads about decisions: the list, versions, the triage decision for a ticket type, flow references."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from baton.core import refcache
from baton.core.errors import NotFound
from baton.workflows.engine.parser import CAMUNDA_NS
from baton.workflows.engine.safexml import parse_xml
from baton.workflows.policies import MAX_VERSION, require_designer

from .models import DecisionDefinition, DecisionVersion

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class DecisionRow:
    definition: DecisionDefinition
    latest: DecisionVersion | None
    versions: int
    tickets: int


def decision_rows(user: Any) -> list[DecisionRow]:
    """Every decision with its newest version and how many tickets its versions decided."""
    require_designer(user)
    definitions = DecisionDefinition.objects.annotate(
        n_versions=Count("versions", distinct=True), n_tickets=Count("versions__tickets", distinct=True)
    )
    latest = {v.definition_id: v for v in newest_versions().select_related("deployed_by")}
    return [DecisionRow(d, latest.get(d.pk), d.n_versions, d.n_tickets) for d in definitions]


def newest_versions() -> QuerySet[DecisionVersion]:
    """The newest version of every decision (one row per decision; decisions are few)."""
    newest: dict[int, tuple[int, int]] = {}
    for pk, definition_id, number in DecisionVersion.objects.values_list("pk", "definition_id", "number"):
        if definition_id not in newest or number > newest[definition_id][1]:
            newest[definition_id] = (pk, number)
    return DecisionVersion.objects.filter(pk__in=[pk for pk, _ in newest.values()])


def get_decision_for(user: Any, key: str) -> DecisionDefinition:
    require_designer(user)
    definition = DecisionDefinition.objects.filter(key=key).first()
    if definition is None:
        raise NotFound("No such decision.")
    return definition


def versions_of(definition: DecisionDefinition) -> QuerySet[DecisionVersion]:
    return (
        definition.versions.select_related("deployed_by")
        .annotate(decided=Count("tickets"))
        .order_by("-number")
    )


def get_version_for(user: Any, key: str, number: int) -> tuple[DecisionDefinition, DecisionVersion]:
    definition = get_decision_for(user, key)
    version = versions_of(definition).filter(number=number).first() if 0 < number <= MAX_VERSION else None
    if version is None:
        raise NotFound("No such version.")
    return definition, version


def latest_version(definition: DecisionDefinition) -> DecisionVersion | None:
    return definition.versions.order_by("-number").first()


def triage_version(ticket_type: str) -> DecisionVersion | None:
    """The newest version of the triage decision for ``ticket_type`` (else the one for every type).

    Every new ticket asks: kept in the process until a decision is deployed or changed.
    """

    def load() -> DecisionVersion | None:
        triage = DecisionDefinition.objects.filter(triage=True)
        candidates = (triage.filter(ticket_type=ticket_type).first(), triage.filter(ticket_type="").first())
        for definition in candidates:
            if definition is not None and (version := latest_version(definition)) is not None:
                version.definition = definition  # the ``decided`` event names it
                return version
        return None

    return refcache.cached(
        ("decisions.triage", ticket_type),
        ("workflows_decisiondefinition", "workflows_decisionversion"),
        load,
    )


def decision_refs(bpmn_xml: str) -> list[str]:
    """The decision keys a BPMN file's business rule tasks reference (in document order)."""
    try:
        root = parse_xml(bpmn_xml, "BPMN")
    except Exception:
        return []
    refs = (node.get(f"{{{CAMUNDA_NS}}}decisionRef") for node in root.iter(f"{{{BPMN_NS}}}businessRuleTask"))
    return list(dict.fromkeys(ref for ref in refs if ref))


def decision_xmls_for(bpmn_xml: str) -> list[str]:
    """The newest deployed DMN of every decision the flow references (unknown keys left to lint)."""
    refs = decision_refs(bpmn_xml)
    if not refs:
        return []
    newest: dict[str, DecisionVersion] = {}
    for version in DecisionVersion.objects.filter(definition__key__in=refs).select_related("definition"):
        key = version.definition.key
        if key not in newest or version.number > newest[key].number:
            newest[key] = version
    return [newest[key].dmn_xml for key in refs if key in newest]
