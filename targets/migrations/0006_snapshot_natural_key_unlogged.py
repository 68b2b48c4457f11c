"""Progress snapshots keyed by (indicator, unit, period), without a surrogate id; UNLOGGED on PostgreSQL.

Snapshots are derived from the approved figures, so the table is dropped and created anew (Django
cannot turn a single-column primary key into a composite one) and every indicator is queued for
recomputation through the outbox, which the relay hands to the workers.
"""

import django.db.models.deletion
from django.db import migrations, models


def set_unlogged(apps, schema_editor):
    # Derived data need not be written twice (table + WAL); after a crash PostgreSQL empties an
    # unlogged table and the outbox relay notices and recomputes (targets.actions.outbox.relay_pending).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE targets_progresssnapshot SET UNLOGGED")


def set_logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE targets_progresssnapshot SET LOGGED")


def queue_recompute(apps, schema_editor):
    Indicator = apps.get_model("targets", "Indicator")
    OutboxMessage = apps.get_model("targets", "OutboxMessage")
    if not apps.get_model("targets", "ProgressRun").objects.exists():
        return  # nothing was computed yet: nothing to recompute
    ids = Indicator.objects.filter(active=True).values_list("pk", flat=True)
    OutboxMessage.objects.bulk_create([OutboxMessage(indicator_id=pk) for pk in ids])


class Migration(migrations.Migration):

    dependencies = [
        ('targets', '0005_snapshot_writes_without_fk_checks'),
    ]

    operations = [
        migrations.DeleteModel(name='ProgressSnapshot'),
        migrations.CreateModel(
            name='ProgressSnapshot',
            fields=[
                ('pk', models.CompositePrimaryKey('indicator', 'unit', 'period', blank=True, editable=False, primary_key=True, serialize=False)),
                ('actual', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='actual')),
                ('target_value', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='target')),
                ('target_year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='target year')),
                ('deadline', models.DateField(blank=True, null=True, verbose_name='deadline')),
                ('mode', models.CharField(blank=True, max_length=10, verbose_name='mode')),
                ('time_elapsed_pct', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='time elapsed (%)')),
                ('completion_pct', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='completion (%)')),
                ('gap_pp', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='gap (pp)')),
                ('status', models.CharField(choices=[('no_data', 'No data'), ('no_target', 'No target'), ('achieved', 'Achieved'), ('missed', 'Missed'), ('on_track', 'On track'), ('at_risk', 'At risk'), ('off_track', 'Off track')], max_length=10, verbose_name='status')),
                ('required_pace', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='required pace per quarter')),
                ('recent_pace', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='recent pace per quarter')),
                ('projected', models.DecimalField(blank=True, decimal_places=10, max_digits=28, null=True, verbose_name='projected at deadline')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('indicator', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='targets.indicator')),
                ('period', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='targets.period')),
                ('target', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='targets.target')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='targets.unit')),
            ],
            options={
                'verbose_name': 'progress snapshot',
                'verbose_name_plural': 'progress snapshots',
                'indexes': [models.Index(fields=['period', 'unit'], name='snapshot_period_unit')],
            },
        ),
        migrations.RunPython(set_unlogged, set_logged),
        migrations.RunPython(queue_recompute, migrations.RunPython.noop),
    ]
