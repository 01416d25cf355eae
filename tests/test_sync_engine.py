"""The sync engine's promise about local bytes, checked in-process where timing is controllable."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from pinakes_sync.engine import Engine, PassSummary, RemoteState
from pinakes_sync.state import FolderState, Synced


class EditingRemote:
    """Downloads the server's bytes, while the person edits the same file meanwhile."""

    def __init__(self, folder: Path, server_bytes: bytes, edit: bytes | None) -> None:
        self.folder, self.server_bytes, self.edit = folder, server_bytes, edit

    def download_to(self, path: str, out: BinaryIO, *, expected_hash: str) -> str:
        out.write(self.server_bytes)
        if self.edit is not None:
            (self.folder / path).write_bytes(self.edit)
        return expected_hash


def synced_folder(tmp_path: Path, content: bytes) -> tuple[Path, FolderState]:
    (tmp_path / "doc.txt").write_bytes(content)
    stat = (tmp_path / "doc.txt").stat()
    state = FolderState(server="http://unused", username="u", device_id="d", cursor=0)
    state.files["doc.txt"] = Synced(1, hashlib.sha256(content).hexdigest(), stat.st_size,
                                    stat.st_mtime_ns)  # fmt: skip
    return tmp_path, state


def test_an_edit_made_while_a_download_lands_is_kept(tmp_path: Path) -> None:
    folder, state = synced_folder(tmp_path, b"v1")
    remote = EditingRemote(folder, b"v2 from the server", edit=b"edited here meanwhile")
    engine = Engine(folder, state, remote)  # type: ignore[arg-type]
    new_hash = hashlib.sha256(b"v2 from the server").hexdigest()
    engine.apply(RemoteState("doc.txt", 2, new_hash), PassSummary())
    assert (folder / "doc.txt").read_bytes() == b"edited here meanwhile"
    assert state.deferred == {"doc.txt": (2, new_hash)}
    assert state.files["doc.txt"].version == 1  # still based on v1: pushing it conflicts
    assert [p.name for p in folder.iterdir()] == ["doc.txt"]  # no temp file left behind


def test_without_an_edit_the_download_replaces_the_file(tmp_path: Path) -> None:
    folder, state = synced_folder(tmp_path, b"v1")
    engine = Engine(folder, state, EditingRemote(folder, b"v2", edit=None))  # type: ignore[arg-type]
    new_hash = hashlib.sha256(b"v2").hexdigest()
    engine.apply(RemoteState("doc.txt", 2, new_hash), PassSummary())
    assert (folder / "doc.txt").read_bytes() == b"v2"
    assert state.files["doc.txt"].version == 2 and state.deferred == {}


def test_a_remote_delete_of_a_locally_edited_file_is_deferred(tmp_path: Path) -> None:
    folder, state = synced_folder(tmp_path, b"v1")
    (folder / "doc.txt").write_bytes(b"edited")
    engine = Engine(folder, state, EditingRemote(folder, b"", edit=None))  # type: ignore[arg-type]
    engine.apply(RemoteState("doc.txt", 2, None), PassSummary())
    assert (folder / "doc.txt").read_bytes() == b"edited"
    assert state.deferred == {"doc.txt": (2, None)}
