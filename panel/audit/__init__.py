"""The audit log: complete, tamper-evident, reviewable (issue 6).

- chain.py: appending an entry to its team's hash chain (AuditEntry.save), hashes, signatures
- redact.py: secrets never reach an entry
- record.py: `record()` for everything outside the action layer; the request it comes from
- receivers.py: sign-in, sign-out, failed sign-in, lockout, team settings (signals)
- verify.py: walking a chain (manage.py audit_verify)
- retention.py: pruning old entries behind a signed checkpoint (manage.py audit_prune)
- queries.py, export.py, forms.py: the review page and its CSV / JSON Lines export
  (panel/views/audit.py)

Nothing here calls Vultr; the action layer (panel/actions/base.py) writes its own entries and
reaches the chain through AuditEntry.save.
"""

from panel.audit.record import account_event, denied, key_target, record, user_target

__all__ = ["account_event", "denied", "key_target", "record", "user_target"]
