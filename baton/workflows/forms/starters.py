"""Flow templates an admin can start from: the files in ``flows/templates/`` and their names.

``index.json`` lists them in order with a name and a description per language; each
``<id>.bpmn`` is a deployable flow with a diagram, so the designer opens it as drawn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "flows" / "templates"


@dataclass(frozen=True)
class FlowTemplate:
    id: str
    ticket_type: str
    names: dict[str, str]
    descriptions: dict[str, str]

    @property
    def name(self) -> str:
        return _pick(self.names)

    @property
    def description(self) -> str:
        return _pick(self.descriptions)

    @property
    def path(self) -> Path:
        return TEMPLATES_DIR / f"{self.id}.bpmn"

    def xml(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _pick(texts: dict[str, str]) -> str:
    language = (get_language() or "zh-hans").lower()
    return texts.get("en" if language.startswith("en") else "zh-hans") or next(iter(texts.values()), "")


@cache
def flow_templates() -> tuple[FlowTemplate, ...]:
    entries = json.loads((TEMPLATES_DIR / "index.json").read_text(encoding="utf-8"))
    return tuple(
        FlowTemplate(
            id=entry["id"],
            ticket_type=entry.get("ticket_type", ""),
            names=entry["name"],
            descriptions=entry["description"],
        )
        for entry in entries
    )


def flow_template(template_id: str) -> FlowTemplate | None:
    return next((t for t in flow_templates() if t.id == template_id), None)
