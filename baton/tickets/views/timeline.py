"""The audit trail as people read it: who did what, before → after, when, in their language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from baton.accounts.models import User
from baton.automation.models import Strategy
from baton.sla import timeline as sla_timeline
from baton.tickets.forms import outcome_for, step_display_name
from baton.tickets.models import Attachment, Comment, FaultCategory, Priority, Status, TicketEvent
from baton.web.templatetags.baton_ui import compact


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    event: TicketEvent
    actor: str
    text: str
    colour: str = "secondary"
    reason: str = ""
    note: str = ""
    changes: list[Change] = field(default_factory=list)
    comment: Comment | None = None
    attachments: list[Attachment] = field(default_factory=list)
    internal: bool = False


def _field_labels() -> dict[str, str]:
    return {
        "status": _("状态"),
        "priority": _("优先级"),
        "title": _("标题"),
        "description": _("描述"),
        "fault_category": _("故障类型"),
        "technician": _("维修工程师"),
        "resolution": _("维修结果"),
        "satisfaction": _("满意度"),
        "owner": _("责任人"),
        "due_at": _("到期时间"),
        "department": _("处理部门"),
    }


def _choice(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return str(value or "")
    return compact(moment)


class _Names:
    """User ids in event data → display names, loaded in one query for the whole timeline."""

    def __init__(self, events: Iterable[TicketEvent]):
        ids: set[int] = set()
        for event in events:
            changes = event.data.get("changes") or {}
            for name in ("technician", "owner"):
                ids.update(v for v in changes.get(name, []) if isinstance(v, int))
        self.by_id = {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)} if ids else {}

    def __call__(self, value: Any) -> str:
        if value in (None, ""):
            return "—"
        return self.by_id.get(value, f"#{value}")


def _value(name: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return "—"
    if name == "status":
        return _choice(Status, value)
    if name == "priority":
        return _choice(Priority, value)
    if name == "fault_category":
        return _choice(FaultCategory, value)
    if name in ("technician", "owner"):
        return names(value)
    if name == "due_at":
        return _when(value)
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _changes(data: Mapping[str, Any], names: _Names, skip: Iterable[str] = ()) -> list[Change]:
    labels = _field_labels()
    out = []
    for name, pair in (data.get("changes") or {}).items():
        if name in skip or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        out.append(Change(labels.get(name, name), _value(name, pair[0], names), _value(name, pair[1], names)))
    return out


def _step_name(event: TicketEvent) -> str:
    step = event.step
    name = str(event.data.get("step") or (step.name if step else "") or "")
    return step_display_name(step.key if step else "", name)


def _describe(event: TicketEvent, actor: str, names: _Names) -> Entry:
    data = event.data or {}
    kind = event.kind
    entry = Entry(event=event, actor=actor, text="", internal=bool(data.get("internal")))
    step = _step_name(event)
    if kind == "created":
        entry.text, entry.colour = _("%(actor)s 创建了工单") % {"actor": actor}, "blue"
        entry.note = " · ".join(
            part
            for part in (
                str(data.get("title") or ""),
                _choice(Priority, data["priority"]) if data.get("priority") else "",
                str(data.get("site") or ""),
                str(data.get("asset") or ""),
            )
            if part
        )
    elif kind == "step_entered":
        entry.text = _("进入「%(step)s」环节，责任人 %(owner)s") % {
            "step": step,
            "owner": data.get("owner_name", ""),
        }
        if data.get("on_behalf_of_name"):
            entry.text = _("“%(step)s” assigned to %(owner)s on behalf of %(person)s") % {
                "step": step,
                "owner": data.get("owner_name", ""),
                "person": data["on_behalf_of_name"],
            }
        entry.note = (
            _("须在 %(due)s 前完成") % {"due": _when(data.get("due_at"))} if data.get("due_at") else ""
        )
        entry.colour = "azure"
    elif kind == "step_accepted":
        entry.text, entry.colour = _("%(actor)s 接单（%(step)s）") % {"actor": actor, "step": step}, "teal"
    elif kind in ("step_completed", "step_returned"):
        entry = _completed(entry, data, step, names)
    elif kind == "step_cancelled":
        entry.text = _("「%(step)s」环节已取消") % {"step": step}
    elif kind == "status_changed":
        entry.text = _("状态变更")
        entry.changes = _changes(data, names)
        entry.colour, entry.reason = "purple", str(data.get("reason") or "")
    elif kind == "step_reassigned":
        before, after = (data.get("owner_names") or ["", ""])[:2]
        entry.text = _("%(actor)s 将「%(step)s」转派给 %(owner)s") % {
            "actor": actor,
            "step": step,
            "owner": after,
        }
        entry.changes = [Change(_("责任人"), before or "—", after or "—")]
        entry.reason, entry.colour = str(data.get("reason") or ""), "orange"
    elif kind == "collaborator_added":
        entry.text = _("%(actor)s 添加协同人 %(user)s") % {"actor": actor, "user": data.get("user_name", "")}
        entry.colour = "cyan"
    elif kind == "comment_added":
        entry.text = _("%(actor)s 发表了评论") % {"actor": actor}
        entry.note = str(data.get("body") or "")
    elif kind == "attachment_added":
        entry.text = _("%(actor)s 上传了文件 %(name)s") % {"actor": actor, "name": data.get("name", "")}
    elif kind in APPROVAL_KINDS:
        entry = _approval(entry, kind, data, step)
    elif kind == "decided":
        entry = _decided(entry, data, names)
    elif kind == "fields_changed":
        entry.text, entry.colour = _("%(actor)s 修改了工单") % {"actor": actor}, "yellow"
        entry.changes = _changes(data, names)
    elif kind.startswith("sla_"):
        entry.text, entry.colour, entry.note = sla_timeline.describe(kind, data, step)
    elif kind in SYSTEM_KINDS:
        entry = _system(entry, kind, data, step)
    else:
        entry.text = _("%(actor)s：%(kind)s") % {"actor": actor, "kind": kind}
        entry.changes = _changes(data, names)
    return entry


APPROVAL_KINDS = frozenset({"step_rejected", "approver_added", "step_resumed", "loop_escalated"})


def _approval(entry: Entry, kind: str, data: Mapping[str, Any], step: str) -> Entry:
    actor = entry.actor
    if kind == "step_rejected":
        entry.text = _("%(actor)s rejected “%(step)s” back to “%(target)s”") % {
            "actor": actor,
            "step": step,
            "target": step_display_name(str(data.get("to_step") or ""), str(data.get("to_step_name") or "")),
        }
        entry.reason, entry.colour = str(data.get("reason") or ""), "red"
    elif kind == "approver_added":
        text = (
            _("%(actor)s added %(user)s as an approver before themselves")
            if data.get("position") == "before"
            else _("%(actor)s approved and added %(user)s as an approver after themselves")
        )
        entry.text = text % {"actor": actor, "user": data.get("user_name", "")}
        if data.get("on_behalf_of_name"):
            entry.note = _("on behalf of %(person)s") % {"person": data["on_behalf_of_name"]}
        entry.reason, entry.colour = str(data.get("reason") or ""), "cyan"
    elif kind == "step_resumed":
        entry.text = _("“%(step)s” is back with %(owner)s") % {
            "step": step,
            "owner": data.get("owner_name", ""),
        }
        entry.colour = "azure"
    else:  # loop_escalated
        entry.text = _("Sent back %(loops)s times (limit %(limit)s): escalated to %(owner)s") % {
            "loops": data.get("loops", ""),
            "limit": data.get("max_loops", ""),
            "owner": data.get("owner_name", ""),
        }
        entry.reason, entry.colour = str(data.get("reason") or ""), "orange"
    return entry


SYSTEM_KINDS = frozenset(
    {"rule_fired", "rule_failed", "auto_dispatch_skipped", "auto_dispatch_failed", "department_changed"}
)


def _action_types() -> dict[str, str]:
    return {
        "add_collaborator": _("Add a collaborator"),
        "notify": _("Notify people or roles"),
        "escalate": _("Escalate"),
        "webhook": _("Call a webhook"),
        "follow_up": _("Create a follow-up ticket"),
    }


def _strategy(value: Any) -> str:
    return _choice(Strategy, value) if value else "—"


def _action(action: Any) -> str:
    """One action of a rule, as people read it (``优先级 → 紧急``, ``自动派工（负载最少）``)."""
    if not isinstance(action, Mapping):
        return str(action)
    kind = str(action.get("type") or "")
    if kind in ("set_priority", "set_field"):
        name = "priority" if kind == "set_priority" else str(action.get("field") or "")
        value = action.get("priority") if kind == "set_priority" else action.get("value")
        label = _field_labels().get(name, name)
        return f"{label} → {_value(name, value, _Names(()))}"
    if kind == "dispatch":
        return _("auto-dispatch (%(strategy)s)") % {"strategy": _strategy(action.get("strategy"))}
    return _action_types().get(kind, kind)


def _system(entry: Entry, kind: str, data: Mapping[str, Any], step: str) -> Entry:
    """What automation did: a rule ran or failed, auto-dispatch chose nobody or failed, a hand-over."""
    if kind == "rule_fired":
        actions = data.get("actions") or []
        what = _("，").join(_action(a) for a in actions) if isinstance(actions, list) else ""
        entry.text = _("Rule “%(name)s” ran: %(actions)s") % {"name": data.get("name", ""), "actions": what}
        entry.note = "; ".join(str(r) for r in data.get("results") or [] if r)
        entry.colour = "indigo"
    elif kind == "rule_failed":
        entry.text = _("Rule “%(name)s” failed; the ticket was left as it was") % {
            "name": data.get("name", "")
        }
        entry.note, entry.colour = str(data.get("error") or ""), "red"
    elif kind == "auto_dispatch_skipped":
        entry.text = _("Auto-dispatch (%(strategy)s) chose nobody: “%(step)s” stays with the dispatcher") % {
            "strategy": _strategy(data.get("strategy")),
            "step": step,
        }
        entry.note, entry.colour = str(data.get("reason") or ""), "orange"
    elif kind == "auto_dispatch_failed":
        entry.text = _("Auto-dispatch (%(strategy)s) failed: “%(step)s” stays with the dispatcher") % {
            "strategy": _strategy(data.get("strategy")),
            "step": step,
        }
        entry.note, entry.colour = str(data.get("error") or ""), "red"
    else:  # department_changed
        before, after = ([*(data.get("department_names") or []), "", ""])[:2]
        entry.text = _("%(actor)s handed the ticket over to %(department)s") % {
            "actor": entry.actor,
            "department": after,
        }
        entry.changes = [Change(_("处理部门"), before or "—", after or "—")]
        entry.reason, entry.colour = str(data.get("reason") or ""), "orange"
    return entry


def _decided(entry: Entry, data: Mapping[str, Any], names: _Names) -> Entry:
    """A decision table triaged the ticket (``baton.workflows.decisions.triage``)."""
    decision = f"{data.get('name', '')} v{data.get('version', '')}"
    changes = data.get("changes") or {}
    parts = []
    if "priority" in changes:
        parts.append(_("优先级 %(priority)s") % {"priority": _choice(Priority, changes["priority"][1])})
    if "department" in changes:
        parts.append(_("部门 %(department)s") % {"department": changes["department"][1]})
    if data.get("error"):
        entry.text = _("%(decision)s 未能决定，工单保持原样") % {"decision": decision}
        entry.note, entry.colour = str(data["error"]), "red"
    elif parts:
        entry.text = _("%(decision)s 决定：%(what)s") % {"decision": decision, "what": _("，").join(parts)}
        entry.colour = "orange"
    elif data.get("matched"):
        entry.text = _("%(decision)s 决定：保持不变") % {"decision": decision}
    else:
        entry.text = _("%(decision)s：没有规则满足，保持不变") % {"decision": decision}
    entry.changes = _changes(data, names)
    return entry


def _completed(entry: Entry, data: Mapping[str, Any], step: str, names: _Names) -> Entry:
    outcome = str(data.get("outcome") or "")
    changes = data.get("changes") or {}
    actor = entry.actor
    entry.reason = str(data.get("reason") or "")
    if outcome == "assign":
        technician = names((changes.get("technician") or [None, None])[1])
        entry.text = _("%(actor)s 派工给 %(technician)s") % {"actor": actor, "technician": technician}
        if data.get("auto"):
            entry.text = _("Auto-dispatch: %(technician)s chosen") % {"technician": technician}
        entry.colour = "blue"
        entry.changes = _changes(data, names, skip=("technician",))
    elif outcome == "done":
        entry.text, entry.colour = _("%(actor)s 完工") % {"actor": actor}, "green"
        entry.note = str((changes.get("resolution") or ["", ""])[1] or "")
    elif outcome == "return":
        entry.text = _("%(actor)s 退回了「%(step)s」") % {"actor": actor, "step": step}
        entry.colour = "red"
    elif outcome == "accept":
        rating = (changes.get("satisfaction") or [None, None])[1]
        entry.text = _("%(actor)s 验收通过") % {"actor": actor}
        if rating:
            entry.note = pgettext("rating", "评分 %(rating)s / 5") % {"rating": rating}
        entry.colour = "green"
    elif outcome == "reject":
        entry.text, entry.colour = _("%(actor)s 验收不通过") % {"actor": actor}, "red"
    else:
        label = str(outcome_for(outcome).label) if outcome else _("完成")
        entry.text = _("%(actor)s 在「%(step)s」选择了「%(outcome)s」") % {
            "actor": actor,
            "step": step,
            "outcome": label,
        }
        entry.changes = _changes(data, names)
    return entry


def build_timeline(
    events: list[TicketEvent], comments: Iterable[Comment], attachments: Iterable[Attachment]
) -> list[Entry]:
    """Events newest first. A comment's photos are shown with the comment, not as separate entries."""
    comments_by_id = {c.pk: c for c in comments}
    attachments_by_id = {a.pk: a for a in attachments}
    names = _Names(events)
    entries: list[Entry] = []
    for event in events:
        data = event.data or {}
        if event.kind == "attachment_added":
            attachment = attachments_by_id.get(data.get("attachment"))  # type: ignore[arg-type]
            if attachment is None or attachment.comment_id is not None:
                continue
        actor = event.actor.display_name if event.actor else _("系统")
        entry = _describe(event, actor, names)
        if event.kind == "comment_added":
            entry.comment = comments_by_id.get(data.get("comment"))  # type: ignore[arg-type]
            if entry.comment is None:
                continue
            entry.attachments = [a for a in entry.comment.attachments.all() if a.pk in attachments_by_id]
        elif event.kind == "attachment_added":
            entry.attachments = [attachments_by_id[data["attachment"]]]
        entries.append(entry)
    entries.reverse()
    return entries
