"""The synced folder, reached only through directory descriptors: nothing escapes it.

Every path is walked from a descriptor of the folder's root one component at a time with
O_NOFOLLOW, and files are created, renamed and removed relative to their parent's descriptor,
so a symlink in the folder (even one swapped in mid-pass) can never send a write, rename or
delete elsewhere. What stands in the way of a remote change (a folder where a file goes, a
symlink, a special file, a name this file system refuses or folds into another, no
permission) is an Obstacle: the change is "not applied here", never forced.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

from pinakes import sha256_of

TEMP_PREFIX = ".pinakes-part-"
# Linux's syncfs(2); elsewhere (macOS has none) `sync` falls back to os.sync().
_syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
WALK_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# What the file system says when a name is no good here, or we may not touch it.
_REFUSED = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the name is too long for this file system",
    errno.EINVAL: "this file system refuses the name",
    errno.EILSEQ: "this file system refuses the name",
}


class Obstacle(Exception):
    """A local reason a remote change cannot be applied at `path`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class LocalFile:
    content_hash: str
    size: int
    mtime_ns: int
    inode: int = 0

    def same_file(self, found: os.stat_result) -> bool:
        """`found` is still this file, unchanged (the size and mtime it was hashed at)."""
        return (self.size, self.mtime_ns) == (found.st_size, found.st_mtime_ns)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder is here"
    if stat.S_ISLNK(mode):
        return "a symlink is here"
    return "a special file is here"


class LocalFolder:
    def __init__(self, root: os.PathLike[str] | str) -> None:
        self.root = os.fspath(root)
        self._root_fd = os.open(self.root, WALK_FLAGS)
        # Test hook: called with a path just before its parent is walked for a write.
        self.before_write: Callable[[str], None] | None = None
        self.folds_names = self._probe_folding()

    def close(self) -> None:
        os.close(self._root_fd)

    def open_root(self) -> int:
        """A new descriptor of the folder itself (the caller closes it), to walk it by."""
        return os.open(".", WALK_FLAGS, dir_fd=self._root_fd)

    def _probe_folding(self) -> bool:
        """Does this file system answer for a name in another case or Unicode form (macOS,
        Windows)? Then every name found is checked against its folder's listing."""
        probe = f"{TEMP_PREFIX}probe-{uuid.uuid4().hex}-Aé"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            os.close(os.open(probe, flags, 0o600, dir_fd=self._root_fd))
        except OSError:
            return True  # cannot tell: assume it does, which is only slower
        try:
            for variant in (probe.lower(), unicodedata.normalize("NFD", probe)):
                with contextlib.suppress(FileNotFoundError):
                    os.stat(variant, dir_fd=self._root_fd, follow_symlinks=False)
                    return True
            return False
        finally:
            os.unlink(probe, dir_fd=self._root_fd)

    # --- walking ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _parent(self, path: str, create: bool = False) -> Iterator[tuple[int, str]]:
        """(a descriptor of the folder holding `path`, its last name); Obstacle when a folder
        on the way is not a real folder of ours; FileNotFoundError when one is missing."""
        *folders, name = path.split("/")
        fd = os.dup(self._root_fd)
        try:
            for depth, folder in enumerate(folders, start=1):
                where = "/".join(folders[:depth])
                try:
                    inner = os.open(folder, WALK_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    self._refusing(path, partial(os.mkdir, folder, 0o777, dir_fd=fd))
                    inner = os.open(folder, WALK_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                        raise Obstacle(path, f"{where!r} here is not a folder") from None
                    raise self._refused(path, exc) from None
                os.close(fd)
                fd = inner
            yield fd, name
        finally:
            os.close(fd)

    def _refused(self, path: str, exc: OSError) -> Exception:
        reason = _REFUSED.get(exc.errno or 0)
        return Obstacle(path, reason) if reason else exc

    def _refusing(self, path: str, call: Callable[[], object]) -> None:
        try:
            call()
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._refused(path, exc) from None

    # --- reading ------------------------------------------------------------------------

    def lstat(self, path: str) -> os.stat_result | None:
        """The entry at `path` itself (a symlink is not followed); None when absent."""
        try:
            with self._parent(path) as (fd, name):
                found = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not self._exact(fd, name):
                    raise Obstacle(path, "this file system folds the name into another one")
                return found
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._refused(path, exc) from None

    def _exact(self, fd: int, name: str) -> bool:
        """`name` is listed as itself: a case-insensitive (or normalising) file system
        answers for `Docs` when only `docs` is there."""
        return not self.folds_names or name in os.listdir(fd)

    def regular(self, path: str) -> os.stat_result | None:
        """The regular file at `path`, None when absent; Obstacle for anything else."""
        found = self.lstat(path)
        if found is not None and not stat.S_ISREG(found.st_mode):
            raise Obstacle(path, _kind(found.st_mode))
        return found

    @contextlib.contextmanager
    def open_read(self, path: str) -> Iterator[BinaryIO]:
        with self._parent(path) as (parent, name):
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise Obstacle(path, _kind(os.fstat(fd).st_mode))
            yield handle

    def hash(self, path: str) -> LocalFile:
        """What the file holds now, read through a descriptor that cannot be a symlink."""
        with self.open_read(path) as handle:
            before = os.fstat(handle.fileno())
            content_hash, _ = sha256_of(lambda: contextlib.nullcontext(handle))
        return LocalFile(content_hash, before.st_size, before.st_mtime_ns, before.st_ino)

    # --- writing ------------------------------------------------------------------------

    def install(
        self,
        path: str,
        fill: Callable[[BinaryIO], object],
        mtime_ns: int | None,
        still: Callable[[os.stat_result | None], bool],
    ) -> os.stat_result | None:
        """Write a new version of `path` beside it, fsync, and rename it into place, but only
        if `still(what is there now)`; else leave the target alone and return None."""
        temp = self.stage(path, fill, mtime_ns, durable=True)
        return self.place(path, temp, still, durable=True)

    def stage(
        self, path: str, fill: Callable[[BinaryIO], object], mtime_ns: int | None, durable: bool
    ) -> str:
        """A new version of `path` written to a temp file beside it (its name is returned, for
        `place`). Not `durable`: `sync` makes many staged files durable at once, before any of
        them is placed."""
        if self.before_write:
            self.before_write(path)
        with self._parent(path, create=True) as (parent, _):
            temp = f"{TEMP_PREFIX}{uuid.uuid4().hex}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                fd = os.open(temp, flags, 0o644, dir_fd=parent)
            except OSError as exc:
                raise self._refused(path, exc) from None
            try:
                with os.fdopen(fd, "wb") as out:
                    fill(out)
                    out.flush()
                    if durable:
                        os.fsync(out.fileno())
                    if mtime_ns is not None:
                        os.utime(out.fileno(), ns=(mtime_ns, mtime_ns))
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp, dir_fd=parent)
                raise
            return temp

    def place(
        self,
        path: str,
        temp: str,
        still: Callable[[os.stat_result | None], bool],
        durable: bool,
    ) -> os.stat_result | None:
        """Rename a staged file over `path` if `still(what is there now)`, else leave the
        target alone and return None; the temp file is gone either way. Not `durable`: the
        rename is made durable by the next `sync`. FileNotFoundError when the temp file (or a
        folder on its way) went meanwhile."""
        with self._parent(path) as (parent, name):
            try:
                current = self._entry(path, parent, name)
                if not still(current):
                    return None
                self._refusing(
                    path, lambda: os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
                )
                if durable:
                    os.fsync(parent)
                return os.stat(name, dir_fd=parent, follow_symlinks=False)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp, dir_fd=parent)

    def discard(self, path: str, temp: str) -> None:
        """A staged file that will not be placed (best effort: a scan skips temp files)."""
        with contextlib.suppress(OSError, Obstacle), self._parent(path) as (parent, _):
            os.unlink(temp, dir_fd=parent)

    def sync(self) -> None:
        """Everything written in the folder's file system made durable, in one call."""
        if _syncfs is None:
            os.sync()
            return
        if _syncfs(self._root_fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))

    def _entry(self, path: str, parent: int, name: str) -> os.stat_result | None:
        """The regular file `name` in `parent`, or None; Obstacle for anything else there."""
        try:
            found = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(found.st_mode):
            raise Obstacle(path, _kind(found.st_mode))
        if not self._exact(parent, name):
            raise Obstacle(path, "this file system folds the name into another one")
        return found

    @staticmethod
    def _stat_at(parent: int, name: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def remove(self, path: str, still: Callable[[os.stat_result], bool]) -> bool:
        """Delete the regular file at `path` if `still(it)`; False when it was left alone."""
        try:
            with self._parent(path) as (parent, name):
                current = self._entry(path, parent, name)
                if current is None:
                    return True
                if not still(current):
                    return False
                self._refusing(path, lambda: os.unlink(name, dir_fd=parent))
        except FileNotFoundError:
            return True
        self.prune(path)
        return True

    def rename(self, old: str, new: str) -> None:
        """Move a regular file within the folder; the new path must be free."""
        if self.before_write:
            self.before_write(new)
        with (
            self._parent(old) as (old_parent, old_name),
            self._parent(new, create=True) as (
                new_parent,
                new_name,
            ),
        ):
            moving = self._entry(old, old_parent, old_name)
            if moving is None:
                raise FileNotFoundError(old)
            there = self._stat_at(new_parent, new_name)
            if there is not None and there.st_ino != moving.st_ino:  # (the same: a case rename)
                raise Obstacle(
                    new, "a file is here" if stat.S_ISREG(there.st_mode) else _kind(there.st_mode)
                )
            self._refusing(
                new,
                lambda: os.rename(old_name, new_name, src_dir_fd=old_parent, dst_dir_fd=new_parent),
            )
        self.prune(old)

    def prune(self, path: str) -> None:
        """Remove the folders of `path` that are left empty, innermost first."""
        folders = path.split("/")[:-1]
        while folders:
            where = "/".join(folders)
            try:
                with self._parent(where) as (parent, name):
                    os.rmdir(name, dir_fd=parent)
            except (OSError, Obstacle):
                return
            folders.pop()
