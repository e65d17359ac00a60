"""Views of the accounts app, one module per area; URLs in accounts/urls.py."""
