"""The seven device operations, two users who cannot touch each other, device-token limits."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .conftest import Account, assert_problem

DEVICES = "/api/v1/sync/devices"
DEVICE_FIELDS = {
    "id", "name", "device_type", "os_info", "client_version", "enabled", "sync_cursor",
    "last_seen_at", "last_sync_at", "created_at", "updated_at",
}  # fmt: skip


def test_register_shows_the_token_once(alice: Account) -> None:
    with alice.client() as api:
        reply = api.post(
            DEVICES,
            json={"name": "Alice's phone", "device_type": "mobile", "os_info": "Android 16",
                  "client_version": "pinakes-sync 0.1.0"},
        )  # fmt: skip
        assert reply.status_code == 200
        device, token = reply.json()["device"], reply.json()["device_token"]
        assert device.keys() == DEVICE_FIELDS
        assert device["name"] == "Alice's phone" and device["device_type"] == "mobile"
        assert (
            device["os_info"] == "Android 16" and device["client_version"] == "pinakes-sync 0.1.0"
        )
        assert device["enabled"] is True and device["sync_cursor"] == 0
        assert device["last_seen_at"] is None and device["last_sync_at"] is None
        assert token and token not in api.get(f"{DEVICES}/{device['id']}").text
        assert token not in api.get(DEVICES).text
        assert api.get(f"{DEVICES}/{device['id']}").json() == device


def test_list_shows_only_the_callers_devices(alice: Account, bob: Account) -> None:
    mine = {alice.add_device("one")[0], alice.add_device("two")[0]}
    bob.add_device("bob's")
    with alice.client() as api:
        listed = api.get(DEVICES).json()
    assert {d["id"] for d in listed} == mine


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "device_type": "laptop"},
        {"name": "x" * 129, "device_type": "laptop"},
        {"name": "ok", "device_type": "toaster"},
        {"name": "ok"},
        {"device_type": "laptop"},
        {"name": "ok", "device_type": "laptop", "os_info": "x" * 257},
        {"name": "ok", "device_type": "laptop", "id": str(uuid.uuid4())},
        {"name": "ok", "device_type": "laptop", "sync_cursor": 5},
        {"name": "ok", "device_type": "laptop", "enabled": False},
        {"name": 5, "device_type": "laptop"},
        {"name": "tab\there", "device_type": "laptop"},
        {"name": "nul\u0000", "device_type": "laptop"},
        {"name": "ok", "device_type": "laptop", "os_info": "line\nbreak"},
    ],
)
def test_register_rejects_invalid_bodies(alice: Account, body: dict[str, object]) -> None:
    with alice.client() as api:
        assert_problem(api.post(DEVICES, json=body), 400, "validation-failed")
        assert api.get(DEVICES).json() == []


def test_update_changes_only_what_is_given(alice: Account) -> None:
    device_id, _ = alice.add_device("old name")
    with alice.client() as api:
        before = api.get(f"{DEVICES}/{device_id}").json()
        after = api.put(f"{DEVICES}/{device_id}", json={"name": "new name", "os_info": None})
        assert after.status_code == 200
        body = after.json()
        assert body["name"] == "new name" and body["os_info"] is None
        assert body["device_type"] == before["device_type"] and body["enabled"] is True
        assert body["updated_at"] > before["updated_at"]
        assert body["created_at"] == before["created_at"]
        assert api.get(f"{DEVICES}/{device_id}").json() == body
        unchanged = api.put(f"{DEVICES}/{device_id}", json={}).json()
        assert unchanged["name"] == "new name"


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"enabled": "no"}, {"sync_cursor": 9}, {"device_type": "mobile"}, {"id": "x"}],
)
def test_update_rejects_invalid_or_read_only_fields(
    alice: Account, body: dict[str, object]
) -> None:
    device_id, _ = alice.add_device("keep")
    with alice.client() as api:
        before = api.get(f"{DEVICES}/{device_id}").json()
        assert_problem(api.put(f"{DEVICES}/{device_id}", json=body), 400, "validation-failed")
        assert api.get(f"{DEVICES}/{device_id}").json() == before


def test_delete_then_gone(alice: Account) -> None:
    device_id, _ = alice.add_device()
    with alice.client() as api:
        reply = api.delete(f"{DEVICES}/{device_id}")
        assert reply.status_code == 204 and reply.content == b""
        assert_problem(api.get(f"{DEVICES}/{device_id}"), 404, "not-found")
        assert_problem(api.delete(f"{DEVICES}/{device_id}"), 404)
        assert api.get(DEVICES).json() == []


def test_unknown_and_malformed_ids(alice: Account) -> None:
    unknown = str(uuid.uuid4())
    with alice.client() as api:
        assert_problem(api.get(f"{DEVICES}/{unknown}"), 404, "not-found")
        assert_problem(api.put(f"{DEVICES}/{unknown}", json={"name": "x"}), 404)
        assert_problem(api.delete(f"{DEVICES}/{unknown}"), 404)
        assert_problem(api.post(f"{DEVICES}/{unknown}/token"), 404)
        problem = assert_problem(api.get(f"{DEVICES}/not-a-uuid"), 400, "validation-failed")
    assert problem["errors"][0]["location"] == "path.id"


def test_another_users_device_is_404_like_an_unknown_one_and_untouched(
    alice: Account, bob: Account
) -> None:
    """Bob learns nothing, not even that the id exists: the answer is an unknown id's."""
    device_id, device_token = alice.add_device("alice's laptop")
    unknown = str(uuid.uuid4())

    def calls(api: httpx.Client, target: str) -> list[httpx.Response]:
        return [
            api.get(f"{DEVICES}/{target}"),
            api.put(f"{DEVICES}/{target}", json={"name": "mine now", "enabled": False}),
            api.delete(f"{DEVICES}/{target}"),
            api.post(f"{DEVICES}/{target}/token"),
        ]

    with bob.client() as api:
        for reply, control in zip(calls(api, device_id), calls(api, unknown), strict=True):
            problem = assert_problem(reply, 404, "not-found")
            assert "alice's laptop" not in reply.text and device_token not in reply.text
            unknown_problem = assert_problem(control, 404, "not-found")
            assert problem == {**unknown_problem, "detail": problem["detail"]}
            assert problem["detail"] == unknown_problem["detail"].replace(unknown, device_id)
    with alice.client() as api:
        device = api.get(f"{DEVICES}/{device_id}").json()
    assert device["name"] == "alice's laptop" and device["enabled"] is True
    assert alice.device_jwt(device_token)  # the token was not rotated


def test_a_device_token_reads_all_but_changes_only_itself(alice: Account) -> None:
    me, my_token = alice.add_device("me")
    other, _ = alice.add_device("other")
    with alice.client(alice.device_jwt(my_token)) as api:
        assert {d["id"] for d in api.get(DEVICES).json()} == {me, other}
        assert api.get(f"{DEVICES}/{other}").json()["name"] == "other"
        refused = api.post(DEVICES, json={"name": "x", "device_type": "other"})
        assert_problem(refused, 403, "user-token-required")
        assert_problem(api.put(f"{DEVICES}/{other}", json={"name": "hijacked"}), 403)
        assert_problem(api.post(f"{DEVICES}/{other}/token"), 403)
        assert_problem(api.delete(f"{DEVICES}/{other}"), 403)
        assert (
            api.put(f"{DEVICES}/{me}", json={"client_version": "2.0"}).json()["client_version"]
            == "2.0"
        )
        assert api.get(f"{DEVICES}/{other}").json()["name"] == "other"
        assert api.delete(f"{DEVICES}/{me}").status_code == 204
        # Deleting itself ended this token at once.
        assert_problem(api.get(DEVICES), 401, "unauthorized")
    with alice.client() as api:
        assert [d["id"] for d in api.get(DEVICES).json()] == [other]


def test_a_device_may_rotate_its_own_token(alice: Account) -> None:
    me, my_token = alice.add_device("me")
    with alice.client(alice.device_jwt(my_token)) as api:
        new_token = api.post(f"{DEVICES}/{me}/token").json()["device_token"]
        assert_problem(api.get(DEVICES), 401)  # its own JWT came from the old token
    assert alice.device_jwt(new_token)


def test_legacy_alias_behaves_identically(alice: Account) -> None:
    with alice.client() as api:
        created = api.post("/api/sync/devices", json={"name": "legacy", "device_type": "desktop"})
        assert created.status_code == 200
        device_id = created.json()["device"]["id"]
        assert (
            api.get(f"/api/sync/devices/{device_id}").json()
            == api.get(f"{DEVICES}/{device_id}").json()
        )
        assert api.put(f"/api/sync/devices/{device_id}", json={"name": "renamed"}).is_success
        assert_problem(api.get("/api/sync/devices/not-a-uuid"), 400, "validation-failed")
        assert api.post(f"/api/sync/devices/{device_id}/token").is_success
        assert api.delete(f"/api/sync/devices/{device_id}").status_code == 204
        assert api.get("/api/sync/devices").json() == []
    with alice.server.client() as anonymous:
        assert_problem(anonymous.get("/api/sync/devices"), 401, "unauthorized")
