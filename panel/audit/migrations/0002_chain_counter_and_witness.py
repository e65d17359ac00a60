"""The site's counter of appended entries, the record of what verifications saw, and the
counter on each head's signature (panel/audit/chain.py).

Existing heads are numbered in the counter one after the other and signed again, with the
new parts, only if their signature was valid: a head already tampered with stays broken.
The signing is frozen here, as in panel 0002, so that later changes to chain.py cannot change
what this migration computes."""

from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import constant_time_compare, salted_hmac

SIGNING_SALT = "panel.audit.chain"


def _message(parts):
    return "\x1f".join(str(p) for p in parts)


def sign(*parts, secret=None):
    return salted_hmac(SIGNING_SALT, _message(parts), secret=secret, algorithm="sha256").hexdigest()


def signed(signature, *parts):
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(signature, sign(*parts, secret=s)) for s in secrets)


def count_existing_entries(apps, schema_editor):
    alias = schema_editor.connection.alias
    heads = apps.get_model("audit", "AuditChain").objects.using(alias)
    counter = 0
    for head in heads.order_by("key"):
        counter += head.seq
        head.counter = counter
        if signed(head.head_signature, "head", head.key, head.seq, head.head_hash):
            head.head_signature = sign("head", head.key, head.seq, head.head_hash, counter)
        head.save(update_fields=["counter", "head_signature"])
    if counter:
        apps.get_model("audit", "AuditCounter").objects.using(alias).create(
            pk=1, value=counter, signature=sign("counter", counter)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.PositiveBigIntegerField(default=0)),
                ("signature", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="AuditWitness",
            fields=[
                ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("seen_at", models.DateTimeField()),
                ("signature", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name_plural": "audit witnesses",
            },
        ),
        migrations.AddField(
            model_name="auditchain",
            name="counter",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(count_existing_entries, migrations.RunPython.noop),
    ]
