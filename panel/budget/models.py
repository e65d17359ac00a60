"""Per-key settings of the API budget (panel/budget/tokens.py).

The table keeps the name it had when the model belonged to the ``panel`` app
(``panel_keybudget``): migration panel 0004 and budget 0001 moved the model, not the rows.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class KeyBudget(models.Model):
    """Per-key settings of the API budget (the key's own row; without one, the defaults from
    PANEL_VULTR_RATE_LIMIT, PANEL_VULTR_RATE_BURST and PANEL_OPERATION_POLL_SECONDS)."""

    api_key = models.OneToOneField(
        "accounts.ApiKey", on_delete=models.CASCADE, related_name="operations_budget"
    )
    requests_per_second = models.FloatField(
        validators=[MinValueValidator(0.1), MaxValueValidator(100)],
        help_text="Vultr v1 allows an average of 2 requests a second per key.",
    )
    burst = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many requests may go out at once after a quiet spell.",
    )
    poll_seconds = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.2), MaxValueValidator(600)],
        help_text="Seconds between checks of its operations (empty: the default).",
    )

    class Meta:
        db_table = "panel_keybudget"

    def __str__(self):
        return f"Budget of key {self.api_key_id}: {self.requests_per_second}/s"
