from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('targets', '0011_item_identifiers'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='display_name',
            field=models.CharField(blank=True, help_text='The person\'s name as colleagues know it, e.g. 王晓红; the login is shown when it is empty.', max_length=100, verbose_name='display name'),
        ),
    ]
