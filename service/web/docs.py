"""What an API route says of itself for the OpenAPI document: a summary, its query parameters, request
and response bodies (JSON Schema) and the errors it may answer beyond those every route shares.

``api/openapi.py`` walks the URL map and reads these, so a route without them is noticed (a test fails).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

Schema = dict[str, Any]
View = TypeVar("View", bound=Callable[..., Any])

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}
ANY_OBJECT: Schema = {"type": "object"}
#: a file in the answer (a certificate, an .xlsx export)
BINARY: Schema = {"type": "string", "format": "binary"}
#: a chain route's body or answer: the chain's form (``form_<key>``) or record (``record_<key>``)
FORM, RECORD = "form", "record"


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(item: Schema | str) -> Schema:
    """The list envelope of api.md."""
    return obj(("items", "total", "page", "per_page"), items=array(item if isinstance(item, dict) else ref(item)),
               total=INTEGER, page=INTEGER, per_page=INTEGER)


def choice(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


PAGING: Mapping[str, Schema] = {"page": {"type": "integer", "minimum": 1, "maximum": 100_000},
                                "per_page": {"type": "integer", "minimum": 1, "maximum": 200}}


@dataclass(frozen=True)
class Operation:
    summary: str
    body: Schema | str | None = None
    response: Schema | str | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    query: Mapping[str, Schema] = field(default_factory=dict)
    #: False where the body may be left out (e.g. 发起审批 without an opinion)
    body_required: bool = True
    #: the request's content type (multipart for uploads, XML for diagrams)
    consumes: str = "application/json"
    #: the answer's content type (a file, XML …), or the types a file may have
    produces: str | tuple[str, ...] = "application/json"


def documented(summary: str, **details: Any) -> Callable[[View], View]:
    def mark(view: View) -> View:
        view.api_doc = Operation(summary, **details)  # type: ignore[attr-defined]
        return view
    return mark
