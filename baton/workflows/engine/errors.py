"""Errors the engine adapter raises; the Django side turns them into 4xx responses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow, pinned to the BPMN/DMN element when we know it."""

    element_id: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}" if self.element_id else self.message


class FlowValidationError(Exception):
    """A flow cannot be deployed; ``problems`` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"The flow has {len(self.problems)} problem(s):\n{lines}")


class EngineError(Exception):
    """A running instance refused an operation (unknown task, bad data, failed expression).

    When raised by a state-changing call the instance is left exactly as before the call.
    """
