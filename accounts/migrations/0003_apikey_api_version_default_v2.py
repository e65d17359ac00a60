from django.db import migrations, models


class Migration(migrations.Migration):
    """New keys are v2 keys (Vultr switched v1 off in 2023); stored keys keep their version."""

    dependencies = [("accounts", "0002_apikey_api_version")]

    operations = [
        migrations.AlterField(
            model_name="apikey",
            name="api_version",
            field=models.CharField(
                choices=[("v2", "v2"), ("v1", "v1")],
                default="v2",
                max_length=2,
                verbose_name="API version",
            ),
        ),
    ]
