"""The audit log's daily chore for Celery beat (settings.CELERY_BEAT_SCHEDULE): prune by each
team's retention, then verify every chain and the site's counter, one after the other so that a
verification never walks a chain while it is being pruned, and write the heads to the external
witness if one is set (panel/audit/witness.py). From cron: manage.py audit_prune && audit_verify.
"""

from __future__ import annotations

import logging

from celery import shared_task

from panel.audit import denials, witness
from panel.audit.retention import prune_all
from panel.audit.verify import chain_keys, verify, verify_counter

logger = logging.getLogger("panel.audit")


@shared_task
def audit_daily() -> dict[str, int]:
    removed = sum(pruned.removed for pruned in prune_all().values())
    broken = 0
    results = []
    for key in chain_keys():
        result = verify(key)  # kept on the chain's head, shown on the audit page
        results.append(result)
        if not result.ok:
            broken += 1
            logger.error("Audit chain %s is broken: %s", key, result.message)
    counter = verify_counter()
    if not counter.ok:
        broken += 1
        logger.error("The audit chains' counter is broken: %s", counter.message)
    problem = witness.publish(witness.snapshot(results, counter))
    if problem:
        logger.error("%s", problem)
    return {"removed": removed, "broken": broken}


@shared_task
def audit_flush_denials() -> int:
    """Every minute: one entry for each actor's repeated refusals of the minute that ended
    (panel/audit/denials.py)."""
    return denials.flush()
