"""The preference form: which channels, and quiet hours in the user's own time zone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

_CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})
_TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("邮件通知"), required=False, widget=_CHECK)
    sms_enabled = forms.BooleanField(label=_("短信通知"), required=False, widget=_CHECK)
    quiet_start = forms.TimeField(label=_("免打扰开始"), required=False, widget=_TIME)
    quiet_end = forms.TimeField(label=_("免打扰结束"), required=False, widget=_TIME)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(_("免打扰时段需要同时填写开始和结束时间，或都不填。"))
        return data
