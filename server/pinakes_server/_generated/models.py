# generated from openapi/openapi.json by codegen/generate.py — do not edit

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, SecretStr


class MissingChunk(RootModel[int]):
    root: Annotated[int, Field(ge=0)]


class ValidationIssue(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    location: Annotated[str, Field(examples=["body.name"])]
    message: Annotated[str, Field(examples=["'' is too short"])]


class Status(StrEnum):
    ok = "ok"


class Health(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    status: Status
    version: Annotated[str, Field(examples=["0.1.0"])]


class Credentials(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    username: Annotated[
        str,
        Field(
            examples=["alice"],
            max_length=64,
            min_length=3,
            pattern="^[A-Za-z0-9_.-]{3,64}$",
        ),
    ]
    password: Annotated[
        SecretStr,
        Field(examples=["correct horse battery"], max_length=256, min_length=8),
    ]


class User(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    id: Annotated[UUID, Field(examples=["3f0b6a2e-8c1d-4e5f-9a7b-1c2d3e4f5a6b"])]
    username: Annotated[
        str,
        Field(
            examples=["alice"],
            max_length=64,
            min_length=3,
            pattern="^[A-Za-z0-9_.-]{3,64}$",
        ),
    ]
    is_admin: bool
    created_at: AwareDatetime


class TokenType(StrEnum):
    Bearer = "Bearer"


class Token(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    access_token: Annotated[str, Field(examples=["eyJhbGciOiJIUzI1NiIs..."])]
    token_type: TokenType
    expires_in: Annotated[
        int,
        Field(description="Seconds until the token expires.", examples=[3600], ge=1),
    ]


class DeviceLogin(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device_token: Annotated[
        str,
        Field(
            examples=["pkd_Zm9vYmFy..."],
            max_length=256,
            min_length=1,
            pattern="^[A-Za-z0-9_-]+$",
        ),
    ]


class Me(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    user: User
    device_id: Annotated[
        UUID | None,
        Field(
            description="The device a device-bound token acts for; null for a login token."
        ),
    ]


class DeviceType(StrEnum):
    desktop = "desktop"
    laptop = "laptop"
    mobile = "mobile"
    tablet = "tablet"
    server = "server"
    other = "other"


class Device(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    id: Annotated[UUID, Field(examples=["7d9e1f20-3a4b-4c5d-8e6f-708192a3b4c5"])]
    name: Annotated[
        str,
        Field(
            description="Any text without control characters.",
            examples=["Alice's laptop"],
            max_length=128,
            min_length=1,
            pattern="^[^\\x00-\\x1f\\x7f]+$",
        ),
    ]
    device_type: DeviceType
    os_info: Annotated[
        str | None,
        Field(
            examples=["Linux 6.12"], max_length=256, pattern="^[^\\x00-\\x1f\\x7f]*$"
        ),
    ]
    client_version: Annotated[
        str | None,
        Field(
            examples=["pinakes-sync 0.1.0"],
            max_length=64,
            pattern="^[^\\x00-\\x1f\\x7f]*$",
        ),
    ]
    enabled: bool
    sync_cursor: Annotated[int, Field(ge=0, le=9223372036854775807)]
    last_seen_at: AwareDatetime | None
    last_sync_at: AwareDatetime | None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class DeviceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[
        str,
        Field(
            description="Any text without control characters.",
            examples=["Alice's laptop"],
            max_length=128,
            min_length=1,
            pattern="^[^\\x00-\\x1f\\x7f]+$",
        ),
    ]
    device_type: DeviceType
    os_info: Annotated[
        str | None,
        Field(
            examples=["Linux 6.12"], max_length=256, pattern="^[^\\x00-\\x1f\\x7f]*$"
        ),
    ] = None
    client_version: Annotated[
        str | None,
        Field(
            examples=["pinakes-sync 0.1.0"],
            max_length=64,
            pattern="^[^\\x00-\\x1f\\x7f]*$",
        ),
    ] = None


class DeviceUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[
        str | None,
        Field(
            description="Any text without control characters.",
            examples=["Alice's laptop"],
            max_length=128,
            min_length=1,
            pattern="^[^\\x00-\\x1f\\x7f]+$",
        ),
    ] = None
    enabled: bool | None = None
    os_info: Annotated[
        str | None,
        Field(
            examples=["Linux 6.12"], max_length=256, pattern="^[^\\x00-\\x1f\\x7f]*$"
        ),
    ] = None
    client_version: Annotated[
        str | None,
        Field(
            examples=["pinakes-sync 0.1.0"],
            max_length=64,
            pattern="^[^\\x00-\\x1f\\x7f]*$",
        ),
    ] = None


class DeviceToken(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device_token: Annotated[
        str,
        Field(
            description="Shown only here: store it safely.",
            examples=["pkd_Zm9vYmFy..."],
        ),
    ]


class DeviceRegistration(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device: Device
    device_token: Annotated[
        str,
        Field(
            description="Shown only here: store it safely.",
            examples=["pkd_Zm9vYmFy..."],
        ),
    ]


class LibraryPath(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]


class ContentHash(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]


class ChangeType(StrEnum):
    created = "created"
    modified = "modified"
    deleted = "deleted"
    moved = "moved"


class ClientChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    change_type: ChangeType
    content_hash: Annotated[
        str | None,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ] = None
    size: Annotated[int | None, Field(ge=0, le=9223372036854775807)] = None
    mtime: Annotated[
        AwareDatetime | None,
        Field(
            description="A time a device states (a file's mtime): RFC 3339 with its UTC offset, from 0001-01-02 to 9999-12-30, so that it is a time in UTC too, which is how the server keeps and returns it.",
            examples=["2026-12-04T18:30:00+01:00"],
        ),
    ] = None
    base_version: Annotated[
        int | None,
        Field(
            description="The server version the device last synced; 0 or absent: it did not have it.",
            ge=0,
            le=9223372036854775807,
        ),
    ] = None
    old_path: Annotated[
        str | None,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ] = None


class ReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device_id: Annotated[
        UUID | None,
        Field(
            description="Defaults to the token's device; a login token must name one."
        ),
    ] = None
    changes: Annotated[list[ClientChange], Field(max_length=1000, min_length=1)]


class AcceptedChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    stored_path: Annotated[
        str,
        Field(
            description="Where the server stored it: `path` itself, unless a folder of it already exists in another case, whose stored case it takes (`DOCS/b.txt` next to `Docs/a.txt` is stored as `Docs/b.txt`).",
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    version: Annotated[int, Field(ge=0, le=9223372036854775807)]
    seq: Annotated[
        int | None,
        Field(
            description="The change-log entry it made; null when nothing changed.",
            ge=1,
            le=9223372036854775807,
        ),
    ]


class Resolution(StrEnum):
    keep_local = "keep_local"
    keep_remote = "keep_remote"
    keep_both = "keep_both"


class ClashKind(StrEnum):
    file = "file"
    folder = "folder"
    case = "case"
    name = "name"


class Conflict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    id: UUID
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    old_path: LibraryPath | None
    device_id: Annotated[
        UUID | None,
        Field(
            description="The device whose change did not apply; null once that device was deleted (its open conflicts and their bytes stay until resolved)."
        ),
    ]
    change_type: ChangeType
    local_hash: ContentHash | None
    local_size: Annotated[int | None, Field(ge=0, le=9223372036854775807)]
    local_mtime: AwareDatetime | None
    server_hash: ContentHash | None
    server_version: Annotated[int, Field(ge=0, le=9223372036854775807)]
    detected_at: AwareDatetime
    resolved_at: AwareDatetime | None
    resolution: Resolution | None
    clash_path: Annotated[
        LibraryPath | None,
        Field(
            description="The live path this change clashes with (see `clash_kind`); null for a conflict between versions of one path."
        ),
    ]
    clash_kind: ClashKind | None


class ReportResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    accepted: list[AcceptedChange]
    conflicts: list[Conflict]
    upload_required: list[LibraryPath]


class ResolveRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    resolution: Resolution


class Change(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    seq: Annotated[int, Field(ge=1, le=9223372036854775807)]
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    change_type: ChangeType
    content_hash: ContentHash | None
    size: Annotated[int | None, Field(ge=0, le=9223372036854775807)]
    mtime: AwareDatetime | None
    version: Annotated[int, Field(ge=1, le=9223372036854775807)]
    old_path: LibraryPath | None
    device_id: UUID | None
    timestamp: AwareDatetime


class ChangesPage(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    changes: list[Change]
    cursor: Annotated[
        int,
        Field(
            description="The last seq returned (the request's cursor when none).",
            ge=0,
            le=9223372036854775807,
        ),
    ]
    has_more: bool


class FileEntry(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    version: Annotated[int, Field(ge=1, le=9223372036854775807)]
    content_hash: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]
    size: Annotated[int, Field(ge=0, le=9223372036854775807)]
    mtime: AwareDatetime | None


class FilesPage(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    files: list[FileEntry]
    next_after: Annotated[
        LibraryPath | None,
        Field(description="Pass as `after` for the next page; null on the last page."),
    ]
    cursor: Annotated[
        int,
        Field(
            description="The user's last seq when this page was read.",
            ge=0,
            le=9223372036854775807,
        ),
    ]


class AckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    cursor: Annotated[int, Field(ge=0, le=9223372036854775807)]
    device_id: UUID | None = None


class AckResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device_id: UUID
    cursor: Annotated[int, Field(ge=0, le=9223372036854775807)]


class UploadCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    target_path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    expected_hash: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]
    expected_size: Annotated[int, Field(ge=0, le=9223372036854775807)]
    chunk_size: Annotated[int, Field(ge=262144, le=67108864)] = 8388608
    mtime: Annotated[
        AwareDatetime | None,
        Field(
            description="A time a device states (a file's mtime): RFC 3339 with its UTC offset, from 0001-01-02 to 9999-12-30, so that it is a time in UTC too, which is how the server keeps and returns it.",
            examples=["2026-12-04T18:30:00+01:00"],
        ),
    ] = None
    device_id: UUID | None = None
    base_version: Annotated[int | None, Field(ge=0, le=9223372036854775807)] = None


class UploadStatus(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"
    expired = "expired"
    failed = "failed"


class ReceivedChunk(RootModel[int]):
    root: Annotated[int, Field(ge=0)]


class UploadSession(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    id: UUID
    target_path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    expected_hash: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]
    expected_size: Annotated[int, Field(ge=0, le=9223372036854775807)]
    chunk_size: Annotated[int, Field(ge=1, le=9223372036854775807)]
    chunk_count: Annotated[int, Field(ge=0, le=9223372036854775807)]
    received_chunks: list[ReceivedChunk]
    bytes_received: Annotated[int, Field(ge=0, le=9223372036854775807)]
    status: UploadStatus
    created_at: AwareDatetime
    expires_at: AwareDatetime


class ChunkReceipt(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    chunk_index: Annotated[int, Field(ge=0)]
    received_chunks: list[ReceivedChunk]
    bytes_received: Annotated[int, Field(ge=0, le=9223372036854775807)]


class UploadedFile(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    version: Annotated[int, Field(ge=1, le=9223372036854775807)]
    content_hash: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]
    size: Annotated[int, Field(ge=0, le=9223372036854775807)]


class UploadResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    session: UploadSession
    file: UploadedFile | None
    conflict: Conflict | None


class BatchItem(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    content_hash: Annotated[
        str,
        Field(
            description="Lowercase hex SHA-256.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            max_length=64,
            min_length=64,
            pattern="^[0-9a-f]{64}$",
        ),
    ]
    size: Annotated[
        int,
        Field(
            description="At most the largest chunk size (and the batch at most PINAKES_MAX_BATCH_BYTES): larger files take a resumable upload.",
            ge=0,
            le=67108864,
        ),
    ]
    mtime: Annotated[
        AwareDatetime | None,
        Field(
            description="A time a device states (a file's mtime): RFC 3339 with its UTC offset, from 0001-01-02 to 9999-12-30, so that it is a time in UTC too, which is how the server keeps and returns it.",
            examples=["2026-12-04T18:30:00+01:00"],
        ),
    ] = None
    base_version: Annotated[
        int | None,
        Field(
            description="The server version the device last synced; 0 or absent: it did not have it.",
            ge=0,
            le=9223372036854775807,
        ),
    ] = None


class BatchManifest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    device_id: Annotated[
        UUID | None,
        Field(
            description="Defaults to the token's device; a login token must name one."
        ),
    ] = None
    items: Annotated[list[BatchItem], Field(max_length=1000, min_length=1)]


class ItemProblem(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    type: Annotated[str, Field(examples=["hash-mismatch"])]
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str


class BatchOutcome(StrEnum):
    accepted = "accepted"
    conflict = "conflict"
    rejected = "rejected"


class BatchItemResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    index: Annotated[int, Field(ge=0)]
    path: Annotated[
        str,
        Field(
            description='Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path that would be new (a created or modified file, a move\'s or an upload\'s target not live now) must also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read, listed, deleted and moved away from.',
            examples=["Books/Ursula K. Le Guin/The Dispossessed.epub"],
            max_length=1024,
            min_length=1,
            pattern="^(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+)(?:/(?:[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.[^/\\\\.\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*|\\.\\.[^/\\\\\\x00-\\x1f\\x7f-\\x9f]+))*$",
        ),
    ]
    outcome: BatchOutcome
    accepted: AcceptedChange | None = None
    conflict: Conflict | None = None
    problem: ItemProblem | None = None


class BatchResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    items: Annotated[
        list[BatchItemResult], Field(description="One per manifest item, in its order.")
    ]


class DownloadBatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    paths: Annotated[
        list[LibraryPath],
        Field(
            description="Each path at most once (a path is compared in its NFC form): a repeat is a 400 naming it.",
            max_length=1000,
            min_length=1,
        ),
    ]


class Problem(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
    )
    type: Annotated[str, Field(examples=["validation-failed"])]
    title: Annotated[str, Field(examples=["Request validation failed"])]
    status: Annotated[int, Field(examples=[400], ge=100, le=599)]
    detail: Annotated[str, Field(examples=["body.name: '' is too short"])]
    errors: list[ValidationIssue] | None = None
    missing_chunks: list[MissingChunk] | None = None
    request_id: Annotated[
        str,
        Field(
            description="The request's id, as in its `X-Request-ID` response header."
        ),
    ]
