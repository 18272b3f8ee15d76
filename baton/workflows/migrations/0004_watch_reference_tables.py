"""Stamp the reference tables on every write, so processes drop what they cached (core.refcache)."""

from django.db import migrations

from baton.core import refcache


class Migration(migrations.Migration):
    dependencies = [("core", "0001_tablestamp"), ("workflows", "0003_decision_tables")]
    operations = [
        refcache.watch(
            "workflows_flowdefinition",
            "workflows_flowversion",
            "workflows_decisiondefinition",
            "workflows_decisionversion",
        )
    ]
