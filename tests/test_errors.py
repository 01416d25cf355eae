"""Every error a client can provoke is problem+json with the right status; none is a 500."""

from __future__ import annotations

import pytest

from .conftest import Account, assert_problem
from .live import LiveServer

LOGIN = "/api/v1/auth/login"


def test_unknown_route_is_404(server: LiveServer) -> None:
    with server.client() as api:
        for path in ("/nope", "/api/v1/sync/nope", "/api/sync/nope", "/api/v1/sync/devices/"):
            assert_problem(api.get(path), 404, "not-found")


def test_wrong_method_is_405_with_allow(server: LiveServer) -> None:
    with server.client() as api:
        reply = api.delete("/health")
        assert_problem(reply, 405, "method-not-allowed")
        assert reply.headers["allow"] == "GET"
        reply = api.patch("/api/v1/sync/devices")
        assert_problem(reply, 405)
        assert set(reply.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_a_head_over_the_limit_is_400(server: LiveServer) -> None:
    with server.client() as api:
        reply = api.get("/health", headers={"X-Padding": "x" * 17000})
    assert_problem(reply, 400, "header-too-large")


def test_body_over_the_limit_is_413(server: LiveServer) -> None:
    with server.client() as api:
        reply = api.post(
            LOGIN,
            content=b" " * (4 * 1024 * 1024 + 1),
            headers={"content-type": "application/json"},
        )
    assert_problem(reply, 413, "payload-too-large")


@pytest.mark.parametrize(
    "content",
    [
        b'{"username":', b'{"username": "\xff\xfe"}', b"[]", b"null", b"42", b'"text"',
        b"[" * 100_000 + b"]" * 100_000, b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"username": "\\ud800x", "password": "long enough"}', b"\xef\xbb\xbf{}",
    ],
    ids=["truncated", "not-utf8", "array", "null", "number", "string", "deep", "deep-field",
         "lone-surrogate", "bom"],
)  # fmt: skip
def test_malformed_json_is_400(server: LiveServer, content: bytes) -> None:
    with server.client() as api:
        reply = api.post(LOGIN, content=content, headers={"content-type": "application/json"})
    assert_problem(reply, 400, "validation-failed")


def test_missing_body_is_400(server: LiveServer) -> None:
    with server.client() as api:
        problem = assert_problem(api.post(LOGIN), 400, "validation-failed")
    assert problem["errors"] == [{"location": "body", "message": "a request body is required"}]


def test_wrong_content_type_is_415(server: LiveServer) -> None:
    with server.client() as api:
        reply = api.post(LOGIN, content=b"username=a", headers={"content-type": "text/plain"})
    assert_problem(reply, 415, "unsupported-media-type")


def test_validation_errors_name_every_location_and_echo_no_values(server: LiveServer) -> None:
    secret = "tiny"
    with server.client() as api:
        reply = api.post(LOGIN, json={"username": "a", "password": secret, "extra": 1})
    problem = assert_problem(reply, 400, "validation-failed")
    locations = {e["location"] for e in problem["errors"]}
    assert locations == {"body", "body.username", "body.password"}
    assert secret not in reply.text


def test_query_parameter_errors_name_the_parameter(alice: Account) -> None:
    with alice.client() as api:
        problem = assert_problem(
            api.get("/api/v1/sync/changes", params={"limit": "5000"}), 400, "validation-failed"
        )
        assert problem["errors"][0]["location"] == "query.limit"
        problem = assert_problem(
            api.get("/api/v1/sync/changes", params={"limit": "many"}), 400, "validation-failed"
        )
        assert problem["errors"][0]["location"] == "query.limit"


def test_health_and_contract_need_no_token(server: LiveServer) -> None:
    with server.client() as api:
        assert api.get("/health").json() == {"status": "ok", "version": "0.1.0"}
        spec = api.get("/openapi.json")
        assert spec.headers["content-type"] == "application/json"
        assert spec.json()["openapi"] == "3.1.0"


def test_docs_page_and_its_assets_are_served_locally(server: LiveServer) -> None:
    with server.client() as api:
        page = api.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "/openapi.json" in page.text and "https://" not in page.text
        script = api.get("/docs/swagger-ui-bundle.js")
        assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
        assert api.get("/docs/swagger-ui.css").headers["content-type"] == "text/css"
        assert_problem(api.get("/docs/..%2Fopenapi.json"), 400, "validation-failed")
        assert_problem(api.get("/docs/secret.txt"), 400, "validation-failed")
