"""Run the student side of each graded test in a contained worker; judge it in the runner.

For every test, ``grade`` makes the test's inputs (here, in the trusted runner), starts a
worker (``worker.py``, under the chosen ``containment``) in a fresh private folder, and
watches two pipes: the worker's output (stdout and stderr together; only the last
``Settings.output_bytes`` are kept, with a note of what was dropped) and its result pipe
(``protocol``: ``CONTAINED``, ``READY``, then the computed arrays, at most ``protocol.MAX_RESULT_BYTES``).
The worker never holds the runner's stdout or stderr.

Time: the start (a fresh Python importing NumPy and containing itself) may take ``startup``
seconds; the test's own limit ``timeout`` counts from ``CONTAINED``, before any code of the hand-in's
runs (its import counts); both come out of the hand-in's wall clock ``handin_timeout``, after
which its remaining tests are not run. A worker past its limit is killed with everything it
started (see ``containment``); the test fails with ``TIMEOUT``, a worker that dies early with
``CRASH``; either costs only that test.
The verdict is ``grading.judge`` on the arrays received, in this process.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import hashlib
import importlib.util
import json
import math
import os
import queue
import re
import selectors
import signal
import site
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from . import protocol
from .archives import ARCHIVE_SUFFIXES
from .cgroups import HandinCgroup
from .containment import (
    _CAP_SYS_PTRACE,
    Containment,
    _alive,
    _effective_capabilities,
    alive_in_session,
    forget,
    kill_leftovers,
    kill_uid,
    kill_watched,
    remove_files_of,
    remove_ipc_of,
    remove_tree,
    start_watched,
)  # fmt: skip
from .grading import QUOTE, GradedTest, Outcome, judge, quoted_lines
from .jail import ROOT_INODES, bound_folders, copy_package, readable_paths
from .report import INDENT

__all__ = ["ReferenceSearchError", "Settings", "grade", "hide", "look_for_references", "probe"]

_WORKER = Path(__file__).resolve().parent / "worker.py"
_GRADER = str(Path(__file__).resolve().parent)
_FRAME = 1 + 1 + 1 + 8  # CONTAINED, READY, DATA, the payload's length
_PREFIX = protocol.CONTAINED + protocol.READY + protocol.DATA


@dataclass(frozen=True)
class Settings:
    """How workers are bounded (the command line's options).

    Attributes:
        timeout: seconds a test may run once its worker is contained: importing the hand-in and running the test.
            (Until 2026-12-05 it counted from ``READY``, which the hand-in's code, running in the worker, can keep
            back: a right kernel 5 s slow passed under ``--timeout 3`` on ``--startup-timeout``'s time.)
        startup: seconds a worker may take to start (Python, NumPy, its containment: nothing of the hand-in's).
        handin_timeout: seconds all of a hand-in's tests may take together, start-ups included.
        memory_mb: address space per worker process (``RLIMIT_AS``).
        max_procs: processes (and threads) per worker (``RLIMIT_NPROC``; with a uid or user
            namespace of its own; under ``none``, which shares its user's count, the worker may
            add ``max_procs - 1`` to the tasks its user has when it starts, ``jail._cap_processes``,
            which binds a runner that is not root), so a hand-in's memory is at most
            ``memory_mb * max_procs * jobs``. Where the runner can make a cgroup (root), all of a
            hand-in's processes and threads together are also limited to ``max_procs * jobs``
            (the one limit that binds under ``none`` as root).
        jobs: workers at once.
        handin_memory_mb: all of a hand-in's processes together, where the runner can make
            a cgroup for them (``cgroups``; root only).
        output_bytes: how much of a worker's output is kept (its end), and shown under a failed test
            (each line counted with the report's indentation and quote, ``_shown_output``).
        file_mb: the largest file a worker may write (``RLIMIT_FSIZE``), and the most its folder
            may hold: the size of its private tmpfs (under ``namespaces``; under ``uid`` and
            ``none`` where the runner is root and may mount, ``jail._own_tmpfs``), and what the
            runner lets a test's folder on the disk hold (``_too_full``, every ``DISK_CHECK`` s).
    """

    timeout: float = 10.0
    startup: float = 30.0
    handin_timeout: float = 300.0
    memory_mb: int = 2048
    max_procs: int = 8
    jobs: int = 1
    handin_memory_mb: int = 2048
    output_bytes: int = 64 * 1024
    file_mb: int = 64


DISK_CHECK = 0.1
"""Seconds between two looks of the runner at what a ``uid`` or ``none`` test's folder holds."""
HELD_CHECK = 0.5
"""Seconds between two looks that also count the files the test's processes hold after unlinking them
(``_held_after_unlinking``: finding the processes and reading their descriptors and maps costs about 6 ms),
and longer where such a look took more than ``HELD_SHARE`` of that time."""
HELD_SHARE = 0.1
"""The most of the runner's time those looks may take: the next comes no sooner than the last one's cost over
this. A process's maps may have 65,530 lines (``vm.max_map_count``): until 2026-12-04 a hand-in of 7 processes
that each mapped 32,000 pages apart, and slept, cost the runner 3.5 s of CPU over its two tests' 16 s (0.74 s
otherwise), outside every limit of the hand-in's."""


def _held_after_unlinking(pids: list[int], folder: str, uid: int | None = None) -> int | None:
    """The bytes of the files once under ``folder`` that ``pids`` (of ``uid``, if given) keep open or mapped after
    removing their names: the disk they hold, which no look at the folder sees (until 2026-12-04 a worker whose
    folder is on the disk, under ``uid`` where the runner may not mount, held 24 MiB in files unlinked
    while kept open and 8 MiB in files unlinked while mapped under ``--disk 8``, and its test went on;
    64 open files of ``--disk`` MiB per process were possible). A file open through a descriptor counts
    its blocks; one only mapped, the end of its furthest mapping (its size, were the runner to open it,
    is out of reach without ``CAP_SYS_ADMIN``). None where a process that has not ended could not be read, twice
    ``REREAD`` seconds apart (one made undumpable: ``_reading_as``): what it holds is hidden."""
    inside, held = folder.rstrip(os.sep) + os.sep, {}
    with _reading_as(uid):
        for pid in pids:
            if not _held_by(pid, inside, held):
                time.sleep(REREAD)  # (one more look before a verdict that fails the test)
                if not _held_by(pid, inside, held):
                    return None
    return sum(held.values())


REREAD = 0.05
"""Seconds before the runner reads a process it could not read once more (``_held_after_unlinking``). The worker
itself is never read before it is readable (``_FolderWatch``: not before it says ``protocol.CONTAINED``)."""


def _held_by(pid: int, inside: str, held: dict[tuple[int, int], int]) -> bool:
    """Add to ``held`` (by device and inode) what ``pid`` keeps open or mapped under ``inside`` after unlinking
    it; False where the kernel refused to show its descriptors or maps and it has not ended. Every thread's
    descriptors count: a thread may have a table of its own (``unshare(CLONE_FILES)``), which ``/proc/<pid>/fd``,
    the first thread's, does not show (until 2026-12-05 a hand-in held 64 MiB so under ``--disk 16`` for as long as
    its test ran: 64 files of ``--disk`` MiB per thread). The threads share the process's maps, which a first thread
    that has ended (``pthread_exit``) no longer shows: they are read from the first thread that shows any."""
    try:
        lines: list[bytes] = []
        descriptors = []
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                if not lines:
                    with open(f"/proc/{pid}/task/{task}/maps", "rb") as maps:
                        lines = maps.read().splitlines()
                descriptors += [f"/proc/{pid}/task/{task}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/task/{task}/fd")]
            except FileNotFoundError:  # (a thread that ended meanwhile: its own descriptors are closed)
                continue
    except PermissionError:
        try:
            return not _alive(str(pid))  # (a zombie's are closed to all but root)
        except OSError:
            return True
    except OSError:  # (ended meanwhile)
        return True
    for link in descriptors:
        try:
            if os.readlink(link).startswith(inside):
                info = os.stat(link)
                if info.st_nlink == 0 and stat.S_ISREG(info.st_mode):
                    key = (info.st_dev, info.st_ino)
                    held[key] = max(held.get(key, 0), info.st_blocks * 512)
        except OSError:
            continue
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or not fields[5].endswith(b" (deleted)") or not fields[5].startswith(os.fsencode(inside)):
            continue
        start, end = (int(bound, 16) for bound in fields[0].split(b"-"))
        major, minor = (int(number, 16) for number in fields[3].split(b":"))
        key = (os.makedev(major, minor), int(fields[4]))
        held[key] = max(held.get(key, 0), int(fields[2], 16) + end - start)
    return True


@contextlib.contextmanager
def _reading_as(uid: int | None) -> Iterator[None]:
    """This thread's file-system uid and gid switched to a ``uid`` worker's for the block, where the runner lacks
    ``CAP_SYS_PTRACE`` (Docker's default capabilities): reading another uid's ``/proc/<pid>/fd`` and maps takes
    that capability or the process's own uid, as file-system uid, and the process dumpable (a worker makes itself
    so and may not undo it: ``jail._DUMPABLE_CALLS``). Until 2026-12-05 such a runner counted none of what a
    worker held after unlinking (up to 64 open files of ``--disk`` MiB per process, ``--max-procs`` processes).
    (``setfsuid`` changes the calling thread only; the runner's file capabilities come back with its own.)"""
    if uid is None or _effective_capabilities() & (1 << _CAP_SYS_PTRACE):
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)  # (loaded here: Linux's calls, and the runner starts off Linux too)
    libc.setfsgid(ctypes.c_uint32(uid))
    libc.setfsuid(ctypes.c_uint32(uid))
    try:
        yield
    finally:
        libc.setfsuid(ctypes.c_uint32(os.geteuid()))
        libc.setfsgid(ctypes.c_uint32(os.getegid()))


def _too_full(
    folder: Path, max_bytes: int, max_entries: int, pids: Callable[[], list[int]] | None = None, uid: int | None = None
) -> str | None:
    """Why ``folder`` holds more than a test may leave on the disk (``max_bytes`` of blocks, or
    ``max_entries`` files and folders), or None. With ``pids`` (the test's processes), the files
    they keep open or mapped after unlinking them count too (``_held_after_unlinking``, as ``uid``'s reader), and
    one of them the runner cannot read is over the limit. Until
    2026-12-03 a ``uid`` or ``none`` worker could write files of ``RLIMIT_FSIZE`` each, as many as
    it liked, into its folder on the runner's disk for the length of its test (``namespaces`` caps
    its tmpfs). The walk stops at
    ``max_entries``: a folder swapped for a link meanwhile (followed above its last component)
    costs the runner that many ``lstat`` calls at most and the hand-in its own test. A folder it
    cannot open or a file it cannot ``lstat`` (a path over ``PATH_MAX``, a folder made without read
    permission by a worker of the runner's own user) would hide what it holds: such a folder is
    over the limit too."""
    held = _held_after_unlinking(pids(), os.fspath(folder), uid) if pids is not None else 0
    if held is None:
        return "a process the runner cannot look into (what it keeps open after unlinking is hidden)"
    used, entries, folders = held, 0, [os.fspath(folder)]
    if used > max_bytes:
        return f"more than {max_bytes // 2**20} MB ({held // 2**20} MB in files unlinked while kept open or mapped)"
    while folders:
        path = folders.pop()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):  # removed, or swapped for a file or a link, meanwhile
            continue
        except OSError as error:  # a path over PATH_MAX, a folder made without read permission: what it holds is hidden
            if error.errno == errno.ELOOP:
                continue
            return f"a folder the runner cannot look into ({error.strerror})"
        try:
            with os.scandir(fd) as listing:
                for entry in listing:
                    entries += 1
                    if entries > max_entries:
                        return f"more than {max_entries} files and folders"
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    except OSError as error:
                        return f"a file the runner cannot look at ({error.strerror})"
                    used += info.st_blocks * 512
                    if used > max_bytes:
                        unseen = f" ({held // 2**20} MB in files unlinked while kept open or mapped)" if held else ""
                        return f"more than {max_bytes // 2**20} MB{unseen}"
                    if stat.S_ISDIR(info.st_mode):
                        folders.append(os.path.join(path, entry.name))
        except OSError:
            continue
        finally:
            os.close(fd)
    return None


class _FolderWatch:
    """``_too_full`` of a test's folder, called every ``DISK_CHECK`` seconds: with the files its processes
    (``pids()``) hold after unlinking them every ``HELD_CHECK`` seconds, or less often where that look cost
    this thread more than ``HELD_SHARE`` of the time since (``held=False``: the folder alone). ``_watch`` passes
    ``held=False`` until the worker has said ``protocol.CONTAINED``: before that no process of the hand-in's exists,
    and a ``uid`` worker is unreadable to a runner without ``CAP_SYS_PTRACE`` from its switch of uid until it makes
    itself dumpable again (``jail._drop_privileges``). Until 2026-12-05 the runner guessed by time (a second look
    ``REREAD`` seconds later), and a worker that took longer there, on a loaded machine, failed its test with
    ``DISK`` though its hand-in had written nothing."""

    def __init__(self, folder: Path, max_bytes: int, pids: Callable[[], list[int]], uid: int | None = None) -> None:
        self.folder, self.max_bytes, self.pids, self.uid = folder, max_bytes, pids, uid
        self.next_held = time.monotonic() + HELD_CHECK

    def __call__(self, held: bool = True) -> str | None:
        if not held or time.monotonic() < self.next_held:
            return _too_full(self.folder, self.max_bytes, ROOT_INODES)
        cpu = time.thread_time()  # (this thread's own CPU: the runner's cost, whatever the machine's load)
        found = _too_full(self.folder, self.max_bytes, ROOT_INODES, self.pids, self.uid)
        self.next_held = time.monotonic() + max(HELD_CHECK, (time.thread_time() - cpu) / HELD_SHARE)
        return found


@dataclass
class _Watch:
    """What the runner saw of one worker."""

    payload: bytes | None = None
    problem: str | None = None
    output: bytes = b""
    dropped: int = 0
    contained: bool = False  # the worker said CONTAINED: nothing of the hand-in's ran before
    ready: bool = False
    oom_killed: bool = False  # the kernel killed a process of the hand-in's cgroup meanwhile
    disk: str | None = None  # what the test's folder held over its limit (the worker was stopped then)
    left: int = 0  # processes of the worker's still running once it had ended (killed then)


def _cpu_seconds(settings: Settings) -> int:
    """A worker's CPU-time limit: its wall-clock limits and a second (more only with threads)."""
    return math.ceil(settings.startup + settings.timeout) + 1


PRIORITY_LIMITS = {"RTPRIO": 0, "NICE": 0, "MEMLOCK": 0}
"""No real-time policy, no nice value below 0 and no locked memory for a worker: a process without
``CAP_SYS_NICE`` or ``CAP_IPC_LOCK`` (every worker) may still take them up to these limits, which it
inherits from the runner (until 2026-12-04 a runner started with ``RLIMIT_RTPRIO`` 99, as a login in
an ``audio`` or ``realtime`` group has, let a hand-in make itself ``SCHED_FIFO``: a busy loop then
starves every normal process of its CPU, the runner included, but for the kernel's 5 % left to them;
its nice value below the runner's likewise; here a worker locked up to the runner's 8 MiB of memory
against swap). Both soft and hard are 0, so no worker can raise them again."""


CORE_LIMIT = 1
"""A worker's ``RLIMIT_CORE``, soft and hard: no core dump. Where the kernel pipes core dumps to a program
(``core_pattern`` starting with ``|``, as apport and systemd-coredump set it on most distributions' hosts), a limit
of 0 stops nothing: until 2026-12-04 every crash of a hand-in's process (a segmentation fault is one ``ctypes`` call)
sent its memory, up to ``--memory``, to that program, outside every limit of the hand-in's, and Debian's
systemd-coredump, which ignores the limit, stored it. The kernel takes 1 to mean no dump there, and a file of one byte
is too small for a core; the workers' seccomp filters refuse to change it (``jail._CORE_LIMIT_CALLS``)."""


def _limits(settings: Settings, containment: Containment) -> dict[str, int]:
    limits = {
        "CPU": _cpu_seconds(settings),
        "AS": settings.memory_mb * 2**20,
        "FSIZE": settings.file_mb * 2**20,
        "NOFILE": 64,
        "CORE": CORE_LIMIT,
        "MSGQUEUE": 0,  # no POSIX message queue: one outlives its processes, and /dev/mqueue may not even be mounted
        **PRIORITY_LIMITS,
    }
    if containment.mode != "none":  # counted per uid (under none, by the worker: jail._cap_processes)
        limits["NPROC"] = settings.max_procs
    return limits


def _environment(home: str) -> dict[str, str]:
    """Nothing of the runner's environment: a path, a locale, one BLAS thread."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _copy_package(handin: Path, folder: Path) -> None:
    """``handin/mytorch`` (only the package, without ``jail.NOT_COPIED``) into ``folder``, new."""
    folder.mkdir()
    copy_package(str(handin), str(folder))


def _chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def _watch(process: subprocess.Popen, result_fd: int, start_limit: float, test_limit, keep: int,
           too_full: Callable[[], str | None] | None = None) -> _Watch:  # fmt: skip
    """Read the worker's output and result until the result is complete, a limit passes, or
    both pipes close. ``test_limit(contained_time)`` gives the test's deadline once the worker is contained (it
    says ``CONTAINED`` before any code of the hand-in's runs: the hand-in's import counts);
    ``too_full(held)``, called every ``DISK_CHECK`` seconds, says what the test's folder holds over
    its limit (the watch stops then); ``held`` is whether the worker has said ``CONTAINED``, before
    which no process of the hand-in's exists, and the worker's own may be unreadable (``_FolderWatch``)."""
    seen = _Watch()
    output, result = bytearray(), bytearray()
    deadline = time.monotonic() + start_limit
    next_check = time.monotonic()

    def take(chunk: bytes) -> None:
        nonlocal output
        output += chunk
        if len(output) > keep:
            seen.dropped += len(output) - keep
            del output[: len(output) - keep]

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout.fileno(), selectors.EVENT_READ, "output")
        selector.register(result_fd, selectors.EVENT_READ, "result")
        while selector.get_map():
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                seen.problem = "running" if seen.ready else "importing" if seen.contained else "starting"
                break
            if too_full is not None and now >= next_check:
                seen.disk = too_full(seen.contained)
                if seen.disk:
                    break
                next_check = time.monotonic() + DISK_CHECK
            wait = left if too_full is None else min(left, max(next_check - time.monotonic(), 0.0))
            for key, _ in selector.select(wait):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                elif key.data == "output":
                    take(chunk)
                else:
                    result += chunk
            if result[: len(_PREFIX)] != _PREFIX[: len(result)]:
                seen.problem = "the worker's result pipe carried something else than the protocol"
                break
            if not seen.contained and len(result) >= 1:
                seen.contained = True
                deadline = test_limit(time.monotonic())
            seen.ready = len(result) >= 2
            if len(result) >= _FRAME:
                (size,) = struct.unpack(">Q", result[3:_FRAME])
                if size > protocol.MAX_RESULT_BYTES:
                    seen.problem = f"the worker's result is {size} bytes, over the limit of {protocol.MAX_RESULT_BYTES}"
                    break
                if len(result) >= _FRAME + size:
                    seen.payload = bytes(result[_FRAME : _FRAME + size])
                    break
    if seen.payload is not None:  # what the worker printed before its result (it flushes first), if still unread
        os.set_blocking(process.stdout.fileno(), False)
        for _ in range(16):
            try:
                chunk = os.read(process.stdout.fileno(), 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            take(chunk)
    seen.output = bytes(output)
    return seen


def _end(process: subprocess.Popen, containment: Containment, uid: int | None, at_once: bool = False) -> int:
    """Wait a moment for the worker to exit (not ``at_once``: the watch stopped the test), then kill it and
    everything it started; returns how many of its processes were still running once it had ended (under ``uid``
    and ``none``: those of its uid, or of its session, which a worker under ``none`` may not leave; a
    ``namespaces`` worker's end is its PID namespace's). A test stopped over ``--disk`` went on writing for that
    moment until 2026-12-05: 1 s more, with every process of the hand-in (checked: four writers took 0.35 GB of
    the disk under ``--disk 64``, 0.13 GB now)."""
    try:
        process.wait(timeout=0.0 if at_once else 1.0)
    except subprocess.TimeoutExpired:
        pass
    try:
        process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    left = len(alive_in_session(process.pid, uid)) if containment.mode != "namespaces" else 0  # (while watched)
    try:  # (one signal for the whole group: no process of it can fork its way out of it meanwhile)
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    forget(process)
    if uid is not None:
        kill_uid(uid)
        if containment.mode == "uid":  # under namespaces its /tmp and its IPC namespace were its own
            remove_files_of(uid)
            remove_ipc_of(uid)
    kill_leftovers()
    return left


def _printable(data: bytes | str) -> str:
    """Text of the hand-in's for a report: control characters (terminal escapes, carriage
    returns) shown as ``?``, so that it cannot redraw what a terminal shows of the report; so are
    bytes that are not UTF-8 (no character of the text takes more bytes than what it shows)."""
    text = data.decode("utf-8", errors="replace").replace("\ufffd", "?") if isinstance(data, bytes) else data
    return "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)


def _shown_output(output: bytes, budget: int) -> tuple[bytes, int]:
    """The end of a test's output that a report shows in ``budget`` bytes, each line counted with the
    report's indentation and quote (``grading.QUOTE``), and how many bytes before it are left out. Until
    2026-12-04 only the bytes were counted: 64 KiB of lines of one byte that is not UTF-8 (each shown as a
    character of 3 bytes after an indentation of 8) made the report of a hand-in 9 MB, six times the 1.5
    MB of its 23 tests' output, and its results.json 6 MB."""
    lines = np.frombuffer(output, dtype=np.uint8)[::-1] == ord("\n")
    cost = np.cumsum(1 + len(INDENT + QUOTE) * lines.astype(np.int64))  # of the last k bytes, k = 1, 2, ...
    kept = int(np.searchsorted(cost, budget, side="right"))
    return output[len(output) - kept :], len(output) - kept


def run_worker(
    call: dict,
    inputs: dict[str, np.ndarray],
    handin: Path,
    settings: Settings,
    containment: Containment,
    slot: int,
    deadline: float,
    scratch: Path,
    cgroup: HandinCgroup | None = None,
) -> tuple[_Watch, int | None]:
    """Run one worker: ``call`` (module, function, params) on ``inputs`` and the hand-in in
    ``handin``; returns what was seen and the worker's exit status."""
    uid = containment.uid(slot)
    private = Path(tempfile.mkdtemp(prefix="test-", dir=scratch))
    try:
        private.chmod(0o711)
        np.savez(private / "inputs.npz", **inputs)
        (private / "root").mkdir()
        folder = handin
        if containment.mode != "namespaces":  # the worker writes into a copy of its own
            folder = private / "work"
            _copy_package(handin, folder)
            if uid is not None:
                _chown_tree(folder, uid)
                folder.chmod(0o700)  # its own: no other uid reads it, even knowing the path
        config = {
            **call,
            "inputs": str(private / "inputs.npz"),
            "mode": containment.mode,
            "handin": str(folder),
            "root": str(private / "root"),
            "readable": _readable(),
            "tmpfs_mb": settings.file_mb,
            "uid": uid,
            "limits": _limits(settings, containment),
            "procs_above_user": settings.max_procs - 1,  # (under none: the worker is one of its max_procs)
            "cgroup_procs": cgroup.procs if cgroup else None,
        }
        read_end, write_end = os.pipe()
        config["result_fd"] = write_end
        # In a file, not on the command line: one argument may hold 128 KiB (MAX_ARG_STRLEN), and the paths a
        # worker may not see (``readable``) are as many as the copies of the reference found (until 2026-12-04
        # 2,000 such paths made every worker's start fail with E2BIG, and the runner stop).
        instructions = private / "config.json"
        command = [*containment.prefix, sys.executable, "-I", "-B", str(_WORKER), str(instructions)]
        try:
            with os.fdopen(os.open(instructions, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                json.dump(config, out)
            # Under namespaces ``unshare``'s stderr is a pipe of its own, which the worker gives up before the
            # hand-in's code runs (its stderr made its stdout): what arrives there is the sandbox's, not the hand-in's.
            stderr = subprocess.PIPE if containment.mode == "namespaces" else subprocess.STDOUT
            process = start_watched(command, uid, cwd=private, env=_environment(str(folder)), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=stderr, pass_fds=(write_end,),
                                    start_new_session=True)  # fmt: skip
        finally:
            os.close(write_end)
        oom_kills = cgroup.oom_kills() if cgroup else 0
        stopped = False  # the watch stopped the test (over --disk, past a time limit, off the protocol)
        try:
            start_limit = min(settings.startup, deadline - time.monotonic())
            too_full = None
            if containment.mode != "namespaces":  # (whose private root is a tmpfs of file_mb)
                mine = lambda: alive_in_session(process.pid, uid)  # noqa: E731
                too_full = _FolderWatch(private, settings.file_mb * 2**20, mine, uid)

            seen = _watch(process, read_end, start_limit, lambda ready: min(ready + settings.timeout, deadline),
                          settings.output_bytes, too_full)  # fmt: skip
            if too_full is not None and seen.disk is None:  # (what it wrote since the last look, before its result)
                seen.disk = too_full(held=False)  # (what its processes hold goes with them)
            stopped = bool(seen.disk or seen.problem)
        finally:
            os.close(read_end)
            left = _end(process, containment, uid, at_once=stopped)
            process.stdout.close()
            said = _sandbox_said(process.stderr)
        seen.oom_killed = cgroup is not None and cgroup.oom_kills() > oom_kills
        seen.left = left
        status = process.returncode
        return seen, _unshare_status(status, seen, said) if containment.mode == "namespaces" else status
    finally:
        # Under ``none`` another worker of the hand-in could stop the helper (its user's process): what
        # ``shutil.rmtree`` leaves then goes with ``scratch``, once no worker runs.
        remove_tree(private, helper=containment.mode != "none")


_readable_cache: dict[str, list[str]] = {}


REFERENCE_PACKAGES = ("mytorch", "hw_bonus", "bench", "autograder")
"""The packages of a MyTorch checkout: the reference solution (``mytorch``; ``hw_bonus``, whose
``mlp.py`` the starter stubs; ``bench``, NumPy versions of the same networks, which the wheel leaves
out since 2026-12-03 but a checkout on ``sys.path`` or an older wheel has) and the grader."""


def _hidden(seconds: float | None = None) -> list[str]:
    """What no worker may see, even inside the Python installation: the grader and the checkout
    it lies in (``_checkout``), the temporary folder (other hand-ins) and every package of
    ``REFERENCE_PACKAGES`` that is installed (until 2026-12-02 only ``mytorch``: a MyTorch
    installed into site-packages, beside NumPy, showed a worker the reference ``hw_bonus`` and
    ``bench``), every copy of it: the one this process imports, and one in every folder of its
    ``sys.path``, of the installation's site folders and of those of every other installation
    workers read (``_site_folders_workers_read``) (until 2026-12-03 only the first found: with the
    checkout first on ``sys.path``, as with ``PYTHONPATH``, a copy installed into site-packages
    stayed in every worker's reach); and where a copy lies in a checkout (a folder
    holding ``.git``, ``pyproject.toml`` or ``setup.py``: a development install), that checkout as
    the grader's own (``_checkout``)."""
    places = [_GRADER, tempfile.gettempdir(), *_checkout(os.path.dirname(_GRADER))]
    places += [folder for folder in _ALSO_HIDDEN if not _holds_the_installation(folder)]
    others = _site_folders_workers_read()
    folders = [*sys.path, *site.getsitepackages(), site.getusersitepackages(), *others, *_development_installs(others)]
    packages = []
    for name in REFERENCE_PACKAGES:
        packages += [os.path.join(folder, name) for folder in folders if os.path.isdir(os.path.join(folder, name))]
        packages += _imported_from(name)
    places += packages + _zipped_references(others) + _copies_in_what_workers_read(seconds)
    for holder in dict.fromkeys(os.path.dirname(os.path.realpath(package)) for package in packages):
        if any(os.path.exists(os.path.join(holder, mark)) for mark in _CHECKOUT_MARKS):
            places += _checkout(holder)
    return list(dict.fromkeys(places))


_SITE_FOLDERS = ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib64/python3*/site-packages",
                 "local/lib/python3*/site-packages", "local/lib/python3*/dist-packages")  # fmt: skip
"""Where a Python installation keeps what is installed into it, from its prefix (``/usr``'s Pythons: also
``/usr/local/lib/python3.X``, and Debian's ``/usr/lib/python3/dist-packages``)."""


def _site_folders_workers_read() -> list[str]:
    """The site folders of every Python installation inside the folders a worker reads whole: ``/usr``
    and the runner's own installation, whose base (``sys.base_prefix``) is another for a virtual
    environment. Until 2026-12-04 only this Python's own site folders were searched for MyTorch: graded
    from a virtual environment (without the system's site-packages) whose base Python had MyTorch
    installed, or with MyTorch installed for another Python under ``/usr``, a hand-in read the reference
    ``mytorch/nn/functional.py`` under ``namespaces``, ``uid`` and ``none`` alike."""
    roots = dict.fromkeys(["/usr", sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix])
    return sorted({found for root in roots for pattern in _SITE_FOLDERS for found in glob.glob(f"{root}/{pattern}")})


_FINDER_PATH = re.compile(r"""['"](/[^'"]+)['"]""")


def _development_installs(site_folders: list[str]) -> list[str]:
    """The folders that the ``.pth`` files of ``site_folders`` put on their Python's path (a line naming a
    folder, from the site folder), and those holding a package of ``REFERENCE_PACKAGES`` that the finder of
    a setuptools editable install maps (``__editable___*_finder.py``): a checkout installed for development
    (``pip install -e .``) into a Python other than the runner's leaves no package in its site folder, only
    these (until 2026-12-04 such a checkout inside a folder workers read, as ``/usr/src/app``, stayed
    readable)."""
    found = [path for path in _named_by_pth_files(site_folders) if os.path.isdir(path)]
    for folder in site_folders:
        for finder in glob.glob(f"{folder}/__editable__*finder.py"):
            try:
                paths = _FINDER_PATH.findall(Path(finder).read_text(errors="replace"))
            except OSError:
                continue
            found += [os.path.dirname(path) for path in paths if os.path.basename(path) in REFERENCE_PACKAGES]
    return list(dict.fromkeys(found))


def _named_by_pth_files(site_folders: list[str]) -> list[str]:
    """The paths that the ``.pth`` files of ``site_folders`` put on their Python's path (a line naming a
    folder or a zip archive, from the site folder), those that exist."""
    found = []
    for folder in site_folders:
        for pth in glob.glob(f"{glob.escape(folder)}/*.pth"):
            try:
                lines = Path(pth).read_text(errors="replace").splitlines()
            except OSError:
                continue
            named = [line.rstrip() for line in lines if line.strip() and not line.startswith(("#", "import"))]
            found += [path for path in (os.path.join(folder, line) for line in named) if os.path.exists(path)]
    return found


_ZIPPED = (".egg", ".whl", ".zip", ".pyz")
"""The zip archives looked into in the site folders and the folders of the runner's path, by their names' suffixes
in any case (``COURSE.ZIP`` is as readable with ``zipfile``: until 2026-12-05 only lower-case suffixes were looked
at, here and in the search of the folders workers read, ``_search_for_copies``)."""
_ZIPPED_REFERENCE = re.compile(r"(?:^|/)(?:mytorch|hw_bonus)/")
"""A member of a zip archive inside the reference solution's packages (at any depth: a checkout zipped)."""


def _zipped_references(site_folders: list[str]) -> list[str]:
    """The zip archives holding the reference ``mytorch`` or ``hw_bonus`` that a worker could open: a zipped
    egg, a wheel or a zip of a checkout lying in ``site_folders`` or in a folder of the runner's path, and
    every zip archive on that path or named by a ``.pth`` file of ``site_folders``. Until 2026-12-04 only
    folders were hidden: ``mytorch-0.1.0-py3.X.egg`` (``setup.py install`` with an older setuptools, named
    in ``easy-install.pth``) or MyTorch's wheel beside NumPy held the reference ``functional.py`` for any
    hand-in to read with ``zipfile``."""
    folders = [*site_folders, *(path for path in sys.path if os.path.isdir(path))]
    files = [path for path in sys.path if os.path.isfile(path)] + _named_by_pth_files(site_folders)
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                files += [entry.path for entry in entries if entry.name.lower().endswith(_ZIPPED)]
        except OSError:
            continue
    return [path for path in dict.fromkeys(os.path.realpath(path) for path in files) if _zips_a_reference(path)]


def _names_a_reference(path: str) -> bool:
    """False only when ``path`` is a zip archive whose central directory (its members' names, as bytes)
    holds neither ``mytorch/`` nor ``hw_bonus/``: the directory read whole from the end record, never
    parsed member by member (``zipfile`` took 15 ms for an archive of 15,000 members). True where it
    cannot tell (a zip64 end record, a file too short): ``zipfile`` decides then."""
    try:
        with open(path, "rb") as archive:
            size = archive.seek(0, os.SEEK_END)
            tail = min(size, 22 + 65535)  # the end record and a comment of at most 64 KiB
            archive.seek(size - tail)
            data = archive.read(tail)
            at = data.rfind(b"PK\x05\x06")
            if at < 0 or len(data) < at + 22:
                return True
            (length,) = struct.unpack("<L", data[at + 12 : at + 16])
            end = size - tail + at
            if length == 0xFFFFFFFF or length > end:
                return True
            archive.seek(end - length)
            directory = archive.read(length)
    except OSError:
        return True
    return b"mytorch/" in directory or b"hw_bonus/" in directory


def _zips_a_reference(path: str) -> bool:
    """Whether ``path`` is a zip archive holding a file of the reference ``mytorch`` or ``hw_bonus``."""
    if not _names_a_reference(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, ValueError, zipfile.BadZipFile, NotImplementedError, EOFError):  # not a zip archive
        return False
    return any(_ZIPPED_REFERENCE.search(name) for name in names)


_SOURCE_ARCHIVES = ARCHIVE_SUFFIXES
"""A source archive, hidden where its name starts with ``mytorch`` or ``hw_bonus`` (MyTorch's sdist), in any case
(``MYTORCH-0.1.0.TAR.GZ`` stayed readable until 2026-12-05)."""
_PACKAGE_NAMES = ("mytorch", "hw_bonus")
_PACKAGE_FILES = ("autograd_engine.py", "mlp_runner.py")
"""A folder holding one of these files is a copy of ``mytorch`` or ``hw_bonus`` under another name."""
COPY_MIN_BYTES = 512
"""The smallest file of the reference whose copies are recognised by their bytes (``_reference_digests``): smaller
ones (empty ``__init__.py`` files, a one-line docstring) could be any package's."""
SEARCH_SECONDS = 60.0
"""The longest the search for copies of the reference may take (this machine's ``/usr`` and Python installation
hold 25,500 folders, looked into in 0.3 to 3 s, as loaded): past it the runner grades nothing
(``ReferenceSearchError``), since what was not looked into could hold a copy that every worker would read.
``--reference-search-seconds`` sets another bound."""


class ReferenceSearchError(RuntimeError):
    """The search for copies of the reference in the folders workers read did not finish in time: no worker may
    start, since a copy could lie in what was not looked into."""


def _folders_workers_read() -> list[str]:
    """The folders a worker reads whole (``jail.bound_folders``), where copies of the reference are looked for."""
    return bound_folders()


def _imported_from(name: str) -> list[str]:
    """The folders this Python would import the package ``name`` from (none where it would not import it)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    return list(spec.submodule_search_locations or []) if spec is not None else []


def _reference_folders() -> list[str]:
    """The reference's packages this runner can see: ``REFERENCE_PACKAGES`` but the grader (which the students
    have) beside the grader, and where this Python imports them from."""
    names = [name for name in REFERENCE_PACKAGES if name != "autograder"]
    folders = [os.path.join(os.path.dirname(_GRADER), name) for name in names]
    folders += [folder for name in names for folder in _imported_from(name)]
    return [folder for folder in dict.fromkeys(os.path.realpath(f) for f in folders) if os.path.isdir(folder)]


def _reference_digests() -> dict[int, frozenset[bytes]]:
    """The SHA-256 of every ``.py`` file of at least ``COPY_MIN_BYTES`` in the reference's packages
    (``_reference_folders``), by size: how a copy of one is recognised under any name."""
    digests: dict[int, set[bytes]] = {}
    for folder in _reference_folders():
        for path in Path(folder).rglob("*.py"):
            try:
                if path.is_symlink() or not path.is_file() or path.stat().st_size < COPY_MIN_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            digests.setdefault(len(data), set()).add(hashlib.sha256(data).digest())
    return {size: frozenset(found) for size, found in digests.items()}


def _is_a_copy(entry: os.DirEntry, digests: dict[int, frozenset[bytes]]) -> bool:
    """Whether ``entry`` is a regular file holding exactly the bytes of a file of ``digests`` (its size looked at
    first: a file of another size is never read)."""
    try:
        if not entry.is_file(follow_symlinks=False):
            return False
        wanted = digests.get(entry.stat(follow_symlinks=False).st_size)
        if wanted is None:
            return False
        with open(entry.path, "rb") as file:
            return hashlib.sha256(file.read()).digest() in wanted
    except OSError:
        return False


def _copies_in_what_workers_read(seconds: float | None = None) -> list[str]:
    """``_search_for_copies`` in a thread of its own, waited for ``seconds`` (``SEARCH_SECONDS`` by default) at
    most, the search also stopping itself then: one folder whose listing never returns (a hung network mount)
    cannot stall the runner either.

    Raises:
        ReferenceSearchError: the search did not end in time (no worker may start: what was not looked into is
            unknown). Until 2026-12-04 the search was bounded by a count of folders only, past which it stopped
            with a note on stderr, and grading went on with the rest unsearched.
    """
    limit = SEARCH_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + limit
    found: list[list[str] | None] = []
    looking, roots = ["the first folder"], _folders_workers_read()  # (the folder being listed)
    search = threading.Thread(target=lambda: found.append(_search_for_copies(roots, deadline, looking)), daemon=True)
    search.start()
    search.join(max(0.0, deadline - time.monotonic()) + 1.0)
    if found and found[0] is not None:
        return found[0]
    raise ReferenceSearchError(
        f"the search for copies of the reference solution in the folders workers read ({', '.join(roots)}) did not "
        "end within "
        f"{limit:g} s; {looking[0]} and what follows it were not looked into, so no hand-in is graded "
        "(a copy there would be readable by every worker). Move what the workers need not read out of /usr and the "
        "Python installation, or allow the search more time with --reference-search-seconds"
    )


def _search_for_copies(roots: list[str], deadline: float, looking: list[str]) -> list[str] | None:
    """Every copy of the reference in ``roots``, the folders a worker reads whole (``/usr``, the Python installation;
    links not followed), however deep: a folder named ``mytorch`` or ``hw_bonus``, or holding one of ``_PACKAGE_FILES``
    or a file whose bytes are those of a ``.py`` file of the reference (``_reference_digests``: the package or a
    module of it under another name), or the folder above it whole where that is a checkout (``_checkout``);
    a zip archive holding ``mytorch/`` or ``hw_bonus/`` (MyTorch's wheel among Debian's in
    ``/usr/share/python-wheels``, a zip of a checkout); a source archive named after MyTorch (its sdist). Until
    2026-12-04 only the folders one to three levels below ``/usr`` and ``/usr/local`` were looked into: a copy
    four levels down (``/usr/local/src/a/b/course/mytorch``), one elsewhere in a Python installation outside
    ``/usr`` (a pyenv's ``share/``) or under another name was readable by every worker; and then a module of the
    reference renamed (``functional.py`` as ``ops.py``) in a folder named otherwise stayed readable. Past
    ``deadline`` the search stops and returns None; ``looking[0]`` is the folder it is looking into."""
    packages: list[str] = []
    files: list[str] = []
    suffixes = _ZIPPED + _SOURCE_ARCHIVES
    names, marks = frozenset(_PACKAGE_NAMES), frozenset(_PACKAGE_FILES)
    digests = _reference_digests()
    stack = list(reversed(roots))
    while stack:
        if time.monotonic() > deadline:
            return None
        folder, below, inside = stack.pop(), [], []
        looking[0] = folder
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        named = entry.name in names and not _holds_the_installation(entry.path)
                        (packages if named else below).append(entry.path)  # (a virtual environment named mytorch)
                    elif entry.name.lower().endswith(suffixes):
                        if entry.is_file(follow_symlinks=False):
                            files.append(entry.path)
                    elif entry.name in marks or _is_a_copy(entry, digests):
                        inside.append(entry.path)
        except OSError:
            continue
        if inside and not _holds_the_installation(folder):
            packages.append(folder)
        else:  # (such a file in a site folder itself: that file only)
            packages += inside
            stack += reversed(below)
    found = []
    for package in packages:
        holder = os.path.dirname(package)
        checkout = any(os.path.lexists(os.path.join(holder, mark)) for mark in _CHECKOUT_MARKS)
        found += _checkout(holder) if checkout else [package]
    for path in files:
        name = os.path.basename(path).lower()
        source = name.endswith(_SOURCE_ARCHIVES)
        if source and name.startswith(_PACKAGE_NAMES) or not source and _zips_a_reference(path):
            found.append(path)
    return found


_CHECKOUT_MARKS = (".git", "pyproject.toml", "setup.py")
"""What tells a checkout from a site folder. Until 2026-12-03 a checkout installed for development
(its folder on the runner's path), lying in a folder workers read (a virtual environment's), had its
``mytorch`` hidden but not its ``tests/honest_student.py`` or its history (checked under
``namespaces`` and ``uid``) when the grader ran from another copy (a kit)."""


CHECKOUT_PARTS = ("tests", ".git", "build", "dist")
"""What else of a MyTorch checkout holds the reference solution: ``tests/honest_student.py``, the
history, a wheel's build folder and the wheels themselves."""


_ALSO_HIDDEN: list[str] = []


def hide(*folders: str | os.PathLike) -> None:
    """Hide ``folders`` from every worker started from now on, wherever they lie (``cli`` names
    the runner's own: the hand-in folder and archive's folder, where reports go, the folder
    graded by ``--mytorch``): other students' hand-ins and reports stay out of reach even where
    they lie inside a folder every worker reads, as ``/usr/local/src``. A folder that holds the
    Python installation, NumPy or a system folder (``/usr``) is not hidden: the workers need it."""
    _ALSO_HIDDEN.extend(os.path.realpath(folder) for folder in folders)
    _readable_cache.clear()


def _holds_the_installation(folder: str) -> bool:
    """Whether ``folder`` is, or holds, the Python installation, NumPy's folder or one of the
    system's folders a worker needs (``/usr``, ``/lib``...)."""
    folder = os.path.realpath(folder)
    installation = (sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(np.__file__)),
                    "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")  # fmt: skip
    return any(os.path.realpath(p) == folder or os.path.realpath(p).startswith(folder + os.sep) for p in installation)


def _checkout(folder: str) -> list[str]:
    """A checkout of MyTorch, ``folder`` (the one the grader lies in: the reference ``mytorch`` and
    ``hw_bonus`` beside ``autograder/``, its tests and history) whole; or, where that folder also
    holds the Python installation or NumPy (a ``.venv`` inside the checkout, or the grader installed
    into site-packages), its ``REFERENCE_PACKAGES`` and ``CHECKOUT_PARTS``. Until 2026-12-03 only
    packages found on ``sys.path`` or in the site folders were hidden: run from a checkout inside a
    folder every worker reads (``/usr/local/src``, Docker's ``/usr/src/app``) without MyTorch on its
    path, the runner let a hand-in read the reference ``functional.py`` and ``mlp.py`` (checked
    under ``namespaces``, ``uid`` and ``none``)."""
    checkout = os.path.realpath(folder)
    if not _holds_the_installation(checkout):
        return [checkout]
    parts = [os.path.join(checkout, name) for name in (*REFERENCE_PACKAGES, *CHECKOUT_PARTS)]
    return [part for part in parts if os.path.isdir(part)]


def _readable(seconds: float | None = None) -> dict[str, list[str]]:
    """The folders a ``namespaces`` worker sees read-only (computed once; the search for copies of the reference
    bounded by ``seconds``, ``SEARCH_SECONDS`` by default)."""
    if not _readable_cache:
        _readable_cache.update(readable_paths(_hidden(seconds)))
    return _readable_cache


def look_for_references(seconds: float | None = None) -> None:
    """Work out now what no worker may see (the search for copies of the reference given ``seconds`` at most,
    ``SEARCH_SECONDS`` by default), after ``hide``, before any worker starts.

    Raises:
        ReferenceSearchError: the search did not end in time.
    """
    _readable(seconds)


_UNSHARE_SIGNALLED = b"unshare: sigprocmask unblock failed"
"""How the line starts that ``unshare`` (util-linux 2.38) prints, exiting 1, when the process it started was killed
by a signal it cannot pass on: the signal itself is lost."""


_SANDBOX_SAID_BYTES = 65536
"""How much of what ``unshare`` (and the worker's start, before it gave up that pipe) wrote to its own stderr the
runner keeps: a line or two in practice, written by no code of the hand-in's."""


def _sandbox_said(pipe: IO[bytes] | None) -> bytes:
    """What arrived on ``unshare``'s own stderr (``pipe``, None but under ``namespaces``), read once every process
    holding it has ended (``_end``), and closed."""
    if pipe is None:
        return b""
    said = b""
    with pipe:
        os.set_blocking(pipe.fileno(), False)  # (should a writer outlive the worker, its bytes are not waited for)
        while len(said) < _SANDBOX_SAID_BYTES:
            try:
                chunk = os.read(pipe.fileno(), _SANDBOX_SAID_BYTES - len(said))
            except BlockingIOError:
                break
            if not chunk:
                break
            said += chunk
    return said


def _unshare_status(status: int | None, seen: _Watch, said: bytes) -> int | None:
    """A ``namespaces`` worker's exit status as the worker's own: ``-SIGKILL`` where ``unshare`` said on its own
    stderr (``said``) that the worker was killed by a signal (that line is left out; whatever else it said is added
    to ``seen``'s output). Only there: until 2026-12-04 the line was looked for at the end of the output the
    hand-in writes, and a hand-in that printed it and exited with status 1 had its test reported ``KILLED (SIGKILL)
    ... most likely a limit`` instead of ``CRASH``, its printed line gone from the report (under ``uid`` and
    ``none`` too, where no ``unshare`` runs, until a first fix)."""
    before, _, last = said.rstrip().rpartition(b"\n")
    if status == 1 and last.startswith(_UNSHARE_SIGNALLED):
        said, status = before, -signal.SIGKILL  # the kernel's signal for a hard limit; unshare does not say which
    if said.strip():
        seen.output += said if said.endswith(b"\n") else said + b"\n"
    return status


def _death(status: int | None, seen: _Watch, settings: Settings) -> str:
    """Why a worker ended without sending a result, in the words of a report."""
    if seen.oom_killed:
        return (f"MEMORY: the hand-in's processes went over their memory limit of {settings.handin_memory_mb} MB "
                "(all of them together) and the kernel ended the test")  # fmt: skip
    if status is None or status >= 0:
        return f"CRASH: the test's process died (exit status {status}) before reporting."
    limit = {
        signal.SIGXCPU: f"its CPU-time limit of {_cpu_seconds(settings)} s",
        signal.SIGXFSZ: f"its file-size limit of {settings.file_mb} MB",
        signal.SIGKILL: (
            f"most likely a limit (CPU time {_cpu_seconds(settings)} s, memory {settings.memory_mb} MB, "
            f"{settings.max_procs} processes)"
        ),  # fmt: skip
    }.get(-status)
    name = signal.Signals(-status).name if -status in signal.valid_signals() else f"signal {-status}"
    return f"KILLED: the test's process was killed ({name}) before reporting" + (f": {limit}" if limit else ".")


def _verdict(test: GradedTest, inputs: dict, seen: _Watch, status: int | None, settings: Settings,
             deadline: float, seconds: float) -> Outcome:  # fmt: skip
    """Judge what the worker sent (or why it sent nothing). Processes the worker left running are
    named in the outcome's text, passed or failed (they were killed; they cost no points)."""
    left = ""
    if seen.left:
        left = (f"LEFT RUNNING: {seen.left} process{'es' if seen.left > 1 else ''} of the test outlived it "
                "(killed by the runner)")  # fmt: skip

    def fail(reason: str) -> Outcome:
        reason = _printable(reason) + (f"\n{left}" if left else "")  # it may quote the hand-in's exception
        if seen.output:
            shown, cut = _shown_output(seen.output, settings.output_bytes)
            dropped = f", {seen.dropped + cut} earlier bytes dropped" if seen.dropped + cut else ""
            reason += (
                f"\n--- the test's output (last {len(shown)} bytes{dropped}) ---\n{quoted_lines(_printable(shown))}"
            )
        return Outcome(test, False, reason, seconds)

    out_of_time = time.monotonic() >= deadline - 0.05
    if seen.problem == "starting":
        if out_of_time:
            return fail(f"TIMEOUT: the hand-in's time limit of {settings.handin_timeout:g} s ran out")
        return fail(f"TIMEOUT: the test's process took over {settings.startup:g} s to start (Python, NumPy and its "
                    "sandbox, before any code of the hand-in's ran: a busy machine?)")  # fmt: skip
    if seen.problem in ("importing", "running"):
        if out_of_time and seconds < settings.timeout:
            return fail(f"TIMEOUT: the hand-in's time limit of {settings.handin_timeout:g} s ran out")
        if seen.problem == "importing":
            return fail(f"TIMEOUT: the test was stopped after its time limit of {settings.timeout:g} s, before the "
                        "hand-in's import had returned (does it never return?)")  # fmt: skip
        return fail(f"TIMEOUT: the test was stopped after its time limit of {settings.timeout:g} s "
                    "(does a function it calls never return?)")  # fmt: skip
    if seen.disk:
        return fail(f"DISK: the test's folder held {seen.disk} (its limit: {settings.file_mb} MB, --disk, and "
                    f"{ROOT_INODES} files and folders); the test was stopped")  # fmt: skip
    if seen.problem:
        return fail(f"REFUSED: {seen.problem}")
    if seen.payload is None:
        return fail(_death(status, seen, settings))
    try:
        computed = protocol.decode_arrays(seen.payload)
    except protocol.ProtocolError as error:
        return fail(f"REFUSED: {error}")
    try:
        # No warning of NumPy's about the hand-in's numbers on the runner's stderr (Autolab's feedback): until
        # 2026-12-04 an error text sent as floats (NaN) printed "RuntimeWarning: invalid value encountered in
        # cast" there, with the runner's source line, and trained weights of inf or NaN printed three more.
        with np.errstate(all="ignore"):
            judge(test, inputs, computed)
    except AssertionError as error:
        return fail(str(error))
    except Exception as error:  # noqa: BLE001 - arrays that break a reference (shapes) fail the test
        return fail(f"the computed values cannot be checked ({type(error).__name__}: {error})")
    return Outcome(test, True, left, seconds)


def grade(
    tests: list[GradedTest],
    handin: Path,
    settings: Settings,
    containment: Containment,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Grade the ``mytorch`` in ``handin`` (the folder holding it): every test's student side in
    a worker (``settings.jobs`` at a time), judged here.

    Returns:
        The outcomes, in ``tests`` order (``on_outcome`` sees each as soon as it is known).
    """
    handin = Path(handin).resolve()
    deadline = time.monotonic() + settings.handin_timeout
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(settings.jobs):
        slots.put(slot)

    def one(test: GradedTest, scratch: Path) -> Outcome:
        start = time.monotonic()
        if start >= deadline:
            reason = f"NOT RUN: the hand-in's time limit of {settings.handin_timeout:g} s ran out"
            return Outcome(test, False, reason, 0.0)
        inputs = test.inputs()
        slot = slots.get()
        try:
            seen, status = run_worker(test.worker_call, inputs, handin, settings, containment, slot, deadline, scratch,
                                      cgroup)  # fmt: skip
        finally:
            slots.put(slot)
        return _verdict(test, inputs, seen, status, settings, deadline, time.monotonic() - start)

    cgroup = HandinCgroup.create(settings.handin_memory_mb, settings.max_procs * settings.jobs)
    try:
        return _grade_all(tests, one, settings.jobs, on_outcome)
    finally:
        if cgroup is not None:
            cgroup.close()


def _grade_all(tests: list[GradedTest], one: Callable, jobs: int, on_outcome) -> list[Outcome]:
    """``one(test, scratch)`` for every test, ``jobs`` at a time, in a private scratch folder.

    Every thread of the pool exists before the first worker starts: under ``none`` a worker may
    signal no thread of the runner's that it saw when it started (``jail``), and would be free to
    kill one made later. The scratch folder is removed once every worker has ended and what it
    left has been killed, so that no process of the hand-in can stop the helper that removes a
    folder too deep for ``shutil.rmtree`` (until 2026-12-02 a worker under ``none`` stopped the
    helper of a test that had ended, with SIGSTOP, and the runner waited for it forever)."""
    scratch = Path(tempfile.mkdtemp(prefix="mytorch-workers-"))
    started = threading.Event()

    def gated(test: GradedTest) -> Outcome:
        started.wait()
        return one(test, scratch)

    try:
        os.chmod(scratch, 0o711)
        with ThreadPoolExecutor(jobs) as pool:
            try:
                futures = [pool.submit(gated, test) for test in tests]
            finally:
                started.set()
            outcomes = []
            try:
                for future in futures:
                    outcomes.append(future.result())
                    if on_outcome is not None:
                        on_outcome(outcomes[-1])
            except BaseException:  # Ctrl-C, SIGTERM: no test starts any more, and the running ones end now
                for future in futures:
                    future.cancel()
                kill_watched()
                raise
    finally:
        remove_tree(scratch)
    return outcomes


def probe(containment: Containment) -> str | None:
    """Start one worker that only contains itself: None if that worked, else why not."""
    with tempfile.TemporaryDirectory(prefix="mytorch-probe-") as scratch:
        os.chmod(scratch, 0o711)
        handin = Path(scratch) / "handin"
        handin.mkdir()
        call = {"module": None, "function": None, "params": {}}
        probe_settings = Settings(timeout=10.0, startup=30.0, handin_timeout=40.0)
        seen, status = run_worker(call, {}, handin, probe_settings, containment, 0, time.monotonic() + 40.0,
                                  Path(scratch))  # fmt: skip
    if seen.payload is not None:
        return None
    lines = _printable(seen.output).strip().splitlines()
    return lines[-1] if lines else seen.problem or f"the test process ended with status {status}"
