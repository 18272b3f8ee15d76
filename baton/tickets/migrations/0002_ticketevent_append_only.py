"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION baton_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tickets_ticketevent is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION baton_ticketevent_append_only();
CREATE TRIGGER ticketevent_no_delete BEFORE DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION baton_ticketevent_append_only();
CREATE TRIGGER ticketevent_no_truncate BEFORE TRUNCATE ON tickets_ticketevent
    FOR EACH STATEMENT EXECUTE FUNCTION baton_ticketevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS ticketevent_no_update ON tickets_ticketevent;
DROP TRIGGER IF EXISTS ticketevent_no_delete ON tickets_ticketevent;
DROP TRIGGER IF EXISTS ticketevent_no_truncate ON tickets_ticketevent;
DROP FUNCTION IF EXISTS baton_ticketevent_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
       BEGIN SELECT RAISE(ABORT, 'tickets_ticketevent is append-only (UPDATE refused)'); END;""",
    """CREATE TRIGGER ticketevent_no_delete BEFORE DELETE ON tickets_ticketevent
       BEGIN SELECT RAISE(ABORT, 'tickets_ticketevent is append-only (DELETE refused)'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS ticketevent_no_update;",
    "DROP TRIGGER IF EXISTS ticketevent_no_delete;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
