"""Stamp the reference tables on every write, so processes drop what they cached (core.refcache)."""

from django.db import migrations

from baton.core import refcache


class Migration(migrations.Migration):
    dependencies = [("core", "0001_tablestamp"), ("sla", "0003_calendar_no_revision")]
    operations = [
        refcache.watch(
            "sla_businesscalendar",
            "sla_workingperiod",
            "sla_calendarholiday",
            "sla_slapolicy",
            "sla_slasteptarget",
            "sla_escalationpolicy",
            "sla_escalationlevel",
        )
    ]
