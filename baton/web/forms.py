"""Forms of the shell pages (profile)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from baton.accounts.models import User
from baton.tickets.forms import PersonField

_DATETIME = {"type": "datetime-local", "class": "form-control"}


class AwayForm(forms.Form):
    """Away from … to …, delegate to X (profile page)."""

    starts_at = forms.DateTimeField(
        label=_("Away from"),
        widget=forms.DateTimeInput(attrs=_DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Away until"),
        widget=forms.DateTimeInput(attrs=_DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    delegate = PersonField(label=_("Delegate to"))
    note = forms.CharField(
        required=False,
        max_length=200,
        label=_("Note"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        assert isinstance(field, PersonField)
        field.queryset = candidates if candidates is not None else User.objects.none()
