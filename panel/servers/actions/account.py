"""The Vultr account behind a key: balance and charges (the `billing` permission)."""

from __future__ import annotations

from accounts.permissions import Perm
from panel.vultr import Account

from .base import ACCOUNT, ActionContext, query, read

# The balance moves with the hourly charges; a minute is fresh enough.
ACCOUNT_SECONDS = 60


@query
def account_info(ctx: ActionContext) -> Account:
    return read(
        ctx, Perm.BILLING, ACCOUNT, "info", lambda v: v.account_info(), seconds=ACCOUNT_SECONDS
    )
