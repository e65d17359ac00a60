"""The audit app: the log, complete, tamper-evident, reviewable (issue 6).

A Django app (label "audit") that imports nothing above it: the action layer and accounts write
to it, never the other way round. Its package imports nothing, so that Django can load it.

- models.py: `AuditEntry` (append-only), `AuditChain` (each chain's head), `AuditCounter`
  (every append counted), `AuditWitness` (what the last verification saw), `TeamSettings`
- chain.py: appending an entry to its team's hash chain (AuditEntry.save), hashes, signatures
- redact.py: secrets never reach an entry
- record.py: `record()` for everything outside the action layer; the request it comes from
- denials.py: every refusal (403) on the record once; an actor's repeats counted per minute
- receivers.py: sign-in, sign-out, failed sign-in, lockout, team settings (signals)
- verify.py: walking a chain, the counter, the last verification (manage.py audit_verify)
- witness.py: a copy of the heads outside the database (PANEL_AUDIT_WITNESS)
- retention.py: pruning old entries behind a signed checkpoint (manage.py audit_prune)
- tasks.py: the daily prune and verify, the flush of counted refusals (beat)
- queries.py, export.py, forms.py, views.py, urls.py: the review page and its CSV / JSON Lines
  export

Nothing here calls Vultr; the action layer (panel/servers/actions/base.py) writes its own
entries and reaches the chain through AuditEntry.save.
"""
