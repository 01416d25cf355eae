"""The reference: a bare Sanic JSON endpoint, one process, no auth, no database, no contract.

It answers with a body the size of a one-device `GET /devices` answer, so only what our
server does around the body differs.
"""

from __future__ import annotations

import sys

from sanic import Sanic, json

BODY = {
    "devices": [
        {
            "id": "5c6a8c3e-2f41-4a57-9d43-1f7a0c9b2e11",
            "name": "laptop",
            "device_type": "laptop",
            "os_info": None,
            "client_version": None,
            "enabled": True,
            "sync_cursor": 0,
            "last_seen_at": "2026-11-27T01:00:00Z",
            "last_sync_at": None,
            "created_at": "2026-11-27T01:00:00Z",
        }
    ]
}

app = Sanic("bare")


@app.get("/devices")
async def devices(_request: object) -> object:
    return json(BODY)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, access_log=False,
            motd=False)  # fmt: skip
