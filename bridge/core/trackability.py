"""Which tasks can be tracked, and the reason code when not.

One pure rule function, used by the relay when it resolves page tasks and refuses
timers, and mirrored by the extension to show a blocked timer before asking.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBTASK = "subtask"
MULTI_PROJECT = "multi-project"
NO_PROJECT = "no-project"
PROJECT_CLOSED = "project-closed"
TASK_LIMIT = "task-limit"
PROJECT_DISABLED = "project-disabled"

REASONS = (SUBTASK, MULTI_PROJECT, NO_PROJECT, PROJECT_CLOSED, TASK_LIMIT, PROJECT_DISABLED)

#: A project may hold this many active tasks; the next new task is refused.
ACTIVE_TASK_LIMIT = 1000


@dataclass(frozen=True)
class TaskFacts:
    """What the rules need to know about a task and its project."""

    source: str
    has_parent: bool
    project_count: int
    has_project: bool
    project_closed: bool = False
    project_enabled: bool = True
    over_task_limit: bool = False


def untrackable_reason(facts: TaskFacts) -> str | None:
    """The first rule the task breaks, or ``None`` when time may be tracked on it.

    The order is what a user should fix first: the shape of the task on the site
    before the state of the project in taskclock.
    """
    if facts.source == "asana" and facts.has_parent:
        return SUBTASK
    if facts.project_count > 1:
        return MULTI_PROJECT
    if not facts.has_project:
        return NO_PROJECT
    if facts.project_closed:
        return PROJECT_CLOSED
    if not facts.project_enabled:
        return PROJECT_DISABLED
    if facts.over_task_limit:
        return TASK_LIMIT
    return None
