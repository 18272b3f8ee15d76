"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

from baton.tickets import dbtriggers


def forwards(apps, schema_editor):
    for statement in dbtriggers.statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in dbtriggers.statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
