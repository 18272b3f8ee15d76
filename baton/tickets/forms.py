"""Web forms for tickets. They only parse and check input; the services decide and write.

Step actions carry the ticket ``version`` the form was rendered with, so a stale form is
refused by the service (Conflict) instead of overwriting someone else's change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from baton.accounts.models import User
from baton.assets.models import Asset
from baton.customers.models import Site

from .models import FaultCategory, Priority, Status, TicketType
from .queries import TicketFilters

MAX_PHOTOS = 6
TEXTAREA = {"class": "form-control", "rows": 3}


def _select(**attrs: Any) -> forms.Select:
    return forms.Select(attrs={"class": "form-select", **attrs})


# ---------------------------------------------------------------------------- files


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` files from one or more ``<input type=file name=photos>``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "class": "form-control"}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(max)d 张照片。"), params={"max": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def read_files(files: Iterable[UploadedFile]) -> list[tuple[str, bytes]]:
    """Read uploads for the services (one byte past the cap, so the service can refuse the size)."""
    limit = settings.BATON_ATTACHMENT_MAX_BYTES + 1
    return [(f.name or "photo", f.read(limit)) for f in files]


# ---------------------------------------------------------------------------- list


def _choices(blank: Promise, choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("搜索"),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("工单号、标题或设备编号"), "type": "search"}
        ),
    )
    status = forms.ChoiceField(required=False, label=_("状态"), widget=_select())
    priority = forms.ChoiceField(required=False, label=_("优先级"), widget=_select())
    site = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("门店"), widget=_select()
    )
    open = forms.BooleanField(required=False, label=_("未关闭"))
    overdue = forms.BooleanField(required=False, label=_("已超时"))
    mine = forms.BooleanField(required=False, label=_("与我有关"))

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, blank, choices in (
            ("status", _("全部状态"), Status.choices),
            ("priority", _("全部优先级"), Priority.choices),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _choices(blank, choices)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.TypedChoiceField)
        site_field.choices = _choices(_("全部门店"), [(str(s.pk), str(s)) for s in sites])

    def filters(self) -> TicketFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return TicketFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            priority=data.get("priority") or "",
            site=data.get("site"),
            open_only=bool(data.get("open")),
            overdue=bool(data.get("overdue")),
            mine=bool(data.get("mine")),
        )


# ---------------------------------------------------------------------------- create


class TicketCreateForm(forms.Form):
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), label=_("门店"), empty_label=_("请选择门店"), widget=_select()
    )
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label=_("设备"),
        empty_label=_("不指定设备"),
        widget=_select(),
    )
    fault_category = forms.ChoiceField(
        choices=_choices(_("请选择故障类型"), FaultCategory.choices), label=_("故障类型"), widget=_select()
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        label=_("标题"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    description = forms.CharField(
        required=False, max_length=5000, label=_("故障描述"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    priority = forms.ChoiceField(
        choices=Priority.choices, initial=Priority.NORMAL, label=_("优先级"), widget=_select()
    )
    ticket_type = forms.ChoiceField(
        choices=TicketType.choices, initial=TicketType.STORE_REPAIR, label=_("工单类型"), widget=_select()
    )
    photos = PhotosField(label=_("现场照片"))

    def __init__(
        self, *args: Any, sites: QuerySet[Site], assets: QuerySet[Asset], staff: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        asset_field = self.fields["asset"]
        assert isinstance(site_field, forms.ModelChoiceField)
        assert isinstance(asset_field, forms.ModelChoiceField)
        site_field.queryset = sites
        asset_field.queryset = assets
        if not staff:
            del self.fields["ticket_type"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site, asset = data.get("site"), data.get("asset")
        if site is not None and asset is not None and asset.site_id != site.pk:
            self.add_error("asset", _("该设备不在所选门店。"))
        if not data.get("title") and "fault_category" in data:
            data["title"] = suggested_title(asset, data["fault_category"])
        return data


def equipment_label(asset: Asset | None) -> str:
    if asset is None:
        return ""
    if asset.category and asset.category != "other":
        return str(asset.get_category_display())
    return asset.name


TITLE_FORMAT = _("%(equipment)s%(fault)s")


def suggested_title(asset: Asset | None, fault_category: str) -> str:
    """ "冷柜" + "不制冷" → "冷柜不制冷" (in English: "Freezer: not cooling")."""
    fault = str(FaultCategory(fault_category).label) if fault_category in FaultCategory.values else ""
    equipment = equipment_label(asset)
    if not equipment:
        return fault
    return str(TITLE_FORMAT) % {"equipment": equipment, "fault": fault}


# ---------------------------------------------------------------------------- step actions


class PersonField(forms.ModelChoiceField):
    """A choice of people, shown by their display name; the queryset is set per ticket."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("请选择"))
        super().__init__(queryset=User.objects.none(), widget=_select(), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _set_people(form: forms.Form, name: str, people: QuerySet[User] | None) -> None:
    field = form.fields[name]
    assert isinstance(field, PersonField)
    field.queryset = people if people is not None else User.objects.none()


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    """Return or reject. Whether a reason is required is the flow's rule, checked by the service."""

    reason = forms.CharField(
        required=False, max_length=1000, label=_("原因"), widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2})
    )

    def values(self) -> dict[str, Any]:
        return {}


class DispatchForm(VersionForm):
    technician = PersonField(required=False, label=_("维修工程师"), empty_label=_("请选择维修工程师"))

    def __init__(self, *args: Any, technicians: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_people(self, "technician", technicians)

    def values(self) -> dict[str, Any]:
        technician = self.cleaned_data.get("technician")
        return {"technician": technician.pk} if technician else {}


class DoneForm(VersionForm):
    resolution = forms.CharField(
        required=False, max_length=5000, label=_("维修结果"), widget=forms.Textarea(attrs=TEXTAREA)
    )

    def values(self) -> dict[str, Any]:
        resolution = self.cleaned_data.get("resolution", "").strip()
        return {"resolution": resolution} if resolution else {}


class CostForm(VersionForm):
    """A quote: the repair cost the flow routes on (e.g. under 500 is approved automatically)."""

    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=10**9,
        decimal_places=2,
        label=_("维修费用（元）"),
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "decimal", "step": "0.01"}),
    )

    def values(self) -> dict[str, Any]:
        cost = self.cleaned_data.get("cost")
        return {} if cost is None else {"cost": str(cost)}


RATINGS = [(str(i), str(i)) for i in range(1, 6)]


class AcceptanceForm(VersionForm):
    rating = forms.TypedChoiceField(
        choices=RATINGS,
        coerce=int,
        required=False,
        empty_value=None,
        label=_("满意度评分"),
        widget=forms.RadioSelect,
    )
    rating_comment = forms.CharField(
        required=False,
        max_length=500,
        label=_("评价（选填）"),
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2}),
    )

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.cleaned_data.get("rating") is not None:
            values["rating"] = self.cleaned_data["rating"]
            values["rating_comment"] = self.cleaned_data.get("rating_comment", "")
        return values


class ReassignForm(VersionForm):
    owner = PersonField(label=_("转派给"))
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label=_("转派原因"),
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2}),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_people(self, "owner", candidates)


class RejectToStepForm(VersionForm):
    """驳回至: the earlier step to send the ticket back to, and why (the service checks both)."""

    to_step = forms.ChoiceField(label=_("Send back to"), choices=(), widget=_select())
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Reason"),
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2}),
    )

    def __init__(self, *args: Any, targets: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_step"].choices = list(targets)  # type: ignore[attr-defined]


class AddApproverForm(VersionForm):
    """加签: someone who must approve too, before or after the current approver."""

    user = PersonField(label=_("Approver to add"))
    position = forms.ChoiceField(
        label=_("When"),
        choices=(("after", _("After me (I approve now)")), ("before", _("Before me (then back to me)"))),
        initial="after",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Reason"),
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 2}),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_people(self, "user", candidates)


class CollaboratorForm(forms.Form):
    user = PersonField(label=_("协同人"))

    def __init__(self, *args: Any, candidates: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_people(self, "user", candidates)


class CommentForm(forms.Form):
    body = forms.CharField(
        required=False,
        max_length=5000,
        label=_("评论"),
        widget=forms.Textarea(attrs={**TEXTAREA, "placeholder": _("补充情况、进展或问题……")}),
    )
    internal = forms.BooleanField(required=False, label=_("仅内部可见"))
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["internal"]


# ---------------------------------------------------------------------------- what a step offers


@dataclass(frozen=True)
class Outcome:
    """One way to finish a step, with the form that collects what it needs."""

    key: str
    label: Promise
    form_class: type[VersionForm]
    style: str = "primary"
    reason: bool = False


OUTCOMES: dict[str, Outcome] = {
    "assign": Outcome("assign", _("派工"), DispatchForm),
    "done": Outcome("done", _("完工"), DoneForm, "success"),
    "return": Outcome("return", _("退回"), ReasonForm, "outline-danger", reason=True),
    "accept": Outcome("accept", _("验收通过"), AcceptanceForm, "success"),
    "reject": Outcome("reject", _("验收不通过"), ReasonForm, "outline-danger", reason=True),
    "quote": Outcome("quote", _("提交报价"), CostForm),
    "approve": Outcome("approve", _("批准"), ReasonForm, "success"),
    "confirm": Outcome("confirm", _("确认"), ReasonForm, "success"),
    "submit": Outcome("submit", _("提交"), ReasonForm),
}
#: On an approval step (one that can be approved), "reject" is a rejection, not a failed acceptance.
APPROVAL_REJECT = Outcome("reject", _("Reject"), ReasonForm, "outline-danger", reason=True)

# The shipped repair flow's steps (used when the flow itself does not say).
STEP_LABELS: dict[str, Promise] = {
    "Task_dispatch": _("派工"),
    "Task_repair": _("维修"),
    "Task_acceptance": _("验收"),
}
DEFAULT_OUTCOMES: dict[str, list[str]] = {
    "Task_dispatch": ["assign"],
    "Task_repair": ["done", "return"],
    "Task_acceptance": ["accept", "reject"],
}


_BILINGUAL = re.compile(r"^(?P<zh>[^\x00-\x7f][^\s]*)\s+(?P<en>[A-Za-z].*)$")


def step_display_name(key: str, name: str) -> str:
    """A step's name in the active language.

    Flows may name steps in both languages ("派工 Dispatch"): Chinese pages show the first part,
    others the second. Known steps of the shipped flow have translations of their own.
    """
    chinese = (get_language() or "").startswith("zh")
    match = _BILINGUAL.match(name.strip())
    if match:
        return match.group("zh") if chinese else match.group("en")
    known = STEP_LABELS.get(key)
    if known is not None and (not chinese or not name):
        return str(known)
    return name or key


@dataclass
class StepKind:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def needs_accept(self) -> bool:
        """Work steps (with a "done" outcome) are taken on first (接单); decisions are not."""
        return any(o.key == "done" for o in self.outcomes)


def outcome_for(key: str) -> Outcome:
    return OUTCOMES.get(key) or Outcome(key, _("完成"), ReasonForm, "primary")


def step_kind(step_key: str, flow_outcomes: list[str] | None = None) -> StepKind:
    keys = flow_outcomes if flow_outcomes is not None else DEFAULT_OUTCOMES.get(step_key, [])
    approval = "approve" in keys
    return StepKind([APPROVAL_REJECT if approval and k == "reject" else outcome_for(k) for k in keys])
