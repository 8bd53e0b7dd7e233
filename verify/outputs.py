"""Where outputs go: one complete generation per ``verify run``, and single files that never
overwrite a case's inputs or a run's folder unannounced (docs/reliability.md "Outputs").

``verify run CASE -o OUT``:

1. :func:`plan_run_folder` checks ``OUT`` before any input is read: not the working folder (``-o .``)
   or one above it, not the case folder or one above it, not a file, in a folder that can be
   written; an existing ``OUT`` holds a run manifest (``outputs.json``) and nothing else, or nothing.
2. :func:`generation` takes the lock ``OUT.lock`` beside ``OUT`` (a lock inside ``OUT`` would vanish
   with the swap); a second run gets "another run is writing here" (exit 2). The kernel releases the
   lock when a process dies, so a killed run never blocks the next one.
3. Under the lock it repairs what a killed run left (:func:`recover`): a half-done swap is finished
   or undone, the stale temporary folder ``OUT.part`` is removed.
4. Every output is written into ``OUT.part/``. :meth:`Generation.commit` writes the manifest (each
   file, its SHA-256 and size, the command, the statement id) and swaps: ``OUT`` → ``OUT.prev``,
   ``OUT.part`` → ``OUT``, then removes ``OUT.prev``. Both renames stay in one folder, so each is
   atomic (``os.replace``/``rename(2)``).
5. A run that fails before the commit (an error, exit 3, Ctrl-C, disk full) leaves ``OUT`` exactly as
   it was and, once its ``ledger.csv`` was written, moves it (what is needed to see why) to
   ``OUT.failed/`` with a ``FAILED.txt`` that says what happened; nothing there can pass for results.

Single files (``analyze -o``, ``normalize -o``, ``report -o``, ``check --ledger``):
:func:`plan_output_file` refuses a path that is one of the case's inputs or its case.toml, a folder,
or a file in a run's folder (one with ``outputs.json``) unless ``force``: then the manifest is marked
stale, naming the file written over it. Writing inside the case folder is allowed with a warning.
:meth:`OutputFile.writing` removes the ``.part`` files a killed writer of the same file left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from verify.errors import Location, OutputError, os_error_to_user_error
from verify.i18n import N_, Msg
from verify.fsutil import atomic_write_text, file_sha256

MANIFEST = "outputs.json"
MANIFEST_SCHEMA = "verify.outputs/1"
FAILED_NOTE = "FAILED.txt"
#: What a failed run keeps for diagnosis in OUT.failed/: the intake ledger, never results.
DIAGNOSIS_FILES = ("ledger.csv",)
#: The placeholder for the output folder in the recorded command (results.json ``reproduce``).
OUT_PLACEHOLDER = "OUT"

Notify = Callable[[Msg], None]


def _quiet(_: Msg) -> None:
    return None


# ----------------------------------------------------------------------------- paths and checks


@dataclass(frozen=True)
class RunFolder:
    """The output folder of one ``verify run`` and the folders and lock beside it."""

    shown: str  # the path as the user gave it (messages)
    path: Path  # resolved
    warnings: tuple[Msg, ...] = ()

    def beside(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def shown_beside(self, suffix: str) -> str:
        """A folder beside this one, named as the user named this one (messages)."""
        return str(Path(self.shown)) + suffix

    @property
    def temp(self) -> Path:
        return self.beside(".part")

    @property
    def prev(self) -> Path:
        return self.beside(".prev")

    @property
    def failed(self) -> Path:
        return self.beside(".failed")

    @property
    def lock(self) -> Path:
        return self.beside(".lock")


def _resolved(path: Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise OutputError(N_("cannot resolve the output path ({error})", error=str(exc)), Location(file=str(path))) from None


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_writable_parent(path: Path, shown: str) -> None:
    """The folder that will hold ``path`` exists or can be created, and can be written."""
    anchor = _nearest_existing(path.parent)
    if not anchor.is_dir():
        raise OutputError(N_("{path!r} is a file, so no folder can be made there", path=str(anchor)),
                          Location(file=shown), hint=N_("choose another output path (-o)"))
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise OutputError(N_("permission denied: the folder {path!r} cannot be written", path=str(anchor)),
                          Location(file=shown), hint=N_("choose a folder you can write (-o) or change its permissions"))


def _case_warning(target: Path, shown: str, case_root: Path | None) -> tuple[Msg, ...]:
    if case_root is None or not _is_within(target, case_root):
        return ()
    if _is_within(target, case_root / "expected"):
        return (N_("writing {path} into the case's expected/ folder: `verify replicate` compares with what is there",
                   path=shown),)
    return (N_("writing {path} inside the case folder {folder!r}", path=shown, folder=str(case_root)),)


def plan_run_folder(outdir: Path, case_root: Path | None = None) -> RunFolder:
    """Check ``verify run``'s output folder before any input is read (see the module docstring)."""
    shown = str(outdir)
    target = _resolved(outdir)
    here = _resolved(Path.cwd())
    root = None if case_root is None else _resolved(case_root)
    if _is_within(here, target):
        raise OutputError(N_("the output folder is the working folder or one above it; a run replaces its "
                             "output folder as a whole"), Location(file=shown), hint=N_("give a new folder, e.g. -o out/"))
    if root is not None and _is_within(root, target):
        raise OutputError(N_("the output folder is the case folder or one above it"), Location(file=shown),
                          hint=N_("give a folder for the outputs only, e.g. -o out/"))
    if target.exists() and not target.is_dir():
        raise OutputError(N_("the output path is a file, not a folder"), Location(file=shown),
                          hint=N_("give a folder for the outputs, e.g. -o out/"))
    check_writable_parent(target, shown)
    if target.is_dir():
        _check_replaceable(target, shown)
    return RunFolder(shown=shown, path=target, warnings=_case_warning(target, shown, root))


def _check_replaceable(folder: Path, shown: str) -> None:
    """An existing output folder may be replaced only when it holds one run's outputs and nothing else."""
    names = sorted(p.name for p in folder.iterdir())
    if not names:
        return
    manifest = read_manifest(folder)
    if manifest is None:
        raise OutputError(
            N_("the output folder holds files that are not the outputs of a verify run (no {manifest}): {files}",
               manifest=MANIFEST, files=_listing(names)), Location(file=shown),
            hint=N_("choose a new folder (-o), or move those files away; a run replaces its output folder as a whole"))
    known = {MANIFEST, *manifest_files(manifest)}
    foreign = [n for n in names if n not in known]
    if foreign:
        raise OutputError(N_("the output folder holds files that no verify run wrote: {files}", files=_listing(foreign)),
                          Location(file=shown),
                          hint=N_("move them away first; a run replaces its output folder as a whole"))


def _listing(names: list[str], at_most: int = 5) -> str | Msg:
    text = ", ".join(names[:at_most])
    return N_("{names} and {n} more", names=text, n=len(names) - at_most) if len(names) > at_most else text


# ----------------------------------------------------------------------------- the lock


class FolderLock:
    """An exclusive, non-blocking lock on ``lock_path`` (``flock``; released by the kernel when the
    process ends, so a killed run never leaves a lock that blocks). The lock file is removed on
    release; a process that locked a file just unlinked by its holder notices and tries again."""

    def __init__(self, lock_path: Path, shown: str):
        self.path = lock_path
        self.shown = shown
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                raise OutputError(N_("another run is writing here"), Location(file=self.shown),
                                  hint=N_("wait until it ends (its lock is {lock}) or choose another folder (-o)",
                                          lock=self.path.name))
            if _same_file(fd, self.path):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
                return self
            os.close(fd)  # the holder removed this lock file as we opened it: take a fresh one
        raise OutputError(N_("could not take the output folder's lock"), Location(file=self.shown))

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(self.fd)  # closing releases the lock
            self.fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
except ImportError:  # pragma: no cover - Windows: a byte-range lock, released when the process ends
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True


# ----------------------------------------------------------------------------- the manifest


def read_manifest(folder: Path) -> dict | None:
    """The run manifest of ``folder``, or None if there is none (or it is not one)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA or not isinstance(data.get("files"), list):
        return None
    return data


def manifest_files(manifest: dict) -> list[str]:
    """Every file a manifest accounts for: the run's and those written over it later (``stale``)."""
    names = [f.get("name") for f in manifest["files"] if isinstance(f, dict)]
    stale = manifest.get("stale") or {}
    names += [s.get("file") for s in stale.get("writes", []) if isinstance(s, dict)]
    return [n for n in names if isinstance(n, str)]


def manifest_matches(folder: Path, manifest: dict) -> bool:
    """Every file the manifest lists is there with its SHA-256."""
    for entry in manifest["files"]:
        path = folder / str(entry.get("name"))
        if not path.is_file() or file_sha256(path) != entry.get("sha256"):
            return False
    return True


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_manifest(folder: Path, names: Iterable[str], *, command: str, case_id: str | None,
                   statement_id: str | None) -> list[tuple[str, str]]:
    """Write ``folder/outputs.json`` for the files ``names``; returns (name, SHA-256) in that order."""
    digests = [(name, file_sha256(folder / name)) for name in names]
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "command": command,
        "case": case_id,
        "statement_id": statement_id,
        "files": [{"name": n, "sha256": d, "bytes": (folder / n).stat().st_size} for n, d in digests],
        "stale": None,
    }
    atomic_write_text(folder / MANIFEST, _dump(manifest))
    return digests


def mark_stale(folder: Path, written: str, command: str) -> None:
    """Record in ``folder``'s manifest that ``written`` was written over the run's outputs by ``command``."""
    manifest = read_manifest(folder)
    if manifest is None:
        return
    stale = manifest.get("stale") or {"note": "files were written here after the run: the run's "
                                              "outputs no longer form one generation", "writes": []}
    stale["writes"].append({"file": written, "command": command})
    manifest["stale"] = stale
    atomic_write_text(folder / MANIFEST, _dump(manifest))


# ----------------------------------------------------------------------------- recovery and swap


def recover(folder: RunFolder, notify: Notify = _quiet) -> None:
    """Repair what a run killed during its swap left (call with the lock held).

    * ``OUT`` missing and ``OUT.part`` complete (its manifest matches its files): the killed run had
      finished; its swap is completed.
    * ``OUT`` missing and ``OUT.prev`` there: the swap had begun; the previous generation is put back.
    * ``OUT.part`` and ``OUT.prev`` left over beside a complete ``OUT`` are removed.
    """
    out, temp, prev = folder.path, folder.temp, folder.prev
    if not out.exists():
        manifest = read_manifest(temp) if temp.is_dir() else None
        if manifest is not None and manifest_matches(temp, manifest):
            os.replace(temp, out)
            notify(N_("completed the swap of a run that was stopped while replacing {folder}", folder=folder.shown))
        elif prev.is_dir():
            os.replace(prev, out)
            notify(N_("put back the previous outputs in {folder} (a run was stopped while replacing them)",
                      folder=folder.shown))
    for leftover in (temp, prev):
        if leftover.exists():
            _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@dataclass
class Generation:
    """The temporary folder one run writes into; :meth:`commit` makes it the output folder."""

    folder: RunFolder
    names: list[str] = field(default_factory=list)
    committed: list[tuple[str, str]] | None = None

    def path(self, name: str) -> Path:
        """Where to write output ``name`` (inside ``OUT.part``); listed in the manifest in this order."""
        if name not in self.names:
            self.names.append(name)
        return self.folder.temp / name

    def commit(self, *, command: str, case_id: str | None, statement_id: str | None) -> list[tuple[str, str]]:
        """Write the manifest and swap the generation in; returns (name, SHA-256) of each output."""
        temp, out, prev = self.folder.temp, self.folder.path, self.folder.prev
        missing = [n for n in self.names if not (temp / n).is_file()]
        if missing:
            raise RuntimeError(f"outputs announced but not written: {', '.join(missing)}")
        digests = write_manifest(temp, self.names, command=command, case_id=case_id, statement_id=statement_id)
        if out.exists():
            os.replace(out, prev)
        try:
            os.replace(temp, out)
        except BaseException:
            if prev.exists() and not out.exists():
                os.replace(prev, out)
            raise
        self.committed = digests
        for leftover in (prev, self.folder.failed):
            with contextlib.suppress(OSError):
                if leftover.exists():
                    _remove(leftover)  # an earlier failed run's diagnosis is out of date now
        return digests


@contextlib.contextmanager
def generation(folder: RunFolder, notify: Notify = _quiet) -> Iterator[Generation]:
    """Write one generation of outputs (see the module docstring); a failure before
    :meth:`Generation.commit` leaves the output folder as it was."""
    for warning in folder.warnings:
        notify(warning)
    with _as_user_errors(folder.shown):
        folder.path.parent.mkdir(parents=True, exist_ok=True)
        with FolderLock(folder.lock, folder.shown):
            recover(folder, notify)
            if folder.path.is_dir():
                _check_replaceable(folder.path, folder.shown)  # again: another run may have been here
            folder.temp.mkdir()
            gen = Generation(folder)
            try:
                yield gen
                if gen.committed is None:
                    raise RuntimeError("the run ended without committing its outputs")
            except BaseException as exc:
                if gen.committed is None:
                    _keep_diagnosis(folder, exc, notify)
                raise


def _keep_diagnosis(folder: RunFolder, exc: BaseException, notify: Notify) -> None:
    """Move what the failed run wrote for diagnosis to ``OUT.failed/`` and drop the rest (best effort:
    a full disk may refuse even this)."""
    kept = []
    try:
        if folder.failed.exists():
            _remove(folder.failed)  # an earlier failed run's: out of date
        diagnosis = [name for name in DIAGNOSIS_FILES if (folder.temp / name).is_file()]
        if diagnosis:
            folder.failed.mkdir()
            for name in diagnosis:
                os.replace(folder.temp / name, folder.failed / name)
                kept.append(name)
            (folder.failed / FAILED_NOTE).write_text(_failed_note(exc, kept), encoding="utf-8")
    except OSError:
        pass
    with contextlib.suppress(OSError):
        _remove(folder.temp)
    unchanged = (N_("{folder} was not changed", folder=folder.shown) if folder.path.exists()
                 else N_("nothing was written to {folder}", folder=folder.shown))
    if kept:
        notify(N_("the run did not finish: {unchanged}; this run's {files} is in {failed}", unchanged=unchanged,
                  files=", ".join(kept), failed=folder.shown_beside(".failed")))
    else:
        notify(N_("the run did not finish: {unchanged}", unchanged=unchanged))


def _failed_note(exc: BaseException, kept: list[str]) -> str:
    what = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
    return (f"This run of verify did not finish: {what}\n"
            f"Kept for diagnosis: {', '.join(kept) or 'nothing'}. These are not results; the output folder "
            f"beside this one still holds the previous complete run, if there was one.\n")


@contextlib.contextmanager
def _as_user_errors(shown: str) -> Iterator[None]:
    """Operating-system errors while writing outputs become exit-2 errors saying what to do."""
    try:
        yield
    except OSError as exc:
        converted = os_error_to_user_error(exc, shown)
        if converted is None:
            raise
        raise converted from None


# ----------------------------------------------------------------------------- single files


@dataclass(frozen=True)
class OutputFile:
    """One output file of ``analyze``, ``normalize``, ``report`` or ``check --ledger``."""

    shown: str
    path: Path  # resolved
    run_folder: bool  # the file goes into a folder with a run manifest (only with force)
    warnings: tuple[Msg, ...] = ()

    @contextlib.contextmanager
    def writing(self, command: str, notify: Notify = _quiet) -> Iterator[Path]:
        """Yield the path to write; remove a killed writer's ``.part`` files first; mark the run
        manifest stale afterwards (when writing into a run's folder)."""
        for warning in self.warnings:
            notify(warning)
        with _as_user_errors(self.shown):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = RunFolder(self.shown, self.path.parent) if self.run_folder else None
            lock_path = lock.lock if lock else self.path.with_name(f".{self.path.name}.lock")
            with FolderLock(lock_path, self.shown):
                remove_stale_parts(self.path)
                yield self.path
                if self.run_folder:
                    mark_stale(self.path.parent, self.path.name, command)
                    notify(N_("marked the run's {manifest} in {folder!r} as stale", manifest=MANIFEST,
                              folder=str(Path(self.shown).parent)))


def remove_stale_parts(target: Path) -> list[Path]:
    """Remove the temporary files (``.<stem>.part-*<suffix>``, verify.fsutil) a killed writer of
    ``target`` left; call with the target's lock held."""
    removed = []
    for part in target.parent.glob(f".{target.stem}.part-*{target.suffix}"):
        with contextlib.suppress(OSError):
            part.unlink()
            removed.append(part)
    return removed


def plan_output_file(path: Path, case=None, *, force: bool = False) -> OutputFile:
    """Check a single output file before any input is read (see the module docstring).

    ``case``: the loaded :class:`verify.case.Case` whose inputs must not be overwritten, or None."""
    shown = str(path)
    target = _resolved(path)
    root = None if case is None else _resolved(case.root)
    if case is not None and target in _case_inputs(case):
        raise OutputError(N_("the output path is one of the case's inputs; writing there would destroy it"),
                          Location(file=shown), hint=N_("give another output path (-o)"))
    if target.is_dir():
        raise OutputError(N_("the output path is a folder; give a file name"), Location(file=shown))
    check_writable_parent(target, shown)
    in_run_folder = read_manifest(target.parent) is not None
    if in_run_folder and not force:
        raise OutputError(N_("the folder holds the outputs of a verify run ({manifest}); writing one file "
                             "there would mix two runs", manifest=MANIFEST), Location(file=shown),
                          hint=N_("write elsewhere, or pass --force (the run's manifest is then marked stale)"))
    return OutputFile(shown=shown, path=target, run_folder=in_run_folder, warnings=_case_warning(target, shown, root))


def _case_inputs(case) -> set[Path]:
    from verify.case import CASE_FILE

    paths = {_resolved(case.root / CASE_FILE)}
    for spec in case.manifest.file:
        with contextlib.suppress(Exception):
            paths.add(_resolved(case.resolve(spec.path)))
    return paths
