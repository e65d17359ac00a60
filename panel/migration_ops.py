"""A migration operation of our own: `AdoptModels`, which moves models from one app to another
in Django's migration state only, keeping their tables and rows.

Used when the project app's models went to their own apps (audit, budget, operations: each
app's 0001). Django has no such operation; the usual recipe (a state-only DeleteModel in the
old app and a state-only CreateModel in the new one, with every field written out again)
would copy each model's definition into a second migration. This copies it from the state.
"""

from __future__ import annotations

from django.db import migrations


class AdoptModels(migrations.operations.base.Operation):
    """State only: models `names` of app `source` become models of the app this migration
    belongs to, with the tables they had (`db_table` set to the old name). Relations between
    the adopted models follow them. Nothing is done to the database, either way."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, source: str, names: list[str]) -> None:
        self.source = source
        self.names = names

    def deconstruct(self):
        return self.__class__.__qualname__, [self.source, self.names], {}

    def state_forwards(self, app_label, state):
        moved = {name.lower() for name in self.names}
        adopted = []
        for name in moved:
            old = state.models[self.source, name]
            fields = []
            for field_name, field in old.fields.items():
                remote = getattr(field, "remote_field", None)
                target = getattr(remote, "model", None) if remote else None
                if isinstance(target, str) and target.lower() in {
                    f"{self.source}.{m}" for m in moved
                }:
                    path, args, kwargs = field.deconstruct()[1:]
                    kwargs["to"] = f"{app_label}.{target.split('.')[1].lower()}"
                    field = field.__class__(*args, **kwargs)
                fields.append((field_name, field))
            new = old.clone()
            new.app_label = app_label
            new.fields = dict(fields)
            new.options = {"db_table": f"{self.source}_{name}", **new.options}
            adopted.append(new)
        for name in moved:
            state.remove_model(self.source, name)
        for new in adopted:
            state.add_model(new)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Adopt {', '.join(self.names)} from {self.source} (state only)"

    @property
    def migration_name_fragment(self):
        return f"adopt_from_{self.source}"
