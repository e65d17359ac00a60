from django.db import migrations, models


class Migration(migrations.Migration):
    """Keys stored before the panel spoke v2 were used with v1: they stay v1 keys."""

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="api_version",
            field=models.CharField(
                choices=[("v2", "v2"), ("v1", "v1")],
                default="v1",
                max_length=2,
                verbose_name="API version",
            ),
        ),
    ]
