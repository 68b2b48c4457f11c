"""An indicator's definition (口径), what a ratio's numerator and denominator count, how a counted
item is written and the time one report's figures cover: optional keys of the plan file."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("targets", "0012_user_display_name")]

    operations = [
        migrations.AddField("indicator", "definition_zh", models.TextField(blank=True, verbose_name="definition (Chinese)")),
        migrations.AddField("indicator", "definition_en", models.TextField(blank=True, verbose_name="definition (English)")),
        migrations.AddField(
            "indicator", "numerator_zh", models.CharField(blank=True, max_length=300, verbose_name="numerator counts (Chinese)")
        ),
        migrations.AddField(
            "indicator", "numerator_en", models.CharField(blank=True, max_length=500, verbose_name="numerator counts (English)")
        ),
        migrations.AddField(
            "indicator", "denominator_zh", models.CharField(blank=True, max_length=300, verbose_name="denominator counts (Chinese)")
        ),
        migrations.AddField(
            "indicator", "denominator_en", models.CharField(blank=True, max_length=500, verbose_name="denominator counts (English)")
        ),
        migrations.AddField(
            "indicator", "item_label_zh", models.CharField(blank=True, max_length=100, verbose_name="item label (Chinese)")
        ),
        migrations.AddField(
            "indicator", "item_label_en", models.CharField(blank=True, max_length=200, verbose_name="item label (English)")
        ),
        migrations.AddField(
            "indicator",
            "figures_cover",
            models.CharField(
                blank=True,
                choices=[
                    ("quarter", "this quarter only"),
                    ("year_to_date", "the year to date"),
                    ("latest", "the latest state at the quarter's end"),
                ],
                max_length=20,
                verbose_name="figures cover",
            ),
        ),
    ]
