"""The API budget: every request the panel makes with a team's key passes through here.

- tokens.py: one token bucket per key in Redis, shared by every process; `client(api_key)`,
  the only way the action layer and the operations get a `VultrClient` for a stored key
- models.py: a key's own rate, burst and poll interval (`KeyBudget`)

It sits below both the action layer (panel.servers.actions) and the operations
(panel.operations), and imports neither (pyproject.toml, import-linter contracts).
"""
