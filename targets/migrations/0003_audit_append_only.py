"""In PostgreSQL, refuse UPDATE and DELETE on the audit log: it is append-only.

(SQLite, used only by `make run`, has no such trigger; the hash chain still shows tampering.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION targets_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on targets_auditentry', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER targets_auditentry_no_update_or_delete
    BEFORE UPDATE OR DELETE ON targets_auditentry
    FOR EACH ROW EXECUTE FUNCTION targets_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS targets_auditentry_no_update_or_delete ON targets_auditentry;
DROP FUNCTION IF EXISTS targets_auditentry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no interpolation: the SQL contains a literal %


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("targets", "0002_reporting_audit_evidence")]
    operations = [migrations.RunPython(forwards, backwards)]
