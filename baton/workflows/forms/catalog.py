"""What the designer's pickers offer: owners, form fields, outcomes, statuses, condition variables.

Every label is translated at request time, so the same catalogue serves the Chinese and the
English page. The designer writes only these conventions into the BPMN (camunda properties
``owner``, ``sla``, ``status``, ``outcomes``, ``require_<outcome>``, ``reason_required``;
``camunda:formField`` ids; CEL conditions on variables), which is what
``baton.tickets.services`` and the engine's lint read.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from baton.accounts.models import Role
from baton.customers.models import CustomerLevel
from baton.tickets.models import FaultCategory, Priority, Status, TicketType

#: (rule, label, argument kind). The argument is typed after the colon: variable:technician.
OWNER_RULES = [
    ("dispatcher", gettext_lazy("派工主管（工单所属部门）"), ""),
    ("manager", gettext_lazy("部门经理"), ""),
    ("requester", gettext_lazy("报修人"), ""),
    ("superior", gettext_lazy("上一步负责人的上级"), ""),
    ("variable", gettext_lazy("流程变量中的人员"), "variable"),
    ("user", gettext_lazy("指定用户"), "user"),
    ("role", gettext_lazy("角色（认领前由派工主管负责）"), "role"),
]

#: (id, label, camunda formField type)
FORM_FIELDS = [
    ("technician", gettext_lazy("维修工程师"), "long"),
    ("cost", gettext_lazy("维修费用"), "long"),
    ("fault_cause", gettext_lazy("故障原因"), "string"),
    ("parts_used", gettext_lazy("使用备件"), "string"),
    ("photos", gettext_lazy("现场照片（必拍）"), "boolean"),
    ("signature", gettext_lazy("客户签字"), "string"),
    ("resolution", gettext_lazy("维修说明"), "string"),
    ("rating", gettext_lazy("满意度评分"), "long"),
]

OUTCOMES = [
    ("assign", gettext_lazy("派工")),
    ("done", gettext_lazy("完成")),
    ("return", gettext_lazy("退回")),
    ("approve", gettext_lazy("同意")),
    ("reject", gettext_lazy("驳回")),
    ("accept", gettext_lazy("通过")),
    ("submit", gettext_lazy("提交")),
    ("quote", gettext_lazy("报价")),
    ("confirm", gettext_lazy("确认")),
]

SLA_UNITS = [("M", gettext_lazy("分钟")), ("H", gettext_lazy("小时")), ("D", gettext_lazy("天"))]

_NUMBER_OPERATORS = ["==", "!=", "<", "<=", ">", ">="]
_CHOICE_OPERATORS = ["==", "!="]


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"value": str(value), "label": str(label)} for value, label in choices]


def variables() -> list[dict[str, Any]]:
    """Routing variables a condition can test, with their type and (for choices) values."""

    def choice(name: str, label: str, values: Any) -> dict[str, Any]:
        return {"name": name, "label": label, "type": "choice", "values": _choices(values)}

    return [
        {"name": "cost", "label": _("维修费用"), "type": "number"},
        choice("customer_level", _("客户等级"), CustomerLevel.choices),
        choice("fault_category", _("故障类型"), FaultCategory.choices),
        choice("priority", _("优先级"), Priority.choices),
        choice("type", _("工单类型"), TicketType.choices),
        choice("outcome", _("上一步的结果"), OUTCOMES),
        {"name": "under_warranty", "label": _("在保修期内"), "type": "boolean"},
        {"name": "is_drill", "label": _("演练工单"), "type": "boolean"},
        {"name": "rating", "label": _("满意度评分"), "type": "number"},
    ]


def operators() -> dict[str, list[dict[str, str]]]:
    labels = {"==": _("是"), "!=": _("不是"), "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
    numeric = {"==": "=", "!=": "≠"}
    return {
        "number": [{"value": op, "label": numeric.get(op, labels[op])} for op in _NUMBER_OPERATORS],
        "choice": [{"value": op, "label": labels[op]} for op in _CHOICE_OPERATORS],
        "boolean": [{"value": op, "label": labels[op]} for op in _CHOICE_OPERATORS],
    }


def catalog() -> dict[str, Any]:
    """Everything the side panel's pickers need, translated for the current request."""
    statuses = [
        (value, label)
        for value, label in Status.choices
        if value not in (Status.NEW, Status.CLOSED, Status.CANCELLED)
    ]
    roles = [(value, label) for value, label in Role.choices if value not in (Role.CUSTOMER, Role.ADMIN)]
    return {
        "owners": [{"value": rule, "label": str(label), "argument": arg} for rule, label, arg in OWNER_RULES],
        "roles": _choices(roles),
        "flowVariables": [{"value": "technician", "label": _("派工时选定的维修工程师")}],
        "fields": [{"id": fid, "label": str(label), "type": ftype} for fid, label, ftype in FORM_FIELDS],
        "outcomes": _choices(OUTCOMES),
        "statuses": _choices(statuses),
        "slaUnits": _choices(SLA_UNITS),
        "variables": variables(),
        "operators": operators(),
        "defaultMaxLoops": settings.BATON_MAX_LOOPS,
        "booleans": [
            {"value": "true", "label": pgettext("boolean", "是")},
            {"value": "false", "label": pgettext("boolean", "否")},
        ],
    }
