"""Workflow persistence: diagram versions, instances, human tasks, history, timers."""
