"""Checks requests and responses against the contract; maps openapi-core's errors to problems."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema_path import SchemaPath
from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    SecurityValidationError,
)
from openapi_core.validation.request.validators import (
    V31RequestParametersValidator,
    V31RequestValidator,
)
from openapi_core.validation.response.validators import (
    V31ResponseHeadersValidator,
    V31ResponseValidator,
)
from openapi_core.validation.schemas import oas31_schema_validators_factory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from sanic import HTTPResponse, Request

from ..errors import PROBLEM_JSON, ApiError, Unauthorized, ValidationFailed, safe_str
from ..storage.paths import InvalidPath, canonical_path
from . import compiled
from .requests import SanicOpenAPIRequest
from .responses import SanicOpenAPIResponse
from .spec import Operation

log = logging.getLogger("pinakes.openapi")
MAX_MESSAGE = 200


class UnsupportedMediaType(ApiError):
    status, type, title = 415, "unsupported-media-type", "Unsupported media type"


class ResponseContractBroken(ApiError):
    """Our own response broke the contract: a server bug, never the client's fault."""

    status, type, title = 500, "internal-error", "Internal server error"


def _location(prefix: str, error: SchemaError) -> str:
    where = prefix
    for part in error.absolute_path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}"
    return where


# Messages name the rule, never echo the value (it may be a password, or a megabyte long).
_RULES = {
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "pattern": "must match the pattern {}",
    "type": "must be of type {}",
    "format": "must be a valid {}",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "minProperties": "must have at least {} properties",
    "uniqueItems": "must not repeat items",
}


def _pattern_reason(error: SchemaError) -> str | None:
    """Which rule a pattern stands for, in words: the pattern itself reads to no one. A
    library path says which of its rules it broke; another schema may state its `x-rule`."""
    if error.validator != "pattern" or not isinstance(error.instance, str):
        return None
    schema = getattr(error, "schema", {})
    if "x-library-path" not in schema:
        return schema.get("x-rule")
    try:
        canonical_path(error.instance)
    except InvalidPath as exc:
        return f"is not a library path: {exc}"
    return None


def _message(error: SchemaError) -> str:
    reason = _pattern_reason(error)
    if reason is not None:
        return safe_str(reason, MAX_MESSAGE)
    if error.validator == "enum":
        return "must be one of " + ", ".join(map(str, error.validator_value))
    template = _RULES.get(str(error.validator))
    if template is None:  # required, additionalProperties, …: they name keys, not values
        return safe_str(error.message, MAX_MESSAGE)
    return safe_str(template.format(error.validator_value), MAX_MESSAGE)


def _schema_issues(prefix: str, cause: BaseException | None) -> list[dict[str, str]]:
    if isinstance(cause, MediaTypeDeserializeError):
        return [{"location": prefix, "message": "is not valid JSON"}]
    if isinstance(cause, InvalidSchemaValue):
        issues = [
            {"location": _location(prefix, e), "message": _message(e)}
            for e in cause.schema_errors
            if isinstance(e, SchemaError)
        ]
        if issues:
            return issues
    message = safe_str(cause, MAX_MESSAGE) if cause is not None else "is not valid"
    return [{"location": prefix, "message": message}]


class PartSchema:
    """A JSON part of a streamed body (a batch's manifest) against its component schema:
    jsonschema-rs says whether it conforms; only when it does not, jsonschema says where and
    why, in the words every other request's problem uses."""

    def __init__(self, spec: dict[str, Any], name: str) -> None:
        formats = oas31_schema_validators_factory.format_checker
        root = {"$ref": f"#/components/schemas/{name}"}
        self._fast = compiled._rust_validator(root, spec["components"], formats)
        self._slow = Draft202012Validator(
            {**root, "components": spec["components"]}, format_checker=formats
        )

    def check(self, value: Any, prefix: str) -> None:
        if self._fast.is_valid(value):
            return
        issues = [
            {"location": _location(prefix, e), "message": _message(e)}
            for e in self._slow.iter_errors(value)
        ]
        detail = "; ".join(f"{i['location']}: {i['message']}" for i in issues[:5])
        raise ValidationFailed(detail, issues)


def _issues(error: Exception) -> list[dict[str, str]]:
    if isinstance(error, MissingRequiredParameter):
        return [{"location": f"{error.location}.{error.name}", "message": "is required"}]
    if isinstance(error, ParameterValidationError):
        return _schema_issues(f"{error.location}.{error.name}", error.__cause__)
    if isinstance(error, MissingRequiredRequestBody):
        return [{"location": "body", "message": "a request body is required"}]
    return _schema_issues("body", error.__cause__)


def request_problem(errors: Iterable[Exception]) -> ApiError:
    """The one problem a client gets for a request the contract rejects."""
    errors = list(errors)
    for error in errors:
        if isinstance(error, SecurityValidationError):
            return Unauthorized("a bearer token is required")
        if isinstance(error.__cause__, MediaTypeNotFound):
            return UnsupportedMediaType("the body's Content-Type is not one this operation takes")
    issues = [issue for error in errors for issue in _issues(error)]
    detail = "; ".join(f"{i['location']}: {i['message']}" for i in issues[:5])
    return ValidationFailed(detail, issues)


def _json(value: bytes, **_parameters: str) -> object:
    return orjson.loads(value)


@dataclass(frozen=True)
class _Validators:
    requests: Any  # security, parameters and body
    request_parameters: Any  # streamed bodies: their handlers check the bytes
    responses: Any  # status, headers and JSON body
    response_headers: Any  # file bodies: status and headers

    @classmethod
    def build(cls, spec: dict[str, Any], *, fast: bool) -> _Validators:
        schema = SchemaPath.from_dict(spec, resolved_cache_maxsize=4096)
        # orjson, not the stdlib: it bounds nesting (a RecursionError would be a 500) and is
        # fast. openapi-core reads only application/json as JSON; our errors are problem+json.
        readers = {"application/json": _json, PROBLEM_JSON: _json}
        if not fast:
            return cls(
                V31RequestValidator(schema, extra_media_type_deserializers=readers),
                V31RequestParametersValidator(schema),
                V31ResponseValidator(schema, extra_media_type_deserializers=readers),
                V31ResponseHeadersValidator(schema),
            )
        cheap = compiled.factories(spec)
        return cls(
            compiled.PlannedRequestValidator(
                schema, extra_media_type_deserializers=readers, **cheap
            ),
            compiled.PlannedRequestParametersValidator(schema, **cheap),
            compiled.PlannedResponseValidator(
                schema, extra_media_type_deserializers=readers, **cheap
            ),
            compiled.PlannedResponseHeadersValidator(schema, **cheap),
        )


def _signature(errors: list[Exception]) -> list[tuple[str, ...]]:
    """What a client could tell apart: each error, its cause, and the schema's complaints."""
    found = []
    for error in errors:
        cause = error.__cause__
        complaints = getattr(cause, "schema_errors", ())
        described = (type(error).__name__, safe_str(error), type(cause).__name__, safe_str(cause))
        found.append((*described, *(safe_str(complaint) for complaint in complaints)))
    return found


class ContractValidator:
    """Built once per process: the contract, compiled, and the validators that read it.

    With `cross_check` (the test suite's servers), stock openapi-core checks every request
    and response too, and any difference in verdict or error is a contract breach.
    """

    def __init__(
        self, spec: dict[str, Any], *, validate_responses: bool, cross_check: bool = False
    ) -> None:
        self.spec = spec
        self._parts: dict[str, PartSchema] = {}
        self.validators = _Validators.build(spec, fast=True)
        self.stock = _Validators.build(spec, fast=False) if cross_check else None
        self.validate_responses = validate_responses

    def _errors(self, pick: Callable[[_Validators], Iterator[Exception]], what: str) -> list:
        errors = list(pick(self.validators))
        if self.stock is not None:
            expected = _signature(list(pick(self.stock)))
            if _signature(errors) != expected:
                log.error(
                    "%s breaks the contract: compiled validation differs from stock "
                    "openapi-core: %s != %s", what, _signature(errors), expected,
                )  # fmt: skip
                raise ResponseContractBroken("the server's request validation is inconsistent")
        return errors

    def check_request(
        self, request: Request, operation: Operation, path_params: dict[str, str]
    ) -> None:
        wrapped = request.ctx.openapi_request = SanicOpenAPIRequest(request, operation, path_params)
        what = f"request of {operation.method} {operation.path}"
        if operation.streamed is not None:
            media_type = wrapped.content_type.split(";")[0].strip().lower()
            if media_type != operation.streamed:
                raise UnsupportedMediaType(f"the body must be {operation.streamed}")
            errors = self._errors(lambda v: v.request_parameters.iter_errors(wrapped), what)
        else:
            errors = self._errors(lambda v: v.requests.iter_errors(wrapped), what)
        if errors:
            raise request_problem(errors)

    def check_part(self, schema: str, value: Any, location: str) -> None:
        """A JSON part of a streamed body (which the request check leaves to its handler)."""
        checker = self._parts.get(schema)
        if checker is None:
            checker = self._parts[schema] = PartSchema(self.spec, schema)
        checker.check(value, location)

    def check_response(
        self, request: Request, operation: Operation, response: HTTPResponse
    ) -> None:
        """Bodies are checked when JSON; files only by status and headers."""
        if not self.validate_responses:
            return
        wrapped = getattr(request.ctx, "openapi_request", None) or SanicOpenAPIRequest(
            request, operation, getattr(request.ctx, "params", {})
        )  # the same request as checked on its way in, unless it failed before that
        answer = SanicOpenAPIResponse(response)
        is_json = (response.content_type or "").split(";")[0].strip().endswith("json")
        what = f"response of {operation.method} {operation.path}"
        errors = self._errors(
            lambda v: (v.responses if is_json else v.response_headers).iter_errors(wrapped, answer),
            what,
        )
        if errors:
            log.error(
                "%s breaks the contract: %s",
                what,
                "; ".join(safe_str(e) + " " + safe_str(e.__cause__) for e in errors),
            )
            raise ResponseContractBroken("the server produced a response outside its contract")
