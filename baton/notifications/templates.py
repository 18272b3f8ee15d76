"""What a notification says, per event, in Chinese and English, with a link to the ticket.

Texts are ``str.format`` patterns with named fields over a mapping that turns a missing field into
an empty string (a caller that leaves out ``reason`` gets a shorter sentence, not an error). The
patterns are constants in this module, never user input, and values are substituted once, so a
value such as ``"{x.__class__}"`` stays text. Values are formatted for the recipient: times in
their time zone, long values cut.

The texts are rendered when the notification is written, in the recipient's language, so the
outbox holds what was said, and a retry a day later says the same thing.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import conf

ZH = "zh-hans"
EN = "en"
MAX_VALUE = 200

#: event -> language -> (title, body). Fields: ticket_number, ticket_title, step_name, due_at,
#: actor, reason, comment, site, priority (any may be missing).
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "step_assigned": {
        ZH: (
            "新的待办：{ticket_number} {step_name}",
            "工单「{ticket_title}」的环节「{step_name}」由你负责，请在 {due_at} 前处理。",
        ),
        EN: (
            "New step for you: {ticket_number} {step_name}",
            "You own the step “{step_name}” of “{ticket_title}”. Due {due_at}.",
        ),
    },
    "step_overdue": {
        ZH: (
            "已超时：{ticket_number} {step_name}",
            "工单「{ticket_title}」的环节「{step_name}」已于 {due_at} 超时，请尽快处理。",
        ),
        EN: (
            "Overdue: {ticket_number} {step_name}",
            "The step “{step_name}” of “{ticket_title}” was due {due_at}. Please act now.",
        ),
    },
    "sla_warning": {
        ZH: ("即将超时：{ticket_number}", "工单「{ticket_title}」将于 {due_at} 到期（{step_name}）。"),
        EN: ("Due soon: {ticket_number}", "“{ticket_title}” is due {due_at} ({step_name})."),
    },
    "sla_breach": {
        ZH: (
            "时效违约：{ticket_number}",
            "工单「{ticket_title}」已超出时效（应于 {due_at} 完成，{step_name}）。",
        ),
        EN: (
            "SLA breached: {ticket_number}",
            "“{ticket_title}” missed its deadline ({due_at}, {step_name}).",
        ),
    },
    "escalated": {
        ZH: (
            "升级提醒：{ticket_number}",
            "工单「{ticket_title}」的环节「{step_name}」未按时处理，已升级给你。{reason}",
        ),
        EN: (
            "Escalated to you: {ticket_number}",
            "The step “{step_name}” of “{ticket_title}” was not handled in time. {reason}",
        ),
    },
    "returned": {
        ZH: (
            "工单被退回：{ticket_number}",
            "{actor} 退回了工单「{ticket_title}」（{step_name}）。原因：{reason}",
        ),
        EN: (
            "Returned: {ticket_number}",
            "{actor} returned “{ticket_title}” ({step_name}). Reason: {reason}",
        ),
    },
    "comment_added": {
        ZH: ("新评论：{ticket_number}", "{actor} 评论了工单「{ticket_title}」：{comment}"),
        EN: ("New comment: {ticket_number}", "{actor} commented on “{ticket_title}”: {comment}"),
    },
    "ticket_closed": {
        ZH: ("工单已关闭：{ticket_number}", "工单「{ticket_title}」已完成并关闭。"),
        EN: ("Closed: {ticket_number}", "“{ticket_title}” is done and closed."),
    },
    "rule_notice": {
        ZH: ("自动化提醒：{ticket_number}", "规则「{rule}」：工单「{ticket_title}」。{comment}"),
        EN: ("Automation: {ticket_number}", "Rule “{rule}”: “{ticket_title}”. {comment}"),
    },
    "test": {
        ZH: ("测试通知", "这是一条来自 Baton 的测试通知。{comment}"),
        EN: ("Test notification", "This is a test notification from Baton. {comment}"),
    },
}

LINK_LABEL = {ZH: "查看工单", EN: "Open the ticket"}
EVENTS = frozenset(TEMPLATES)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class _Formatter(string.Formatter):
    """Plain names only: ``{a.b}`` and ``{a[0]}`` are refused, so a pattern cannot reach attributes."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if not field_name.isidentifier():
            raise ValueError(f"template field {field_name!r} is not a plain name")
        return kwargs[field_name], field_name


_FORMATTER = _Formatter()


@dataclass(frozen=True)
class Rendered:
    event: str
    language: str
    title: str
    body: str
    #: Relative link for the bell; :func:`absolute` makes it usable in mail, SMS and robot posts.
    url: str
    #: The formatted values, kept for SMS templates (which take variables, not free text).
    fields: dict[str, str]


def normalise_language(language: str | None) -> str:
    lang = (language or "").lower()
    return EN if lang.startswith("en") else ZH


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _value(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value.astimezone(tz) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def ticket_path(ticket_id: int | None) -> str:
    if ticket_id is None:
        return ""
    return str(conf.get("TICKET_PATH")).format(ticket_id=int(ticket_id))


def absolute(url: str) -> str:
    """``url`` as a full address (mail and chat apps cannot follow a relative link)."""
    if not url or "://" in url:
        return url
    return str(conf.get("BASE_URL")).rstrip("/") + "/" + url.lstrip("/")


def render(
    event: str,
    *,
    language: str | None,
    context: Mapping[str, Any],
    ticket_id: int | None = None,
    time_zone: str | None = None,
) -> Rendered:
    """The title, body and link for ``event``; raise ``ValueError`` for an unknown event."""
    if event not in TEMPLATES:
        raise ValueError(f"Unknown notification event {event!r}; known: {', '.join(sorted(EVENTS))}.")
    lang = normalise_language(language)
    tz = _zone(time_zone)
    fields = _Blank({str(k): _value(v, tz) for k, v in context.items() if str(k).isidentifier()})
    url = str(context.get("url") or ticket_path(ticket_id))
    fields["url"] = absolute(url)
    title_pattern, body_pattern = TEMPLATES[event][lang]
    title = " ".join(_FORMATTER.vformat(title_pattern, (), fields).split())[:200]
    body = _FORMATTER.vformat(body_pattern, (), fields).strip()
    return Rendered(event=event, language=lang, title=title, body=body, url=url, fields=dict(fields))


def plain_text(message: Mapping[str, Any]) -> str:
    """Body plus the link, for channels that take one block of text (e-mail, WeCom, SMS log)."""
    lines = [str(message.get("body", ""))]
    if message.get("link"):
        label = LINK_LABEL[normalise_language(str(message.get("language", "")))]
        lines.append(f"{label}: {message['link']}")
    return "\n\n".join(line for line in lines if line)
