# Deliberately empty: panel.vultr and panel.simulator must import without Django or Celery.
# The Celery app is loaded when Django starts (PanelConfig.ready) and by `celery -A panel`,
# which finds panel/celery.py by itself.
