"""Long operations: an `Operation` row per slow Vultr action, run by Celery until it is done.

Vultr answers a create, a snapshot, a reinstall, an OS change, a restore, a destroy or an added
IPv4 address at once and does the work in the background; a person wants to know when it is
really done. Each such action becomes an `Operation` (models.py) that a worker drives through
its kind's state machine (kinds.py, runner.py) and the coalesced per-key poll watches
(polling.py), within the shared per-key API budget (budget.py). When it ends, the actor gets
an in-app notice and the team's alert addresses are told (notify.py). start.py is how actions
and views begin one; panel/tasks.py holds the Celery tasks.

Nothing is imported here: panel/models.py imports `panel.operations.models` so that Django
registers the models, and the rest imports the action layer, which imports panel.models.
"""
