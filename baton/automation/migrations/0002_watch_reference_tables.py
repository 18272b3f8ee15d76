"""Stamp the reference tables on every write, so processes drop what they cached (core.refcache)."""

from django.db import migrations

from baton.core import refcache


class Migration(migrations.Migration):
    dependencies = [("core", "0001_tablestamp"), ("automation", "0001_rules_and_dispatch")]
    operations = [refcache.watch("automation_rule", "automation_dispatchsetting")]
