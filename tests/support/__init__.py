"""Support code for the tests, not tests: plain functions, classes and data with no pytest machinery.

The scheme: whatever acts on the application under test (an API flow, a page login, running the
background work, a prepared record) is a fixture in the ``conftest.py`` nearest to all its users, so
tests ask for it by name; what only builds or reads data (request bodies, diagram edits, the
certificate files) lives here and is imported. ``tests/factories.py`` holds the valid identifiers.
"""
