"""Pinakes Sync for Python developers: sign in, move whole files, follow the change feed.

    from pinakes import Pinakes

    with Pinakes.login("https://sync.example.org", "alice", "…") as alice:
        device, token = alice.register_device("build-bot")
    with Pinakes.device("https://sync.example.org", token) as bot:
        bot.upload_file("report.pdf", "reports/2026/report.pdf")
        for change in bot.changes():
            print(change.path, change.version)

Built on the generated `pinakes_client` (its models are what these methods return).
"""

from ._calls import Retries
from ._downloads import Fetched
from ._uploads import Opener, Progress, Source, sha256_of
from .aio import AsyncChangeFeed, AsyncPinakes, AsyncSession
from .errors import (
    ConnectionFailed,
    CursorExpired,
    FileChanged,
    Forbidden,
    Gone,
    HashMismatch,
    NotFound,
    PinakesError,
    ProblemError,
    TooManyRequests,
    Unauthorized,
    UserTokenRequired,
)
from .session import ChangeFeed, Pinakes, Session, Uploaded

__all__ = [
    "AsyncChangeFeed",
    "AsyncPinakes",
    "AsyncSession",
    "ChangeFeed",
    "ConnectionFailed",
    "CursorExpired",
    "Fetched",
    "FileChanged",
    "Forbidden",
    "Gone",
    "HashMismatch",
    "NotFound",
    "Opener",
    "Pinakes",
    "PinakesError",
    "ProblemError",
    "Progress",
    "Retries",
    "Session",
    "Source",
    "TooManyRequests",
    "Unauthorized",
    "Uploaded",
    "UserTokenRequired",
    "sha256_of",
]
