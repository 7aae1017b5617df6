"""``GET /api/v1/openapi.json``: the API described from the same route table it runs on."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bridge.api.edge import Route
from bridge.api.schemas import schema_of

_PARAM = re.compile(r"{(\w+)}")


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer" if name.endswith("_id") else "string"}}
        for name in _PARAM.findall(route.path)
    ]
    if route.query is not None:
        schema = schema_of(route.query)
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop})
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": list(route.tags),
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if route.method != "GET":
        operation["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}})
    if route.body is not None:
        schema = schema_of(route.body)
        components.update(schema.pop("$defs", {}))
        components[route.body.__name__] = schema
        ref = {"$ref": f"#/components/schemas/{route.body.__name__}"}
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
    if not route.public:
        operation["security"] = [{"bearer": []}]
    return operation


def document(routes: list[Route], extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes`` (plus hand-written extra paths)."""
    components: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
        }
    }
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    for path, item in (extra_paths or {}).items():
        paths.setdefault(path, {}).update(item)
    return {
        "openapi": "3.1.0",
        "info": {"title": "taskclock relay", "version": "1"},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


def handler(doc: dict[str, Any]) -> Any:
    async def serve(_request: web.Request) -> web.Response:
        return web.json_response(doc)

    return serve
