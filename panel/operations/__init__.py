"""Long operations: an `Operation` row per slow Vultr action, run by Celery until it is done.

Vultr answers a create, a snapshot, a reinstall, an OS change, a restore, a destroy or an added
IPv4 address at once and does the work in the background; a person wants to know when it is
really done. Each such action becomes an `Operation` (models.py) that a worker drives through
its kind's state machine (kinds.py, runner.py) and the coalesced per-key poll watches
(polling.py), within the shared per-key API budget (panel/budget/). When it ends, the actor
gets an in-app notice and the team's alert addresses are told (notify.py). start.py is the only
way a long action begins; tasks.py holds the Celery tasks; views.py, urls.py and forms.py the
pages (the team's list, an operation's live panel, budgets, alerts, notices).

A Django app (label "operations"). It may call the action layer (panel.servers.actions), which
never calls it back. Nothing is imported here, so that Django can load the app.
"""
