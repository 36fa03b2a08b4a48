"""The engine layer: SpiffWorkflow wrapped so diagrams are safe, versioned and cheap to run.

Nothing here imports Flask or reads the environment; the service layer hands in what it needs.
"""
