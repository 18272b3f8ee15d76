"""Turning service errors (``BatonError``) into messages people can read, in their language.

Services speak English to the API. The web UI shows the same refusals as form errors in the
user's language: known messages are mapped to translatable texts here; anything else is shown
as the service wrote it (still a clear 4xx, never a 500).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from baton.core.errors import BatonError, Conflict

STALE = _("此工单刚被其他人修改过，页面上的内容已过期。请查看最新状态后再试。")

MESSAGES: dict[str, Promise] = {
    "A reason is required.": _("请填写原因。"),
    "reason is required.": _("请填写原因。"),
    "Choose a technician.": _("请选择维修工程师。"),
    "That person is not a technician of this ticket's department.": _("此人不是本工单所属部门的维修工程师。"),
    "resolution is required.": _("请填写维修结果。"),
    "rating is required.": _("请选择评分。"),
    "technician is required.": _("请选择维修工程师。"),
    "The rating is a whole number from 1 to 5.": _("评分须为 1 到 5 的整数。"),
    "This step is already finished.": _("这个环节已经结束了。"),
    "This step was already accepted.": _("这个环节已经接单了。"),
    "This step is no longer active in the flow.": _("这个环节已不在进行中。"),
    "Only the step's owner can accept it.": _("只有本环节的责任人可以接单。"),
    "Only the step's owner can complete it.": _("只有本环节的责任人可以处理。"),
    "Only the owner, the department's dispatcher or manager can reassign a step.": _(
        "只有责任人、部门派工主管或经理可以转派。"
    ),
    "That person already owns the step.": _("此人已经是本环节的责任人。"),
    "That person does not work on this ticket's department.": _("此人不属于本工单所属部门。"),
    "Only the step's owner, the dispatcher or a manager can add collaborators.": _(
        "只有责任人、派工主管或经理可以添加协同人。"
    ),
    "The owner is not a collaborator.": _("责任人不能同时是协同人。"),
    "Only active staff can collaborate.": _("只有在职员工可以作为协同人。"),
    "Already a collaborator.": _("此人已经是协同人。"),
    "body is required.": _("请填写评论内容或添加照片。"),
    "Only staff can write internal comments.": _("只有员工可以发布内部评论。"),
    "title is required.": _("请填写标题。"),
    "Choose the site (store) or the asset.": _("请选择门店或设备。"),
    "The asset is not at that site.": _("该设备不在所选门店。"),
    "No flow is deployed for this ticket type.": _("此工单类型还没有部署流程，请联系管理员。"),
    "The file is empty.": _("文件是空的。"),
    "Only photos (JPEG, PNG, WebP, GIF), PDF and plain text files are accepted.": _(
        "只接受照片（JPEG、PNG、WebP、GIF）、PDF 和纯文本文件。"
    ),
    "The ticket's flow changed meanwhile; reload and try again.": STALE,
    "You may not edit this ticket.": _("你不能修改此工单。"),
    "A closed ticket cannot be edited.": _("已关闭的工单不能修改。"),
    "A token needs a name of 1–100 characters.": _("令牌名称须为 1–100 个字符。"),
    "No such token.": _("没有这个令牌。"),
    # approvals and delegation (service texts are their own English source strings)
    "Choose one of the steps this ticket may go back to.": _(
        "Choose one of the steps this ticket may go back to."
    ),
    "This step cannot send the ticket back to an earlier step.": _(
        "This step cannot send the ticket back to an earlier step."
    ),
    "Only the step's owner can decide it.": _("Only the step's owner can decide it."),
    "Approvers can only be added to an approval step.": _("Approvers can only be added to an approval step."),
    "Choose before or after you.": _("Choose before or after you."),
    "You are already an approver here.": _("You are already an approver here."),
    "That person already has this approval open.": _("That person already has this approval open."),
    "The end must be after the start.": _("The end must be after the start."),
    "The period is already over.": _("The period is already over."),
    "An away period is at most a year.": _("An away period is at most a year."),
    "Choose someone else to stand in.": _("Choose someone else to stand in."),
    "The delegate must be an active staff member.": _("The delegate must be an active staff member."),
    "This overlaps another away period; cancel that one first.": _(
        "This overlaps another away period; cancel that one first."
    ),
    "Away period not found.": _("Away period not found."),
}

# Service field names that the web forms call differently.
FIELD_ALIASES = {
    "file": "photos",
    "body": "body",
    "owner": "owner",
    "user": "user",
    "rating_comment": "rating_comment",
}


def message_for(exc: BatonError) -> str:
    """The user-facing text for a service error, translated when we know it."""
    if type(exc) is Conflict and exc.code == "conflict":
        return str(STALE)
    known = MESSAGES.get(exc.message)
    if known is not None:
        return str(known)
    if exc.message.startswith("The file is larger than"):
        return gettext("文件太大了。")
    if exc.message.startswith("Image type"):
        return gettext("不支持这种图片格式。")
    return exc.message


def is_stale(exc: BatonError) -> bool:
    return (type(exc) is Conflict and exc.code == "conflict") or exc.message == (
        "The ticket's flow changed meanwhile; reload and try again."
    )


def add_to_form(form: forms.BaseForm, exc: BatonError) -> None:
    """Attach a service error to the form: on the field it names, else as a form-wide error."""
    text = message_for(exc)
    placed = False
    for field in exc.fields:
        name = FIELD_ALIASES.get(field, field)
        if name in form.fields:
            form.add_error(name, text)
            placed = True
            break
    if not placed:
        form.add_error(None, text)


def error_status(exc: BatonError) -> int:
    status: Any = getattr(exc, "status", 400)
    return int(status) if 400 <= int(status) < 500 else 400
