"""The SDK quick start: register a device, report, upload, read the feed, download, ack.

Run against a server: `python examples/quickstart.py http://127.0.0.1:8000 USER PASSWORD`.
"""

from __future__ import annotations

import hashlib
import sys
from io import BytesIO
from uuid import UUID

from pinakes_client import AuthenticatedClient, Client
from pinakes_client.api.auth import device_login, login
from pinakes_client.api.devices import register_device
from pinakes_client.api.download import download_file
from pinakes_client.api.sync import ack_changes, get_changes, report_changes
from pinakes_client.api.uploads import complete_upload, create_upload, upload_chunk
from pinakes_client.models import (
    AckRequest,
    ChangesPage,
    ChangeType,
    ClientChange,
    Credentials,
    DeviceCreate,
    DeviceLogin,
    DeviceRegistration,
    DeviceType,
    ReportRequest,
    ReportResult,
    Token,
    UploadCreate,
    UploadResult,
    UploadSession,
)
from pinakes_client.types import File


def main(server: str, username: str, password: str) -> None:
    # 1. Log in as the user and register a device; its token is shown only once.
    with Client(base_url=server) as anonymous:
        token = login.sync(client=anonymous, body=Credentials(username=username, password=password))
        assert isinstance(token, Token), token
    with AuthenticatedClient(base_url=server, token=token.access_token) as user:
        registration = register_device.sync(
            client=user, body=DeviceCreate(name="quickstart", device_type=DeviceType.OTHER)
        )
        assert isinstance(registration, DeviceRegistration), registration
    with Client(base_url=server) as anonymous:
        device_token = device_login.sync(
            client=anonymous, body=DeviceLogin(device_token=registration.device_token)
        )
        assert isinstance(device_token, Token), device_token

    with AuthenticatedClient(base_url=server, token=device_token.access_token) as device:
        # 2. Report a new file; the server asks for bytes it does not have.
        data = b"Hello from the Pinakes SDK\n"
        digest = hashlib.sha256(data).hexdigest()
        change = ClientChange(
            path="sdk/hello.txt",
            change_type=ChangeType.CREATED,
            content_hash=digest,
            size=len(data),
        )
        report = report_changes.sync(client=device, body=ReportRequest(changes=[change]))
        assert isinstance(report, ReportResult), report

        # 3. Upload them: a session, its chunks (one here), complete.
        if "sdk/hello.txt" in report.upload_required:
            session = create_upload.sync(
                client=device,
                body=UploadCreate(
                    target_path="sdk/hello.txt", expected_hash=digest, expected_size=len(data)
                ),
            )
            assert isinstance(session, UploadSession), session
            upload_chunk.sync(session.id, 0, client=device, body=File(payload=BytesIO(data)))
            done = complete_upload.sync(session.id, client=device)
            assert isinstance(done, UploadResult) and done.file is not None, done

        # 4. Read the feed from the start, download what changed, acknowledge it.
        page = get_changes.sync(client=device, cursor=0)
        assert isinstance(page, ChangesPage), page
        for entry in page.changes:
            body = download_file.sync(entry.path, client=device)
            assert isinstance(body, File), body
            content = body.payload.read()
            assert hashlib.sha256(content).hexdigest() == entry.content_hash
            print(f"{entry.seq}: {entry.change_type.value} {entry.path} ({len(content)} bytes)")
        ack_changes.sync(client=device, body=AckRequest(cursor=page.cursor))
        device_id: UUID = registration.device.id
        print(f"device {device_id} acknowledged up to {page.cursor}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
