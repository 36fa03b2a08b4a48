"""Engine errors. They carry no HTTP meaning: ``service/errors.py`` translates them."""

from __future__ import annotations

from dataclasses import dataclass


class WorkflowError(Exception):
    """Base class for everything the engine layer raises on purpose."""


@dataclass(frozen=True)
class LintIssue:
    """One problem found in a diagram, tied to the element that has it."""

    element_id: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"element_id": self.element_id, "message": self.message}

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}"


class DiagramRejected(WorkflowError):
    """A diagram failed to parse or lint; ``issues`` names every offending element."""

    def __init__(self, issues: list[LintIssue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


class UnsafeExpression(WorkflowError):
    """An expression uses something outside the restricted language."""


class StateVersionError(WorkflowError):
    """Saved state was written by a serializer version we do not know how to read."""


class TaskNotReady(WorkflowError):
    """The task does not exist in the instance or is no longer waiting for input."""


class MessageNotExpected(WorkflowError):
    """The instance is not waiting for this message (already delivered, or not yet due)."""
