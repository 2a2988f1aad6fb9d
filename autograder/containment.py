"""The runner's side of containment: which sandbox to use, and making sure nothing survives.

``--sandbox`` chooses:

* ``namespaces``: every worker starts under ``unshare`` in fresh PID, mount, network, IPC
  and UTS namespaces (as root directly, otherwise inside a user namespace with
  ``--user --map-root-user``), then builds a private root and drops its privileges
  (``jail``). When the worker ends, the kernel ends every process of its PID namespace;
* ``uid`` (root only): each worker runs as an unprivileged uid of its own
  (``UID_BASE`` + its slot), and after each test every process of that uid is killed;
* ``none``: rlimits, a minimal environment and a private folder only;
* ``auto`` (the default): the strongest that works here, checked by starting one worker.

In every mode the runner is a child subreaper (``PR_SET_CHILD_SUBREAPER``): a process that a
worker leaves behind (double-forked, ``setsid``) becomes the runner's child, and
``kill_leftovers`` ends it.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import jail

__all__ = [
    "MAX_SLOTS",
    "MODES",
    "UID_BASE",
    "UID_TRIES",
    "Containment",
    "SandboxUnavailableError",
    "alive_in_session",
    "become_subreaper",
    "forget",
    "kill_leftovers",
    "kill_uid",
    "kill_watched",
    "pick_uid",
    "remove_files_of",
    "remove_ipc_of",
    "remove_tree",
    "start_watched",
]

MODES = ("auto", "namespaces", "uid", "none")
UID_BASE = 0x7E000000
MAX_SLOTS = 64
"""Workers under ``uid`` (and under ``namespaces`` as root) run as
``UID_BASE + MAX_SLOTS * (runner's pid) + slot``: uids far above any real account, one per
concurrent worker of one runner, and distinct between runners on the same machine, so that
killing all processes of a uid touches one test only. A uid some process already has is not
taken (``pick_uid``)."""
UID_TRIES = 16
_FOREIGN_UIDS = range(0x7FFE0000, 0x7FFF0000)  # systemd's "foreign UID range" (UIDS-GIDS.md): not ours to take
_STRIDE = 0x278DDF
"""How far apart (in blocks of ``MAX_SLOTS`` uids) the candidates after the first lie: about
0.618 of the 2**22 blocks, so that none of the first ``UID_TRIES`` lands near the runner's own
block, where runners started together (with nearby pids) have theirs."""

_UNSHARE_FLAGS = ["--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc", "--uts"]
_PR_SET_CHILD_SUBREAPER = 36
_PATH = {"PATH": "/usr/bin:/bin"}

_workers_lock = threading.Lock()
_live_workers: dict[int, int | None] = {}
"""The watched processes' pids, each with the uid its worker switches to (None: the runner's)."""


class SandboxUnavailableError(RuntimeError):
    """The requested ``--sandbox`` mode cannot be used on this machine."""


@dataclass(frozen=True)
class Containment:
    """The sandbox chosen for this run.

    Attributes:
        mode: ``namespaces``, ``uid`` or ``none``.
        prefix: the command that starts a worker in its namespaces (empty otherwise).
        switch_uid: whether workers switch to ``UID_BASE + slot`` (the runner is root).
        missing: what this mode does not protect against, for the note on stderr.
    """

    mode: str
    prefix: tuple[str, ...]
    switch_uid: bool
    missing: str

    def uid(self, slot: int) -> int | None:
        """The uid a worker in ``slot`` runs as, or None (it keeps the runner's)."""
        if not self.switch_uid:
            return None
        return pick_uid(slot)

    @staticmethod
    def choose(requested: str, probe) -> Containment:
        """The containment for ``--sandbox requested``, its ``missing`` naming also what the kernel
        refuses here of what a worker sets up itself (``jail.unprotected``): the seccomp filters,
        Landlock.

        Args:
            requested: one of ``MODES``.
            probe: ``probe(containment)`` runs one worker that contains itself and returns None
                if that worked, else the reason.

        Raises:
            SandboxUnavailableError: ``requested`` cannot work here (with the reason).
        """
        chosen = Containment._choose(requested, probe)
        gaps = "; ".join(jail.unprotected(chosen.mode))
        return dataclasses.replace(chosen, missing="; ".join(filter(None, [chosen.missing, gaps])))

    @staticmethod
    def _choose(requested: str, probe) -> Containment:
        root = os.geteuid() == 0
        reasons = []
        if requested in ("auto", "namespaces"):
            unshare = shutil.which("unshare")
            if unshare is None:
                reasons.append("unshare (util-linux) is not installed")
            else:
                user = [] if root else ["--user", "--map-root-user"]
                candidate = Containment("namespaces", (unshare, *user, *_UNSHARE_FLAGS), root, "")
                problem = probe(candidate)
                if problem is None:
                    return candidate
                reasons.append(f"namespaces are refused here ({problem})")
            if requested == "namespaces":
                raise SandboxUnavailableError(f"--sandbox namespaces: {'; '.join(reasons)}")
        if requested in ("auto", "uid"):
            if root:
                missing = (
                    "without namespaces, workers run as an unprivileged uid but can see other processes (a "
                    "seccomp filter refuses them sockets; of the files, a Landlock domain lets them open the Python "
                    "installation, a few devices, /proc and their own folder only)"
                )
                closed = _closed_to_others()
                if closed:
                    missing += (
                        f"; {closed} is closed to other users, so a hand-in can import only the modules a worker "
                        "loads before it switches uid (autograder/jail.py's PRELOAD, and of ON_DEMAND those the "
                        "hand-in's files import), not, say, sqlite3"
                    )
                return Containment("uid", (), True, _because(missing, reasons))
            reasons.append("the runner is not root, so it cannot switch workers to another uid")
            if requested == "uid":
                raise SandboxUnavailableError(f"--sandbox uid: {'; '.join(reasons)}")
        missing = (
            "workers run as the runner's own user: they can see other processes, and their process limit only "
            "keeps that user's tasks from growing by more than --max-procs (as root, only a pids cgroup, where one "
            "can be made, limits them); only resource limits, "
            "a minimal environment, a private folder, a seccomp filter (no signals to the runner, no sockets, no "
            "leaving their session, no change to a file's mode, owner, times or attributes), a Landlock domain "
            "(of the files, they open the Python installation, a few devices, /proc and their own folder only) "
            "and killing leftover processes protect this run"
        )
        return Containment("none", (), False, _because(missing, reasons) if requested == "auto" else missing)


_CAP_SYS_PTRACE = 19


def _effective_capabilities() -> int:
    """This process's effective capabilities (``CapEff`` of ``/proc/self/status``; all of them where it
    cannot be read). Without ``CAP_SYS_PTRACE`` (Docker's default capabilities) the runner reads a ``uid``
    worker's ``/proc/<pid>/fd`` and maps as the worker's uid (``isolation._reading_as``): until 2026-12-05 it
    counted none of what the worker's processes held there after unlinking, and the runner's note said so."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1], 16) for line in status if line.startswith("CapEff:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return -1


def _closed_to_others() -> str | None:
    """The first folder on the way to the Python installation or NumPy that other users may not
    enter (a pyenv Python under ``/root``), or None: a worker that has switched to its own uid
    cannot import anything from there that it had not imported before."""
    import numpy

    for place in (sys.prefix, sys.base_prefix, os.path.dirname(numpy.__file__)):
        folder = "/"
        for part in os.path.realpath(place).split(os.sep)[1:]:
            folder = os.path.join(folder, part)
            try:
                if not os.stat(folder).st_mode & 0o001:
                    return folder
            except OSError:
                return folder
    return None


def _because(missing: str, reasons: list[str]) -> str:
    return f"{missing} ({'; '.join(reasons)})" if reasons else missing


def become_subreaper() -> None:
    """Make processes orphaned below the runner its children, so ``kill_leftovers`` finds them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to adopt them
        pass


def start_watched(command: list[str], uid: int | None = None, **popen: object) -> subprocess.Popen:
    """Start a process the runner watches (``kill_leftovers`` leaves it alone, and what it starts,
    in its session or of ``uid``, the uid a worker switches to, until ``forget`` is called): a
    worker, or the helper that kills a uid's processes."""
    with _workers_lock:
        process = subprocess.Popen(command, **popen)
        _live_workers[process.pid] = uid
    return process


def forget(process: subprocess.Popen) -> None:
    """Stop watching ``process`` (it has been waited for)."""
    with _workers_lock:
        _live_workers.pop(process.pid, None)


def kill_watched() -> None:
    """Kill every watched process with its process group (the runner is being stopped)."""
    with _workers_lock:
        pids = list(_live_workers)
    for pid in pids:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _processes(keep: Callable[[str], bool]) -> list[int]:
    """The pids in /proc for which ``keep(pid)`` holds (a process that ends meanwhile is skipped)."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and keep(entry.name):
                found.append(int(entry.name))
        except (OSError, ValueError, StopIteration):  # (ended meanwhile: its files are gone or empty)
            continue
    return found


def _parent_of(pid: str) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return int(stat.read().rsplit(b")", 1)[1].split()[1])


def _children_of(parent: int) -> list[int]:
    return _processes(lambda pid: _parent_of(pid) == parent)


def _processes_of_uid(uid: int) -> list[int]:
    return _processes(lambda pid: os.stat(f"/proc/{pid}").st_uid == uid)


def _alive(pid: str) -> bool:
    """Whether ``pid`` has not ended: a zombie has, unless it is the first thread of a process whose other threads
    run on (it called ``pthread_exit``). Until 2026-12-05 such a process counted as ended: its files held after
    unlinking were not counted (a hand-in held 64 MiB so under ``--disk 16`` for as long as its test ran) and a
    report did not name it among what a test left running."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        if stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X"):
            return True
    return len(os.listdir(f"/proc/{pid}/task")) > 1


def _session_of(pid: str) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return int(stat.read().rsplit(b")", 1)[1].split()[3])


def alive_in_session(session: int, uid: int | None = None) -> list[int]:
    """The processes of ``session`` (given ``uid``: of that uid instead) that have not ended: once a
    worker (its session's leader) has ended, what it left behind. Under ``none`` a worker may not
    leave its session (``jail``), so these are all it left there; under ``uid`` all it left are
    its uid's."""
    mine = (lambda pid: _session_of(pid) == session) if uid is None else (lambda pid: _real_uid(int(pid)) == uid)
    return _processes(lambda pid: mine(pid) and _alive(pid))


def _uids_of(pid: int | str) -> tuple[int, ...]:
    """The real, effective and saved uids of ``pid``."""
    with open(f"/proc/{pid}/status") as status:
        return tuple(map(int, next(line for line in status if line.startswith("Uid:")).split()[1:4]))


def _real_uid(pid: int) -> int:
    return _uids_of(pid)[0]


def pick_uid(slot: int) -> int:
    """The uid a worker of this runner in ``slot`` runs as: the first of ``UID_TRIES`` candidates
    (``UID_BASE + MAX_SLOTS * (runner's pid) + slot``, then blocks ``_STRIDE`` apart) that is outside
    systemd's foreign range and that no process has as its real, effective or saved uid, nor as the
    uid its killer shields itself with (``SHIELD``): after each test every process of the uid is
    killed, and its files removed. (Uids from 2**31 up, which systemd asks to stay away from, are
    kept: the kernel calls it warns about, ``setfsuid`` and devpts mounts, are not used with them.)

    Raises:
        RuntimeError: every candidate is taken (the error names the range).
    """
    block = os.getpid() % 2**22  # pid_max is at most 2**22
    for attempt in range(UID_TRIES):
        uid = UID_BASE + MAX_SLOTS * ((block + attempt * _STRIDE) % 2**22) + slot
        if uid not in _FOREIGN_UIDS and not _in_use({uid, uid + SHIELD}):
            return uid
    raise RuntimeError(
        f"no free uid for a worker in slot {slot}: the {UID_TRIES} tried in {UID_BASE:#x}.."
        f"{UID_BASE + MAX_SLOTS * 2**22:#x} are all held by running processes (or in systemd's foreign range)"
    )


def _in_use(uids: set[int]) -> bool:
    """Whether some process has one of ``uids`` as its real, effective or saved uid."""
    return bool(_processes(lambda pid: not uids.isdisjoint(_uids_of(pid))))


def _of_a_running_worker(pid: int, live: dict[int, int | None]) -> bool:
    """Whether ``pid`` belongs to a watched worker that has not been forgotten: in its session (a
    worker leads one), or of its uid. It is killed at that worker's end: until 2026-12-03 the end
    of a test under ``--jobs 2`` killed what the other slot's test had started and still used, and
    the runner could not tell which test had left a process."""
    try:
        return _session_of(str(pid)) in live or _real_uid(pid) in {uid for uid in live.values() if uid is not None}
    except (OSError, ValueError, StopIteration):
        return False


def kill_leftovers(deadline: float = 10.0) -> None:
    """Kill and reap every child of the runner that is not a watched worker or one of a watched
    worker's processes (what a worker left behind, adopted by the subreaper), until there is none.

    Raises:
        RuntimeError: some survived ``deadline`` seconds of trying.
    """
    end = time.monotonic() + deadline
    while True:
        with _workers_lock:
            live = dict(_live_workers)
            strays = [pid for pid in _children_of(os.getpid()) if pid not in live]
            strays = [pid for pid in strays if not _of_a_running_worker(pid, live)]
        if not strays:
            return
        if time.monotonic() > end:
            raise RuntimeError(f"processes left by a hand-in survive being killed: {strays}")
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError, PermissionError):
                pass


def remove_tree(path: str | os.PathLike, helper: bool = True) -> None:
    """Remove a folder a hand-in could write to, however deep. ``shutil.rmtree`` recurses, and
    holds a file descriptor, once per level: on a folder 1500 levels deep that a worker had made
    it raised RecursionError (which ``ignore_errors`` does not cover) or, out of descriptors,
    returned with the folder still there; ``rm -rf`` (which never follows links) then removes it.
    With ``helper=False`` (while a hand-in's processes may run: under ``none`` one may stop the
    helper, which the runner would wait for forever) what ``shutil.rmtree`` leaves stays. A folder
    its owner may not read (a ``none`` worker of a runner that is not root made one, ``mkdir`` with
    mode 0o300, and filled it) stopped ``rm`` too: the helper gives the owner its rights back first
    (``chmod -R u+rwx``, which follows no link) and removes again."""
    try:
        shutil.rmtree(path, ignore_errors=True)
    except RecursionError:
        pass
    if not helper:
        return
    for command in (["rm", "-rf", "--one-file-system"], ["chmod", "-R", "u+rwx"], ["rm", "-rf", "--one-file-system"]):
        if not os.path.lexists(path):
            return
        _helper([*command, "--", os.fspath(path)])


def _helper(command: list[str]) -> None:
    """Run ``command`` to its end, watched (``kill_leftovers``, run by a test ending meanwhile, would kill it)."""
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = start_watched(command, env=_PATH, **quiet)
    process.wait()
    forget(process)


SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
"""World-writable folders a ``uid`` worker could leave files in for a later hand-in."""


def _remove_tree_at(folder: int, name: str) -> None:
    """Remove ``name`` in the open folder ``folder`` (a folder, however deep), never following a
    link on the way: neither ``name`` nor anything above it is looked up by path again."""
    if sys.version_info >= (3, 11):  # (``dir_fd`` is new in 3.11)
        try:
            shutil.rmtree(name, dir_fd=folder, ignore_errors=True)
        except RecursionError:
            pass
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    remover = start_watched(["rm", "-rf", "--one-file-system", "--", name], cwd=f"/proc/self/fd/{folder}",
                            pass_fds=(folder,), env=_PATH, **quiet)  # fmt: skip
    remover.wait()
    forget(remover)


def remove_files_of(uid: int, limit: int = 1000) -> None:
    """Delete what ``uid`` created in the world-writable folders (after its processes are dead):
    at their top and in every world-writable folder inside them that no worker owns
    (``/tmp/.X11-unix`` is root's and open to all), at most ``limit`` folders looked into, so that
    one hand-in cannot leave anything for the next. (Only the top was cleaned until 2026-12-02: a
    file in ``/tmp/.X11-unix`` stayed for the rest of the batch, and so would the disk it filled.)

    Every folder is opened from the one above it and every entry removed from its folder's
    descriptor, never by path (``os.fwalk``): under ``--jobs 2`` the other slot's uid, still
    running, swapped a folder of its own for a link to any folder of the machine between the
    check of an entry and its removal, and the runner, as root, removed the file of that name
    there (until 2026-12-02, where ``fs.protected_symlinks`` is 0). A folder of a worker's uid
    is not looked into: it goes whole when that worker's test ends."""
    for top in SHARED_FOLDERS:
        try:
            for _, folders, files, fd in os.fwalk(os.path.realpath(top), follow_symlinks=False):
                limit -= 1
                inside = []
                for name in folders + files:
                    try:
                        info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                        if info.st_uid == uid and stat.S_ISDIR(info.st_mode):
                            _remove_tree_at(fd, name)
                        elif info.st_uid == uid:
                            os.unlink(name, dir_fd=fd)
                        elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH and info.st_uid < UID_BASE:
                            inside.append(name)  # (it has no group of its own)
                    except OSError:
                        continue
                folders[:] = inside if limit > 0 else []
        except OSError:  # a folder that is not there (/dev/mqueue where it is not mounted)
            continue
        if limit <= 0:
            return


_IPC_RMID = 0
_SYSV_IPC = (("shm", "shmid", "shmctl", (_IPC_RMID, None)), ("sem", "semid", "semctl", (0, _IPC_RMID)),
             ("msg", "msqid", "msgctl", (_IPC_RMID, None)))  # fmt: skip
"""Each kind's table in /proc/sysvipc, its id column, and the call removing one (its arguments after the id)."""


def remove_ipc_of(uid: int) -> None:
    """Remove the System V shared memory segments, semaphore sets and message queues that ``uid``
    owns or created (after its processes are dead): they outlive the processes, and a segment
    keeps its memory (a hand-in left 64 MiB per test this way, for the rest of the batch)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, id_column, control, arguments in _SYSV_IPC:
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                header, *rows = table.read().splitlines()
        except (OSError, ValueError):
            continue
        columns = header.split()
        for row in rows:
            fields = dict(zip(columns, row.split()))
            if str(uid) in (fields.get("uid"), fields.get("cuid")):
                getattr(libc, control)(int(fields[id_column]), *arguments)


SHIELD = 2**30
"""The killer of ``uid``'s processes runs with real and saved uid ``uid + SHIELD`` (a uid no
process has: workers' uids lie below ``UID_BASE + MAX_SLOTS * 2**22``, under ``UID_BASE + SHIELD``)."""

_KILLER = """
import os, signal, sys
uid, shield = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setresgid(shield, shield, shield)
os.setresuid(shield, uid, shield)
try:
    os.kill(-1, signal.SIGKILL)
except ProcessLookupError:
    pass
"""
"""Kills every process of ``uid`` at once (``kill(-1)``, which no fork can outrun), from a process
that ``uid``'s processes cannot signal: its effective uid is ``uid`` (so it may signal them), its
real and saved uids are not (so none of them may signal it, nor trace it). It starts as root and
switches in-process: an ``exec`` after the switch would make the saved uid ``uid`` again."""


def kill_uid(uid: int, deadline: float = 10.0) -> None:
    """Kill every process of ``uid``, until there is none.

    The killer is not one of ``uid``'s processes at any moment (until 2026-12-02 it was
    ``kill -KILL -1`` run as ``uid``: a leftover process of the hand-in that sent SIGSTOP to
    every process of its uid in a loop stopped it before it could kill, and the runner waited
    for it forever, with the lock every worker's start needs).

    Raises:
        RuntimeError: some survived ``deadline`` seconds of trying.
    """
    end = time.monotonic() + deadline
    while _processes_of_uid(uid):
        if time.monotonic() > end:
            raise RuntimeError(f"processes of uid {uid} survive being killed: {_processes_of_uid(uid)}")
        quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        command = [sys.executable, "-I", "-S", "-c", _KILLER, str(uid), str(uid + SHIELD)]
        helper = start_watched(command, env=_PATH, cwd="/", **quiet)
        try:
            helper.wait(timeout=max(end - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        forget(helper)
        kill_leftovers(deadline)
