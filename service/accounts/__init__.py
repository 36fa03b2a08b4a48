"""Accounts: registration, login, tokens, profile, password, staff accounts."""
