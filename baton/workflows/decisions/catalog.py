"""What the flow designer's decision-task panel offers: every deployed decision table, and its text."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from . import queries


def decision_catalog() -> dict[str, Any]:
    """What the flow designer's decision-task panel offers: every deployed decision, and its text."""
    choices = []
    for version in queries.newest_versions().select_related("definition").order_by("definition__key"):
        choices.append(
            {
                "key": version.definition.key,
                "name": version.definition.name,
                "version": version.number,
                "outputs": [column.get("name", "") for column in version.table.get("outputs", [])],
                "url": reverse("decision-detail", args=[version.definition.key]),
            }
        )
    strings = {
        "title": _("决策任务"),
        "decision": _("决策表"),
        "choose": _("请选择决策表"),
        "missing": _("未部署"),
        "hint": _(
            "部署流程时使用这张决策表当时的最新版本；它的结果（如 priority）成为流程变量，"
            "可以在后面网关的条件里使用。"
        ),
        "outputs": _("结果变量：{outputs}"),
        "open": _("打开决策表"),
        "none": _("还没有决策表。先在「决策表」里新建并部署一张。"),
    }
    return {"choices": choices, "strings": strings}
