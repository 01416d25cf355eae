"""openapi-core 0.23.1 made cheap: what it derives from the contract is derived once.

Stock openapi-core rebuilds, on every call, the jsonschema validator of every schema it
touches (deep-copying a format checker each time), each parameter's caster and deserializer,
the path match and the security provider, reading the contract through jsonschema-path's
resolver as it goes: about 0.4 ms for a bodiless GET and 230 ms for a 1000-change report
here. These classes plug into openapi-core's own extension points (its factories, its path
finder class) and memoise per schema, which is bounded: the contract is fixed.

A schema's check first runs a jsonschema-rs validator compiled from the same schema. Only when
that one rejects does openapi-core's own jsonschema validator run, so every rejection is the
one stock openapi-core gives (same exception, same schema errors). jsonschema-rs is made at
least as strict as the stock format checker (see `_rust_validator`), and
`tests/test_contract_compiled.py` holds the two to the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema._format import FormatChecker
from jsonschema_path import SchemaPath
from openapi_core.casting.schemas import oas31_schema_casters_factory
from openapi_core.casting.schemas.casters import SchemaCaster
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.casting.schemas.factories import SchemaCastersFactory
from openapi_core.datatypes import Parameters, RequestParameters
from openapi_core.deserializing.styles.deserializers import StyleDeserializer
from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
from openapi_core.exceptions import OpenAPIError
from openapi_core.schema.parameters import get_style_and_explode
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.providers import HttpProvider
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.security.exceptions import SecurityNotFound
from openapi_core.validation.decorators import ValidationErrorWrapper
from openapi_core.validation.exceptions import ValidationError
from openapi_core.validation.request.exceptions import (
    InvalidParameter,
    InvalidSecurity,
    MissingParameter,
    MissingRequiredParameter,
    ParametersError,
    ParameterValidationError,
    SecurityValidationError,
)
from openapi_core.validation.request.validators import (
    V31RequestParametersValidator,
    V31RequestValidator,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeadersError,
    HeaderValidationError,
    InvalidData,
    InvalidHeader,
    MissingHeader,
    MissingRequiredHeader,
)
from openapi_core.validation.response.validators import (
    V31ResponseHeadersValidator,
    V31ResponseValidator,
)
from openapi_core.validation.schemas import oas31_schema_validators_factory
from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator

# The widths the stock checker enforces for integer formats; jsonschema-rs calls custom
# format checks with strings only, so these become bounds in its copy of a schema.
_INTEGER_FORMATS = {"int32": 2**31, "int64": 2**63}


class RustFirstSchemaValidator(SchemaValidator):
    """Accepts on jsonschema-rs' word; a rejection is explained by openapi-core's own check."""

    def __init__(self, schema: SchemaPath, validator: Any, compiled: Any) -> None:
        super().__init__(schema, validator)
        self.compiled = compiled

    def validate(self, value: Any) -> None:
        if self.compiled.is_valid(value):
            return
        super().validate(value)

    def evolve(self, schema: SchemaPath) -> SchemaValidator:
        """A stock validator of a subschema (anyOf/oneOf matching while casting)."""
        return SchemaValidator(self.schema, self.validator).evolve(schema)


def _bounded_integer_formats(node: Any) -> Any:
    """A copy in which int32/int64 formats carry the bounds the stock checker applies."""
    if isinstance(node, list):
        return [_bounded_integer_formats(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _bounded_integer_formats(value) for key, value in node.items()}
    width = (
        _INTEGER_FORMATS.get(node.get("format")) if isinstance(node.get("format"), str) else None
    )
    if width is not None:
        copied["minimum"] = max(copied.get("minimum", -width), -width)
        copied["maximum"] = min(copied.get("maximum", width - 1), width - 1)
    return copied


def _conforms(check: Callable[[Any], Any], raises: Any) -> Callable[[str], bool]:
    """`FormatChecker.conforms` for one format, without its lookups and FormatError."""

    def conforms(value: str) -> bool:
        try:
            return bool(check(value))
        except raises:
            return False

    return conforms


def _rust_validator(contents: Any, components: Any, format_checker: FormatChecker) -> Any:
    """jsonschema-rs over `contents`, its `#/components/…` references resolvable.

    String formats are checked by the very functions the stock checker uses, so the two
    agree on them; integer formats become bounds.
    """
    schema = {**contents, "components": components} if isinstance(contents, dict) else contents
    formats = {name: _conforms(*check) for name, check in format_checker.checkers.items()}
    return jsonschema_rs.Draft202012Validator(
        _bounded_integer_formats(schema), validate_formats=True, formats=formats
    )


class CompiledSchemaValidatorsFactory(DialectSchemaValidatorsFactory):
    """One validator per schema, compiled once; the stock factory's dialect and formats."""

    def __init__(self, components: Any) -> None:
        stock = oas31_schema_validators_factory
        super().__init__(
            stock.schema_validator_cls,
            stock.default_jsonschema_dialect_id,
            format_checker=stock.format_checker,
        )
        self.components = components
        self._made: dict[tuple[Any, ...], SchemaValidator] = {}

    def create(
        self,
        spec: SchemaPath,
        schema: SchemaPath,
        format_validators: Any = None,
        extra_format_validators: Any = None,
        forbid_unspecified_additional_properties: bool = False,
        enforce_properties_required: bool = False,
    ) -> SchemaValidator:
        if format_validators is not None or extra_format_validators is not None:
            raise ValueError("custom format validators are not compiled")
        key = (schema.parts, forbid_unspecified_additional_properties, enforce_properties_required)
        made = self._made.get(key)
        if made is None:
            stock = super().create(
                spec,
                schema,
                forbid_unspecified_additional_properties=forbid_unspecified_additional_properties,
                enforce_properties_required=enforce_properties_required,
            )
            if forbid_unspecified_additional_properties or enforce_properties_required:
                made = stock  # options jsonschema-rs has no twin for: stay stock
            else:
                with schema.resolve() as resolved:
                    compiled = _rust_validator(
                        resolved.contents, self.components, self.format_checker
                    )
                made = RustFirstSchemaValidator(schema, stock.validator, compiled)
            self._made[key] = made
        return made


class PlannedSchemaCaster(SchemaCaster):
    """Stock casting, with the schema's type and its caster looked up once, not per value."""

    _plan: tuple[Any, Any] | None = None

    def cast(self, value: Any) -> Any:
        plan = self._plan
        if plan is None:
            schema_type = (self.schema / "type").read_str(None)
            plan = self._plan = (schema_type, self.get_type_caster(schema_type))
        schema_type, type_caster = plan
        if value is None:  # stock returns None too, nullable or not
            return value
        try:
            return type_caster(value)
        except (ValueError, TypeError) as exc:
            raise CastError(value, schema_type) from exc


class PlannedSchemaCastersFactory(SchemaCastersFactory):
    def create(
        self,
        spec: SchemaPath,
        schema: SchemaPath,
        format_validators: Any = None,
        extra_format_validators: Any = None,
    ) -> SchemaCaster:
        validator = self.schema_validators_factory.create(
            spec,
            schema,
            format_validators=format_validators,
            extra_format_validators=extra_format_validators,
        )
        return PlannedSchemaCaster(schema, validator, self.types_caster)


def factories(spec: dict[str, Any]) -> dict[str, Any]:
    """A validator's schema factories: compiled validators, and casting that uses them."""
    validators = CompiledSchemaValidatorsFactory(spec.get("components", {}))
    casters = PlannedSchemaCastersFactory(validators, oas31_schema_casters_factory.types_caster)
    return {"schema_validators_factory": validators, "schema_casters_factory": casters}


class _Memo:
    """Results keyed by contract locations (few); keys a client picks are capped."""

    def __init__(self, limit: int = 512) -> None:
        self._found: dict[Any, Any] = {}
        self._limit = limit

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        found = self._found.get(key, self)
        if found is self:
            if len(self._found) >= self._limit:
                self._found.clear()
            found = self._found[key] = make()  # an exception is not remembered
        return found


@dataclass(frozen=True)
class _SimplePlan:
    """A simple-style parameter or header, read from the contract as stock reads it."""

    name: str
    location: str
    required: bool
    deserializer: StyleDeserializer
    validator: SchemaValidator
    default: tuple[Any, ...]  # (value,) when the schema has a default


class _Planned:
    """Stock openapi-core's per-call reads of the contract, done once per key.

    These override private methods of openapi-core 0.23.1 (pinned exactly in pyproject.toml)
    and follow their code step by step. `tests/test_contract_compiled.py` and the
    cross-checking test servers hold every verdict and error to stock openapi-core's.
    """

    def _memo(self, kind: str, key: Any, make: Callable[[], Any]) -> Any:
        memos = self.__dict__.setdefault("_memos", {})
        return memos.setdefault(kind, _Memo()).get(key, make)

    def _find_path(self, request: Any) -> PathOperationServer:
        template = getattr(request, "path_pattern", None) or request.path
        key = (request.method, template, request.host_url)
        return self._memo("path", key, lambda: super(_Planned, self)._find_path(request))

    def _schema_validator(self, schema: SchemaPath) -> SchemaValidator:
        return self.schema_validators_factory.create(
            self.spec,
            schema,
            format_validators=self.format_validators,
            extra_format_validators=self.extra_format_validators,
            forbid_unspecified_additional_properties=self.forbid_unspecified_additional_properties,
            enforce_properties_required=self.enforce_properties_required,
        )

    def _content_plan(self, content: SchemaPath, mimetype: str | None) -> tuple[Any, ...]:
        mime_type, parameters, media_type = self._find_media_type(content, mimetype)
        schema = media_type.get("schema")
        validator = None if schema is None else self._schema_validator(schema)
        deserializer = self.media_type_deserializers_factory.create(
            self.spec,
            mime_type,
            schema=schema,
            schema_validator=validator,
            parameters=parameters,
            encoding=media_type.get("encoding") if "encoding" in media_type else None,
            extra_media_type_deserializers=self.extra_media_type_deserializers,
        )
        return deserializer, schema, validator

    def _get_content_and_schema(
        self, raw: bytes, content: SchemaPath, mimetype: str | None = None
    ) -> tuple[Any, SchemaPath | None]:
        key = (content.parts, mimetype)
        deserializer, schema, validator = self._memo(
            "content", key, lambda: self._content_plan(content, mimetype)
        )
        value = deserializer.deserialize(raw)
        if schema is not None:
            validator.validate(value)
        return value, schema

    def _simple_plan(self, param_or_header: SchemaPath, name: str | None) -> _SimplePlan | None:
        """None for what stock treats specially: content, allowEmptyValue, deprecation."""
        special = ("content" in param_or_header) or ("allowEmptyValue" in param_or_header)
        if special or (param_or_header / "deprecated").read_bool(default=False):
            return None
        name = name or (param_or_header / "name").read_str()
        schema = param_or_header / "schema"
        style, explode = get_style_and_explode(param_or_header)
        return _SimplePlan(
            name=name,
            location=(param_or_header / "in").read_str("header"),
            required=(param_or_header / "required").read_bool(default=False),
            deserializer=self.style_deserializers_factory.create(
                self.spec, schema, style, explode, name=name
            ),
            validator=self._schema_validator(schema),
            default=((schema / "default").read_value(),) if "default" in schema else (),
        )

    def _planned(self, param_or_header: SchemaPath, name: str | None = None) -> _SimplePlan | None:
        key = (param_or_header.parts, name)
        return self._memo("simple", key, lambda: self._simple_plan(param_or_header, name))

    @staticmethod
    def _simple_value(plan: _SimplePlan, location: Any) -> Any:
        """The cast, checked value; KeyError when it is absent and has no default."""
        try:
            value = plan.deserializer.deserialize(location)
        except KeyError:
            if not plan.default:
                raise
            value = plan.default[0]
        else:
            if plan.location == "query" and value == "":
                raise EmptyQueryParameterValue(plan.name)
        plan.validator.validate(value)
        return value


class _PlannedRequest(_Planned):
    """Each operation's parameters and security are read from the contract once."""

    def _parameter_list(self, operation: SchemaPath, path: SchemaPath) -> list[Any]:
        found, seen = [], set()
        for params in (operation.get("parameters", []), path.get("parameters", [])):
            for param in params:
                key = ((param / "name").read_str(), (param / "in").read_str())
                if key not in seen:  # an operation's parameter overrides its path's
                    seen.add(key)
                    found.append((*key, param))
        return found

    def _get_parameters(
        self, parameters: RequestParameters, operation: SchemaPath, path: SchemaPath
    ) -> Parameters:
        key = (operation.parts, path.parts)
        listed = self._memo("parameters", key, lambda: self._parameter_list(operation, path))
        errors, validated = [], Parameters()
        for name, location, param in listed:
            try:
                value = self._get_parameter(parameters, param)
            except MissingParameter:
                continue
            except ParameterValidationError as exc:
                errors.append(exc)
                continue
            getattr(validated, location)[name] = value
        if errors:
            raise ParametersError(errors=errors, parameters=validated)
        return validated

    @ValidationErrorWrapper(ParameterValidationError, InvalidParameter, "from_spec", spec="param")
    def _get_parameter(self, parameters: RequestParameters, param: SchemaPath) -> Any:
        plan = self._planned(param)
        if plan is None:
            return super()._get_parameter(parameters, param)
        try:
            return self._simple_value(plan, parameters[plan.location])
        except KeyError:
            if plan.required:
                raise MissingRequiredParameter(plan.name, plan.location) from None
            raise MissingParameter(plan.name, plan.location) from None

    def _security_plan(self, operation: SchemaPath) -> list[tuple[list[str], dict[str, Any]]]:
        security = None
        if "security" in self.spec:
            security = self.spec / "security"
        if "security" in operation:
            security = operation / "security"
        if not security:
            return []
        schemes = self.spec / "components#securitySchemes"
        plan = []
        for requirement in security:
            names = list(requirement.str_keys())
            providers = {
                name: _provider(self.security_provider_factory.create(schemes[name]))
                if name in schemes
                else None
                for name in names
            }
            plan.append((names, providers))
        return plan

    @ValidationErrorWrapper(SecurityValidationError, InvalidSecurity)
    def _get_security(
        self, parameters: RequestParameters, operation: SchemaPath
    ) -> dict[str, Any] | None:
        plan = self._memo("security", operation.parts, lambda: self._security_plan(operation))
        if not plan:
            return {}
        for _, providers in plan:
            try:
                return {
                    name: None if provider is None else provider(parameters)
                    for name, provider in providers.items()
                }
            except SecurityProviderError:
                continue
        raise SecurityNotFound([names for names, _ in plan])


def _provider(provider: Any) -> Any:
    """Stock providers; an HTTP one reads its scheme's contents from a plain dict rather than
    through jsonschema-path on every request (about a tenth of a millisecond each)."""
    if isinstance(provider, HttpProvider):
        provider.scheme = provider.scheme.read_value()
    return provider


class PlannedRequestValidator(_PlannedRequest, V31RequestValidator):
    """Security, parameters and body."""


class PlannedRequestParametersValidator(_PlannedRequest, V31RequestParametersValidator):
    """Parameters only (streamed bodies are checked by their handlers)."""


class _PlannedResponse(_Planned):
    """Each operation's responses and their headers are read from the contract once."""

    def _find_operation_response(self, status_code: int, operation: SchemaPath) -> SchemaPath:
        key = (operation.parts, status_code)
        find = super()._find_operation_response
        return self._memo("response", key, lambda: find(status_code, operation))

    @ValidationErrorWrapper(DataValidationError, InvalidData)
    def _get_data(self, data: bytes | None, mimetype: str, operation_response: SchemaPath) -> Any:
        content = self._memo(
            "data",
            operation_response.parts,
            lambda: operation_response / "content" if "content" in operation_response else None,
        )
        if content is None:
            return None
        value, _ = self._get_content_and_schema(self._get_data_value(data), content, mimetype)
        return value

    def _header_list(self, operation_response: SchemaPath) -> list[tuple[str, SchemaPath]]:
        if "headers" not in operation_response:
            return []
        return [
            (name, header)
            for name, header in (operation_response / "headers").str_items()
            if name.lower() != "content-type"
        ]

    def _get_headers(self, headers: Any, operation_response: SchemaPath) -> dict[str, Any]:
        listed = self._memo(
            "headers", operation_response.parts, lambda: self._header_list(operation_response)
        )
        errors: list[OpenAPIError] = []
        validated: dict[str, Any] = {}
        for name, header in listed:
            try:
                validated[name] = self._get_header(headers, name, header)
            except MissingHeader:
                continue
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise HeadersError(context=iter(errors), headers=validated)
        return validated

    @ValidationErrorWrapper(HeaderValidationError, InvalidHeader, name="name")
    def _get_header(self, headers: Any, name: str, header: SchemaPath) -> Any:
        plan = self._planned(header, name)
        if plan is None:
            return super()._get_header(headers, name, header)
        try:
            return self._simple_value(plan, headers)
        except KeyError:
            if plan.required:
                raise MissingRequiredHeader(name) from None
            raise MissingHeader(name) from None


class PlannedResponseValidator(_PlannedResponse, V31ResponseValidator):
    """Status, body and headers."""


class PlannedResponseHeadersValidator(_PlannedResponse, V31ResponseHeadersValidator):
    """Status and headers only (file bodies are not JSON)."""
