"""Request bodies and query strings, validated strictly. This module owns ``pydantic``.

Unknown fields, wrong types and malformed JSON all become ``InvalidInput`` (400) with
the offending field named. Call ``parse_body``/``parse_query`` from the dispatcher.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.core.errors import InvalidInput
from bridge.core.validation import MAX_NOTES_CHARS

Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _invalid(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    if first.get("type") == "json_invalid":
        return InvalidInput("the body is not valid JSON", code="invalid_json")
    message = first.get("msg", "invalid value")
    return InvalidInput(f"{field}: {message}" if field else message, field=field)


def parse_body(model: type[Model], raw: bytes) -> Model:
    """Validate a JSON body against ``model``."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise _invalid(exc) from None


def parse_query(model: type[Model], query: dict[str, str]) -> Model:
    try:
        return model.model_validate(query)
    except ValidationError as exc:
        raise _invalid(exc) from None


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """JSON schema for the OpenAPI document."""
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


Source = Literal["asana", "jira", "trello"]
Notes = Field(default=None, max_length=MAX_NOTES_CHARS)


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    otp: str | None = Field(default=None, max_length=10)


class PageProject(Body):
    external_id: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=500)


class PageTaskBody(Body):
    source: Source
    external_id: str = Field(min_length=1, max_length=200)
    title: str = Field(max_length=2000)
    url: str = Field(default="", max_length=2000)
    project: PageProject | None = None
    project_count: int = Field(default=1, ge=0, le=1000)
    parent_external_id: str | None = Field(default=None, max_length=200)
    section: str | None = Field(default=None, max_length=500)


class ResolveBody(Body):
    items: list[PageTaskBody] = Field(max_length=500)


class TaskPatch(Body):
    billable: bool | None = None
    budget_seconds: int | None = Field(default=None, ge=0)
    completed: bool | None = None


class StartBody(Body):
    task_id: int
    notes: str | None = Notes
    occurred_at: dt.datetime | None = None


class TimerChange(Body):
    notes: str | None = Notes
    occurred_at: dt.datetime | None = None


class AttendanceBody(Body):
    occurred_at: dt.datetime | None = None


class EntryBody(Body):
    task_id: int
    date: dt.date
    duration_seconds: int
    notes: str | None = Notes


class EntryPatch(Body):
    task_id: int | None = None
    date: dt.date | None = None
    duration_seconds: int | None = None
    notes: str | None = Notes


class EntriesQuery(Query):
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    task_id: int | None = None
    user_id: int | None = None


class TimesheetQuery(Query):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    user_id: int | None = None


class Empty(Body):
    pass


class TokenLoginBody(Body):
    api_token: str = Field(min_length=1, max_length=200)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=1, max_length=200)


class OtpBody(Body):
    otp: str = Field(min_length=1, max_length=10)


class LegacyLoginQuery(Query):
    api_dev_key: str = Field(min_length=1, max_length=200)
    token: str = Field(min_length=1, max_length=200)
