"""Issue 11, retention: when a town hall closed (RETENTION_DAYS count from
it) and when its personal data was purged."""

from django.db import migrations, models
from django.db.models import Max


def closed_at_from_history(apps, schema_editor):
    """A town hall closed before this migration: its ``close`` decision's
    time, else its last event's, else now (its retention starts today)."""
    TownHall = apps.get_model("moderation", "TownHall")
    Decision = apps.get_model("moderation", "Decision")
    Event = apps.get_model("moderation", "Event")
    from django.utils import timezone

    for townhall in TownHall.objects.filter(status="closed", closed_at__isnull=True):
        closed = (
            Decision.objects.filter(townhall=townhall, action="close").aggregate(at=Max("created_at"))["at"]
            or Event.objects.filter(townhall=townhall).aggregate(at=Max("created_at"))["at"]
            or timezone.now()
        )
        TownHall.objects.filter(pk=townhall.pk).update(closed_at=closed)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0009_charter"),
    ]

    operations = [
        migrations.AddField(
            model_name="townhall",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="townhall",
            name="purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(closed_at_from_history, migrations.RunPython.noop),
    ]
