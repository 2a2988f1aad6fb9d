"""Inside a worker, before the student's code runs: resource limits, a private root, no privileges.

``contain(config)`` is the worker's last trusted step. What it does depends on the sandbox
the runner chose (see ``containment``):

* ``namespaces``: the worker is process 1 of fresh PID, mount, network, IPC and UTS namespaces
  (started by ``unshare``). It mounts a small tmpfs as a new root, binds the Python
  installation into it read-only, copies the hand-in to ``/work``, ``chroot``s there and
  gives up every privilege: the student's code sees no other process, no network, no file of
  the grader or of another hand-in, and can write only to its own small tmpfs;
* ``uid``: the worker switches to an unprivileged uid of its own (the runner kills every
  process of that uid after the test), in a Landlock domain that lets it open what a
  ``namespaces`` worker sees and its own folder (``landlock_rules``), which is a tmpfs of its
  own where the runner, as root, may mount (``_own_tmpfs``; as under ``none`` run as root);
* ``none``: only the limits, the private folder, a seccomp filter that keeps the worker
  from signalling the processes of its user that existed before it (it is the runner's user,
  which could otherwise kill the runner and then write the output's last line itself) and the
  Landlock domain of ``uid``, which also keeps it out of their ``/proc`` entries (environment,
  memory, files).

In every mode the resource limits (CPU seconds, address space, processes, file size, open
files, no core dumps) are set, no capability is kept and none can be gained
(``PR_SET_NO_NEW_PRIVS``; under ``none`` as root the worker stays uid 0 without any), and
the worker joins a session keyring of its own (the runner's holds the keys of the session that
started it), then may make no keyring call at all (a seccomp filter, on x86-64 and ARM64: a
uid's own keyrings outlive its processes, and the uid is the next hand-in's in its slot).
"""

from __future__ import annotations

import ast
import ctypes
import errno
import fnmatch
import importlib
import os
import re
import resource
import stat
from pathlib import Path
from typing import Any

__all__ = [
    "NOT_COPIED",
    "ON_DEMAND",
    "PRELOAD",
    "ROOT_INODES",
    "bound_folders",
    "contain",
    "copy_package",
    "imports_on_demand",
    "landlock_rules",
    "readable_paths",
    "unprotected",
]

PRELOAD = ("__future__", "abc", "array", "collections", "contextlib", "copy", "dataclasses", "enum", "functools",
           "inspect", "itertools", "json", "math", "numbers", "operator", "random", "re", "string", "struct",
           "textwrap", "time", "traceback", "typing", "warnings", "weakref", "numpy.random", "numpy.fft")  # fmt: skip
"""Modules imported before privileges are dropped: under ``uid`` the Python installation may
be unreadable to the worker's uid (a Python in root's home, as with pyenv), so a module first
imported by the hand-in would not import. The standard modules MyTorch imports, and the
NumPy submodules that ``import numpy`` leaves to their first use (``numpy.random``, which
MyTorch's factories use at import, and ``numpy.fft``). ``tests/test_jail_preload.py`` checks
that importing MyTorch reads no file of the installation after these."""

ON_DEMAND = frozenset({
    "argparse", "ast", "base64", "bisect", "calendar", "cmath", "codecs", "colorsys", "csv", "datetime", "decimal",
    "difflib", "fnmatch", "fractions", "glob", "gzip", "hashlib", "heapq", "hmac", "io", "keyword", "logging",
    "pathlib", "pickle", "pprint", "queue", "reprlib", "secrets", "shutil", "statistics", "tempfile", "threading",
    "timeit", "types", "unittest", "uuid", "zipfile", "zlib",
    "numpy.linalg", "numpy.polynomial", "numpy.ma", "numpy.testing", "numpy.lib.stride_tricks",
})  # fmt: skip
"""Modules with no effect on import but their definitions, loaded before the worker switches
uid (``--sandbox uid``) when a file of the hand-in's ``mytorch`` imports them: where the
Python installation is closed to the worker's uid, a hand-in could not import them itself.
(Imported only on demand, since each costs every worker its start-up time.)"""

_SCAN_FILES, _SCAN_BYTES = 200, 1 << 20  # bounds on what of a hand-in is read for its imports

# The text an import statement is made of, from its keyword to its last name: names, dots,
# commas, parentheses, white space, backslash continuations and comments (between parentheses).
_IMPORT_TEXT = re.compile(rb"(?:[\w\s.,()\\]|#[^\r\n]*)+")
_IMPORT_KEYWORD = re.compile(rb"\b(?:import|from)\b")
_ON_DEMAND_NAME = re.compile(rb"\b(?:%s)\b" % b"|".join({name.rsplit(".", 1)[-1].encode() for name in ON_DEMAND}))


def _may_import_on_demand(source: bytes) -> bool:
    """False only when no import statement of ``source`` can name a module of ``ON_DEMAND``:
    in an ASCII file without an encoding declaration, an import of one has, after its
    ``import`` or ``from``, the module's last name as a word, with only ``_IMPORT_TEXT`` between.
    (Parsing every file of the hand-in, about 800 kB for MyTorch, in every test's worker took
    about half a second; only the files this cannot rule out are parsed now.)"""
    if not source.isascii() or b"coding" in b"\n".join(source.split(b"\n", 2)[:2]):
        return True
    for text in _IMPORT_TEXT.finditer(source):
        keyword = _IMPORT_KEYWORD.search(source, text.start(), text.end())
        if keyword and _ON_DEMAND_NAME.search(source, keyword.end(), text.end()):
            return True
    return False


def imports_on_demand(folder: str) -> list[str]:
    """The modules of ``ON_DEMAND`` that the ``.py`` files under ``folder/mytorch`` import
    (``import a.b``, ``from a.b import c``; relative imports are the hand-in's own). Files past
    the first ``_SCAN_FILES``, larger than ``_SCAN_BYTES`` or not parsing are skipped: the
    hand-in's import then fails with its own error, as it would anyway."""
    wanted: set[str] = set()
    paths = sorted(Path(folder, "mytorch").rglob("*.py"))[:_SCAN_FILES]
    for path in paths:
        try:
            if path.is_symlink() or path.stat().st_size > _SCAN_BYTES:
                continue
            source = path.read_bytes()
            if not _may_import_on_demand(source):
                continue
            tree = ast.parse(source)
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                wanted.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return sorted(wanted & ON_DEMAND)


_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC = 32, 4096, 16384
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_ST_RDONLY, _ST_NOEXEC, _ST_NOATIME, _ST_NODIRATIME, _ST_RELATIME = 1, 8, 1024, 2048, 4096
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_SET_NO_NEW_PRIVS = 24, 28, 38
_PR_SET_DUMPABLE = 4
# Secure bits: NOROOT and NO_CAP_AMBIENT_RAISE on, NO_SETUID_FIXUP and KEEP_CAPS off, all locked.
_SECURE_BITS = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7)
_CAPABILITY_VERSION_3 = 0x20080522
_DEVICES = ("null", "zero", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {target}")  # fmt: skip


def _locked_flags(path: str) -> int:
    """The flags a read-only remount of ``path`` must keep (a user namespace may not drop them)."""
    st = os.statvfs(path).f_flag
    pairs = ((_ST_NOEXEC, _MS_NOEXEC), (_ST_NOATIME, _MS_NOATIME), (_ST_NODIRATIME, _MS_NODIRATIME),
             (_ST_RELATIME, _MS_RELATIME))  # fmt: skip
    return _MS_NOSUID | _MS_NODEV | sum(ms for st_flag, ms in pairs if st & st_flag)


NOT_COPIED = ("__pycache__", "*.pyc", "*.so", "*.pyd")
"""What a worker's copy of the hand-in's ``mytorch`` leaves out: caches, and compiled extension
modules, which Python imports before a ``.py`` of the same name. Only the Python source that staff
can read is graded (until 2026-12-03 a ``functional.cpython-311-x86_64-linux-gnu.so`` beside an
innocent ``functional.py`` was what ran, in every sandbox mode)."""


def copy_package(handin: str, folder: str) -> None:
    """``handin/mytorch`` into ``folder`` (which exists), without ``NOT_COPIED``: links copied as
    links, never followed, and nothing when ``handin/mytorch`` is itself a link (as root: never a
    link's target). Every folder is opened from the one above it and every file from its folder,
    neither through a link, and only a regular file's bytes are copied (opened without blocking:
    a named pipe or a device is left out). ``shutil.copytree`` looked each folder and file up by its
    path again after listing it, so a folder whose owner could still write it (``--mytorch`` on a
    student's own folder, graded as root) could have a subfolder swapped for a link meanwhile: until
    2026-12-04 that link's target (any folder of the machine, as root) was copied whole into the
    worker's reach."""
    try:
        top = os.open(f"{handin}/mytorch", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # (missing, a link, not a folder: nothing to copy)
        return
    try:
        _copy_folder_at(top, f"{folder}/mytorch")
    finally:
        os.close(top)


def _copy_folder_at(source: int, target: str) -> None:
    """The folder open as ``source`` into the new folder ``target`` (see ``copy_package``)."""
    os.mkdir(target)
    with os.scandir(source) as listing:
        names = [entry.name for entry in listing]
    for name in names:
        if any(fnmatch.fnmatch(name, pattern) for pattern in NOT_COPIED):
            continue
        try:
            info = os.stat(name, dir_fd=source, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                os.symlink(os.readlink(name, dir_fd=source), os.path.join(target, name))
                continue
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
            flags |= os.O_DIRECTORY if stat.S_ISDIR(info.st_mode) else os.O_NONBLOCK
            opened = os.open(name, flags, dir_fd=source)
        except OSError:  # (removed, or swapped for a link, meanwhile)
            continue
        try:
            kind = os.fstat(opened).st_mode
            if stat.S_ISDIR(kind):
                _copy_folder_at(opened, os.path.join(target, name))
            elif stat.S_ISREG(kind):
                with open(os.path.join(target, name), "xb") as out:
                    while chunk := os.read(opened, 2**16):
                        out.write(chunk)
        finally:
            os.close(opened)


def bound_folders() -> list[str]:
    """The folders a worker reads whole (before ``readable_paths`` hides parts of them): the Python
    installation and the system's libraries, ``/usr`` and the real folders among ``/lib``, ``/lib64``,
    ``/bin``, real paths, none inside another."""
    import sys

    import numpy

    wanted = {"/usr", sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(numpy.__file__))}
    wanted |= {f"/{name}" for name in ("lib", "lib64", "lib32", "bin", "sbin") if os.path.isdir(f"/{name}")}
    real = sorted({os.path.realpath(p) for p in wanted if os.path.isdir(p)} - {"/"})
    return [p for p in real if not any(p.startswith(q + os.sep) for q in real)]


def readable_paths(hidden: list[str]) -> dict[str, list[str]]:
    """What a worker's private root shows, read-only: the Python installation and the system's
    libraries (``/usr`` and the real folders among ``/lib``, ``/lib64``, ``/bin``) under
    ``"bind"``; and under ``"mask"`` the folders and files of ``hidden`` (the grader, the reference
    ``mytorch`` and its zipped copies, the temporary folder) that lie inside them, covered with an empty
    tmpfs or an empty file (a grader installed in site-packages, beside NumPy)."""
    binds = bound_folders()
    hidden = {os.path.realpath(h) for h in hidden if os.path.exists(h)}  # (folders, and zip archives of the reference)
    masks = sorted(h for h in hidden if any(h == b or h.startswith(b + os.sep) for b in binds))
    masks = [m for m in masks if not any(m.startswith(outer + os.sep) for outer in masks)]  # (covered already)
    return {"bind": [b for b in binds if b not in masks], "mask": [m for m in masks if m not in binds]}


ROOT_INODES = 8192
"""How many files and folders a ``namespaces`` worker's private root may hold (the hand-in's copy, at most 2000
members, among them). A tmpfs's size counts its files' data, not its entries, and by default it may have as
many as half the machine's pages: until 2026-12-03 a worker made 300,000 empty folders in its ``/tmp`` in a
second, 250 MB of the kernel's own memory (counted by no process limit; by no limit at all where no cgroup holds
the hand-in, a runner that is not root), and could go on for the whole test and its start-up. Now about 8 MB."""


def _mounts_at_or_below(target: str) -> list[str]:
    """The mount points at ``target`` and inside it, as ``/proc/self/mountinfo`` lists them (its escapes of
    spaces, tabs, newlines and backslashes undone). A recursive bind brings the mounts inside a folder along, and
    a remount read-only changes the bind's own mount only: until 2026-12-04 a mount inside ``/usr`` or the Python
    installation (``/usr/local`` of its own, a volume at ``/usr/src/app``, a tmpfs) stayed writable to every
    ``namespaces`` worker, whose files there outlived grading on the host (checked: a tmpfs of mode 1777 at
    ``/usr/local/share/x``; in a site folder, a ``.pth`` file would run in every later worker)."""
    inside, points = target.rstrip(os.sep) + os.sep, []
    with open("/proc/self/mountinfo", "rb") as mounts:
        for line in mounts:
            point = re.sub(rb"\\([0-7]{3})", lambda code: bytes([int(code[1], 8)]), line.split(b" ")[4])
            path = os.fsdecode(point)
            if (path == target or path.startswith(inside)) and path not in points:
                points.append(path)
    return points


def _new_root(root: str, handin: str, readable: dict[str, list[str]], size_mb: int, owner: int | None) -> None:
    """A tmpfs at ``root`` holding read-only binds of ``readable["bind"]`` (with the folders of
    ``readable["mask"]`` covered by an empty tmpfs), a few devices, ``/tmp`` and
    a copy of the hand-in's ``mytorch`` in ``/work`` (``owner``'s, if given); then ``chroot``
    into it. The tmpfs holds ``size_mb`` of data and ``ROOT_INODES`` files and folders."""
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size_mb}m,nr_inodes={ROOT_INODES},mode=0755")
    for path in readable["bind"]:
        target = root + path
        os.makedirs(target, exist_ok=True)
        _mount(path, target, None, _MS_BIND | _MS_REC)
        for point in _mounts_at_or_below(target):  # (the bind's own, then every mount inside it)
            if not os.statvfs(point).f_flag & _ST_RDONLY:
                _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _locked_flags(point))
    empty = f"{root}/.empty"  # what a hidden file shows (a zipped copy of the reference): nothing
    open(empty, "w").close()
    for path in readable["mask"]:
        if os.path.isdir(path):
            _mount("tmpfs", root + path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=4k,mode=0555")
        else:
            _mount(empty, root + path, None, _MS_BIND)
            _mount(None, root + path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.unlink(empty)
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
    os.makedirs(f"{root}/dev")
    for device in _DEVICES:
        if os.path.exists(f"/dev/{device}"):
            open(f"{root}/dev/{device}", "w").close()
            _mount(f"/dev/{device}", f"{root}/dev/{device}", None, _MS_BIND)
    os.makedirs(f"{root}/work")
    copy_package(handin, f"{root}/work")
    if owner is not None:  # the unprivileged uid the worker becomes may write its own copy
        for folder, _, files in os.walk(f"{root}/work"):
            os.chown(folder, owner, owner)
            for name in files:  # a link itself, never what it points to (as root: any file of the machine)
                os.chown(os.path.join(folder, name), owner, owner, follow_symlinks=False)
    os.makedirs(f"{root}/tmp", exist_ok=True)  # exists already when Python itself lives under /tmp
    os.chmod(f"{root}/tmp", 0o1777)
    os.chdir(root)
    _check(_libc.chroot(b"."), "chroot")
    os.chdir("/work")


_CLONE_NEWNS, _MS_PRIVATE = 0x00020000, 1 << 18


def _own_tmpfs(root: str, handin: str, size_mb: int, owner: int | None) -> str | None:
    """Under ``uid`` and ``none`` with a root runner: a tmpfs of ``size_mb`` and ``ROOT_INODES``
    entries at ``root``, in a mount namespace of the worker's own (no other process sees it; it
    goes with the worker's last process), holding a copy of the hand-in's ``mytorch``
    (``owner``'s, if given): the folder the worker may write, as ``namespaces`` gives it. Until
    2026-12-03 that folder was on the runner's disk, and a worker wrote there as many files of
    ``RLIMIT_FSIZE`` as it liked for the length of its test; the runner's look at the folder
    (``isolation._too_full``) cannot see a file unlinked while kept open, a tmpfs counts it.
    Returns the folder, or None where the kernel refuses (a container without ``CAP_SYS_ADMIN``:
    the runner's look is all that bounds the disk then)."""
    if os.geteuid() != 0 or _libc.unshare(_CLONE_NEWNS) != 0:
        return None
    try:  # (private first: a mount under a shared one would show in the runner's namespace too)
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
        _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size_mb}m,nr_inodes={ROOT_INODES},mode=0700")
    except OSError:
        return None
    if owner is not None:
        _proc_of_its_own()
    copy_package(handin, root)
    if owner is not None:
        for folder, _, files in os.walk(root):
            os.chown(folder, owner, owner)
            for name in files:
                os.chown(os.path.join(folder, name), owner, owner, follow_symlinks=False)
    return root


def _proc_of_its_own() -> None:
    """Under ``uid``, in the worker's own mount namespace: a ``/proc`` that shows the worker's uid only the
    processes it may trace, its own (``hidepid=2``). Until 2026-12-04 a ``uid`` worker read every process's
    command line on the machine (checked: 127 of them, the runner's and its parent's among them, with the
    hand-in's path and whatever secret another program was given in its arguments). Not under ``none``,
    whose worker, a root without capabilities, would no longer see the runner (not dumpable) to keep it out
    of its signal filter; nor where the kernel refuses the mount (the worker sees them all, as before)."""
    try:
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "hidepid=2")
    except OSError:
        pass


def _drop_privileges(uid: int | None) -> None:
    """No capabilities left, none to regain (empty bounding set, locked secure bits, no new
    privileges); and with ``uid``, that unprivileged uid and gid, without groups. (Under ``none``
    too: until 2026-12-03 a worker of a runner run as root kept every capability there, and could
    make a device node of the machine's disk in its own folder, which its Landlock domain lets it
    open, or load a kernel module.)"""
    for cap in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails harmlessly past the last capability
    _libc.prctl(_PR_SET_SECUREBITS, _SECURE_BITS, 0, 0, 0)  # needs CAP_SETPCAP; best effort
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        # Dumpable again (switching uid made it not, ``fs.suid_dumpable`` 0): a runner without CAP_SYS_PTRACE (Docker's
        # default capabilities) reads its ``/proc/<pid>/fd`` and maps as its uid (``isolation._reading_as``), and
        # counts what it keeps open after unlinking. Its filter then refuses to change it (``_DUMPABLE_CALLS``);
        # ``RLIMIT_CORE`` 1 still stops every core dump.
        _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
    else:  # root of a user namespace: clear the effective, permitted and inheritable sets
        _check(_libc.capset((ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0), (ctypes.c_uint32 * 6)()), "capset")
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capget((ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0), data), "capget")
    if any(data):
        raise OSError(f"the worker still holds capabilities after dropping them: {list(data)}")


# Signals under ``none``: a seccomp filter (classic BPF over ``struct seccomp_data``).
_SYSCALLS = {  # machine: (audit arch, syscalls whose first argument is a pid, denied ones, fcntl, ioctl)
    "x86_64": (
        0xC000003E,
        (62, 200, 234, 129, 297, 434, 302, 142, 144, 203, 314),
        (101, 310, 311, 424, 438, 141, 251),
        72,
        16,
    ),
    "aarch64": (
        0xC00000B7,
        (129, 130, 131, 138, 240, 434, 261, 118, 119, 122, 274),
        (117, 270, 271, 424, 438, 140, 30),
        25,
        29,
    ),
}
"""kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open, prlimit64, sched_setparam,
sched_setscheduler, sched_setaffinity, sched_setattr; ptrace, process_vm_readv, process_vm_writev,
pidfd_send_signal, pidfd_getfd, setpriority, ioprio_set. (prlimit64 was allowed until 2026-12-02: a
process of the same user may set another's limits: a hand-in set the runner's file-size limit to
0, and the runner stopped at the next report it wrote, with no report or scores.csv for anyone in
the batch. setpriority and ioprio_set, whose pid is their second argument, were allowed too: a
hand-in could set the nice value or I/O class of the runner, or of every process of its user at
once (``PRIO_USER``); they are refused whole, the worker's own priority included.)"""
_KEYRING_CALLS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}
"""add_key, request_key, keyctl: refused to every worker once it is contained (see ``_forbid_keyrings``)."""
_REACHING_OUT = {"x86_64": (41, 425, 426, 427), "aarch64": (198, 425, 426, 427)}
"""socket, io_uring_setup, io_uring_enter, io_uring_register: refused to every worker once it is
contained, with the keyrings. A socket reached what the worker's processes are not part of: the
network, and under ``uid`` and ``none`` the daemons of the machine that start processes on request
(the user's systemd and D-Bus: ``systemd-run --user``, a tmux or screen server, sshd on localhost),
whose processes are no descendant of the runner and outlived grading; io_uring can make sockets
without the socket call. (``socketpair``, an unconnected pair, stays allowed.)"""
_KERNEL_SURFACE = {"x86_64": (298, 323, 321), "aarch64": (241, 282, 280)}
"""perf_event_open, userfaultfd, bpf: refused to every worker once it is contained, with the keyrings. No NumPy
program needs them, and they are among what kernel exploits are made of (performance counters' many bugs, a
userfaultfd to stall a fault at the moment a race needs, BPF maps and programs), where the kernel lets an
unprivileged process have them: until 2026-12-04 a hand-in opened a counter on itself and a user-mode
userfaultfd under namespaces, uid and none (here ``perf_event_paranoid`` 2, ``unprivileged_userfaultfd`` 0;
BPF was refused by ``unprivileged_bpf_disabled``, which other hosts leave at 0). Docker's default seccomp
profile refuses all three too."""
_UNCOUNTED_MEMORY = {
    "x86_64": (319, 29, 30, 31, 67, 64, 65, 66, 220, 68, 69, 70, 71),
    "aarch64": (279, 194, 196, 195, 197, 190, 193, 191, 192, 186, 189, 188, 187),
}
"""memfd_create and System V IPC (shmget, shmat, shmctl, shmdt, semget, semop, semctl, semtimedop, msgget, msgsnd,
msgrcv, msgctl): refused to every worker once it is contained, with the keyrings. A memory file's pages, and a
shared memory segment's once detached, count against no address-space limit (``--memory``) and against no
process's size; a message queue holds kernel memory. A worker could hold 64 memory files of 64 MiB each (its
descriptor and file-size limits), 4 GiB, and any number of segments (the kernel's default ``shmmax`` and ``shmall``
bound nothing), beyond the ``--memory`` x ``--max-procs`` x ``--jobs`` the documentation promised where no cgroup
holds a hand-in (a runner that is not root, or a container whose memory controller is read-only); out of memory, the
kernel, finding no large process, could end the runner. (Memory files until 2026-12-03, checked: 384 MiB held
under a 256 MiB address-space limit, none of it in the process's RSS. Segments under ``namespaces`` and ``uid``
until 2026-12-03, checked: eight of 64 MiB, touched and detached, held under ``--memory 400``; under ``uid`` a
segment also outlives the worker until the runner removes it after the test, so ending the worker freed nothing.
Under ``none`` they were refused already: they would be the runner's user's.) Files in ``/dev/shm``
or ``/tmp`` are out of reach already (Landlock; under ``namespaces`` its 64 MiB tmpfs)."""
_STAYING_TOGETHER = {"x86_64": (112, 109), "aarch64": (157, 154)}
"""setsid, setpgid: refused under ``none`` only (the signal filter). Every process a worker starts stays in its
session and process group, so that the runner kills them all at once with the group (until 2026-12-03 a hand-in
left the group with ``setsid``, and a chain of processes each forking the next and exiting could outrun the
runner's search for leftovers by pid). (System V IPC was refused here, under ``none`` only, until it was refused to
every worker with ``_UNCOUNTED_MEMORY``: the runner's user's objects outlive their processes and the runner cannot
tell them from its user's own; until 2026-12-03 a hand-in left a shared memory segment that a later hand-in of the
batch read.)"""
_FILE_ATTRIBUTES = {
    "x86_64": (90, 91, 268, 452, 92, 93, 94, 260, 132, 235, 261, 280, 188, 189, 190, 197, 198, 199, 463, 466),
    "aarch64": (52, 53, 452, 54, 55, 88, 5, 6, 7, 14, 15, 16, 463, 466),
}
"""chmod, fchmod, fchmodat, fchmodat2; chown, fchown, lchown, fchownat; utime, utimes, futimesat, utimensat;
setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr, fremovexattr, setxattrat, removexattrat (ARM64 has
only the ``at`` and ``f`` forms): refused under ``none`` only (the signal filter). Landlock does not govern a
file's mode, owner, times or extended attributes, so a worker, as its user, could change them on every file that
user owns: until 2026-12-03 a hand-in under ``none`` made a root runner's files mode 4777 (as root: any program
of the machine setuid root for every local user, ``/etc/shadow`` readable) and the grader's folder 0700 (a runner
that is not root can then write no report). Under ``uid`` the worker's uid owns nothing but its own files."""
_F_SETOWN, _F_SETOWN_EX, _FIOSETOWN, _SIOCSPGRP = 8, 15, 0x8901, 0x8902
_FILE_FLAGS = (0x40086602, 0x40046602, 0x401C5820)
"""ioctl FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS and FS_IOC_FSSETXATTR: a file's flags (``chattr``), set by its
owner through any descriptor, a read-only one too, and governed by no Landlock right: refused under ``none``
with the other attributes (``_FILE_ATTRIBUTES``; until 2026-12-03 a worker of a root runner could mark the
Python installation's files ``nodump``, ``sync`` or ``noatime``)."""
_NEW_NAMESPACES = {"x86_64": (56, 272, 435), "aarch64": (220, 97, 435)}
"""clone, unshare, clone3: every worker, once contained, may make no user namespace (``CLONE_NEWUSER`` in the
flags of clone or unshare is refused, EPERM; clone3, whose flags a filter cannot read, answers ENOSYS, on which the
C library falls back to clone). Under ``uid`` and ``none`` a worker made them (inside one it held every capability
of that namespace: the kernel's code for them, a classic way in for an exploit, was the hand-in's to call), where
``namespaces``, whose worker is chrooted, refused them already (until 2026-12-03)."""
_CORE_LIMIT_CALLS = {"x86_64": (160, 302), "aarch64": (164, 261)}
"""setrlimit, prlimit64: a worker may not change its own ``RLIMIT_CORE`` (1: see ``isolation.CORE_LIMIT``). Where the
kernel pipes core dumps to a program (``core_pattern`` starting with ``|``: apport, systemd-coredump), a limit of 0
stops no dump; 1 is the value the kernel takes for 'no dump' there, and too small for a core file, and a worker that
lowered it to 0 would have its crashes dumped to that program again."""
_RLIMIT_CORE = 4
_DUMPABLE_CALLS = {"x86_64": 157, "aarch64": 167}
"""prctl: a ``uid`` worker, made dumpable once it has switched uid (``_drop_privileges``), may not make itself
undumpable (``PR_SET_DUMPABLE``, prctl's first argument): the runner, lacking CAP_SYS_PTRACE, could no longer read
what it holds after unlinking, and takes a process it cannot read for one over ``--disk`` (``isolation._too_full``)."""
_RESERVING_DISK = {"x86_64": (285,), "aarch64": (47,)}
"""fallocate: refused to every worker once it is contained, with the keyrings, and so are the ioctls that call it
(``_RESERVING_IOCTLS``). With ``FALLOC_FL_KEEP_SIZE`` it reserves disk without writing and without growing the file,
so the file-size limit (``RLIMIT_FSIZE``, ``--disk``) binds none of it: until 2026-12-05 one call reserved 1 GiB in
20 ms under a limit of 64 MiB, and where a worker's folder is on the disk (``uid`` without ``CAP_SYS_ADMIN``, as on
Gradescope; ``none`` where the runner may not mount) a hand-in could fill the machine's disk between two of the
runner's looks at its folder (checked: 150 files of 64 MiB, 9.6 GB, in one test under ``--disk 64``). No NumPy
program needs it (a private tmpfs, ``namespaces``' and where the runner may mount, bounds it already)."""
_PASSING_FILES = {"x86_64": (46, 307), "aarch64": (211, 269)}
"""sendmsg, sendmmsg: refused to every worker once it is contained, with the keyrings. A descriptor sent over a
``socketpair`` (``SCM_RIGHTS``) and not yet received keeps its file open in no process's descriptors or maps, where
the runner counts the files a test's processes hold after unlinking them (``isolation._held_after_unlinking``): until
2026-12-05 a hand-in held 160 MiB so under ``--disk 16`` for as long as its test ran, and the kernel lets a uid have
65 such messages in flight, 4 GiB of files of ``--disk`` MiB. No NumPy program needs them (``send`` and ``recv`` on a
pair stay allowed; ``socket`` itself is refused, ``_REACHING_OUT``)."""
_PINNING_PAGES = {"x86_64": (278, 275, 276, 40), "aarch64": (75, 76, 77, 71)}
"""vmsplice, splice, tee, sendfile: refused to every worker once it is contained, with the keyrings. They put pages
into a pipe or a ``socketpair`` by reference (``vmsplice`` a page of the process's own memory; ``splice`` and ``tee``
a pipe's pages; ``sendfile`` a file's), and a page so held stays in the kernel once the memory that held it is
unmapped or the file truncated, in no process's address space or folder; a socket's buffer counts the bytes sent, not
the pages they lie in. Until 2026-12-05 a process under an address-space limit of 64 MiB held 256 MiB in 8 pipes (one
byte of a huge page of 2 MiB in each of their 16 slots; 64 descriptors' worth, 2 GiB per process), 17 MiB in one
socket of one-byte pages spliced from a pipe, and 120 MiB in one socket of one-byte ``sendfile`` calls from a file
truncated after each: beyond ``--memory`` x ``--max-procs`` x ``--jobs`` wherever no cgroup holds the hand-in (a
runner that is not root, a container whose memory controller is read-only). No NumPy program needs them
(``shutil.copyfile``, refused ``sendfile`` before it copied anything, copies by reading and writing)."""
_MACHINE_WIDE = {"x86_64": (206,), "aarch64": (0,)}
"""io_setup: refused to every worker once it is contained, with the keyrings. A Linux AIO context's events count against
``fs.aio-max-nr``, one limit for the whole machine that no namespace, uid or cgroup divides: until 2026-12-05 a worker
took all 65,536 of this machine's events (16 contexts of 4096), and every other process's ``io_setup`` failed
(``EAGAIN``) until it ended. Python and NumPy never use it."""
_RESERVING_IOCTLS = (0x40305828, 0x4030582A, 0x40305839)
"""ioctl FS_IOC_RESVSP, FS_IOC_RESVSP64 and FS_IOC_ZERO_RANGE: ``fallocate`` by another name, on every file system
(``_RESERVING_DISK``)."""
_CLONE_NEWUSER = 0x10000000
_LOAD, _JEQ, _JGE, _JGT, _JSET, _RET = 0x20, 0x15, 0x35, 0x25, 0x45, 0x06
_ALLOW, _EPERM, _ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _signal_filter(machine: str, own: int, protected: list[int]) -> list[tuple[int, int, int, int]] | None:
    """The filter's instructions ``(code, jt, jf, k)`` for a worker of pid ``own``, or None on a
    machine it does not know. A pid argument (of the pid syscalls, and of ``fcntl(F_SETOWN)``,
    which names who receives SIGIO) may be 0, the worker's own process group (``-own``) or any
    positive pid but those of ``protected`` (the processes of its user that existed when it
    started: the runner, what started the runner, their siblings); tracing, other processes'
    memory, signals through a pidfd or a socket's owner, the keyrings (``_KEYRING_CALLS``), sockets
    (``_REACHING_OUT``), memory files and System V IPC (``_UNCOUNTED_MEMORY``), leaving the worker's
    session or process group (``_STAYING_TOGETHER``), user namespaces (``_NEW_NAMESPACES``), performance
    counters, userfaultfd and BPF (``_KERNEL_SURFACE``), changing ``RLIMIT_CORE`` (``_CORE_LIMIT_CALLS``), changing a
    file's mode, owner, times, extended attributes or flags (``_FILE_ATTRIBUTES``, ``_FILE_FLAGS``), reserving disk
    without writing (``_RESERVING_DISK``, ``_RESERVING_IOCTLS``), passing descriptors (``_PASSING_FILES``), pinning
    pages in a pipe or a socket (``_PINNING_PAGES``), AIO contexts (``_MACHINE_WIDE``) and every call of another ABI
    (32-bit, x32) than the machine's are refused (EPERM; clone3 ENOSYS). (Not a
    rule on pid order: on a machine whose pids wrap at 32768, what a worker starts may get a smaller pid
    than the runner's.)"""
    if machine not in _SYSCALLS:
        return None
    arch, pid_calls, denied, fcntl, ioctl = _SYSCALLS[machine]
    program: list = [(_LOAD, 0, 0, 4), (_JEQ, 0, "deny", arch), (_LOAD, 0, 0, 0), (_JGE, "deny", 0, 0x40000000)]
    program += _core_limit_jumps(machine)
    program += [(_JEQ, "pid_argument", 0, nr) for nr in pid_calls]
    refused = denied + _KEYRING_CALLS[machine] + _REACHING_OUT[machine] + _STAYING_TOGETHER[machine]
    refused += _FILE_ATTRIBUTES[machine] + _UNCOUNTED_MEMORY[machine] + _KERNEL_SURFACE[machine]
    further = _RESERVING_DISK[machine] + _PASSING_FILES[machine] + _PINNING_PAGES[machine] + _MACHINE_WIDE[machine]
    program += [(_JEQ, "deny", 0, nr) for nr in refused + further]
    program += _namespace_jumps(machine)
    program += [(_JEQ, "fcntl", 0, fcntl), (_JEQ, "ioctl", 0, ioctl), (_RET, 0, 0, _ALLOW)]
    program += ["flags", (_LOAD, 0, 0, 16), (_JSET, "deny", "allow", _CLONE_NEWUSER), "clone3", (_RET, 0, 0, _ENOSYS)]
    program += ["fcntl", (_LOAD, 0, 0, 24), (_JEQ, "deny", 0, _F_SETOWN_EX), (_JEQ, 0, "allow", _F_SETOWN),
                (_LOAD, 0, 0, 32), (_JEQ, "pid", "pid", 0)]  # fmt: skip
    refused_commands = (_FIOSETOWN, *_FILE_FLAGS, *_RESERVING_IOCTLS)
    program += ["ioctl", (_LOAD, 0, 0, 24), *[(_JEQ, "deny", 0, command) for command in refused_commands],
                (_JEQ, "deny", "allow", _SIOCSPGRP)]  # fmt: skip
    program += _core_limit_checks("allow", "pid_argument")
    program += ["allow", (_RET, 0, 0, _ALLOW), "deny", (_RET, 0, 0, _EPERM)]
    # Last, each answer next to its test (a jump goes forward, at most 255 instructions):
    program += ["pid_argument", (_LOAD, 0, 0, 16), "pid", (_JEQ, 0, 1, 0), (_RET, 0, 0, _ALLOW),
                (_JGE, 0, 3, 0x80000000), (_JEQ, 0, 1, 2**32 - own), (_RET, 0, 0, _ALLOW),
                (_RET, 0, 0, _EPERM)]  # fmt: skip
    for pid in protected:
        program += [(_JEQ, 0, 1, pid), (_RET, 0, 0, _EPERM)]
    program += [(_RET, 0, 0, _ALLOW)]
    return _assembled(program)


def _keyring_filter(machine: str) -> list[tuple[int, int, int, int]] | None:
    """The filter's instructions that refuse the keyring calls, sockets (``_REACHING_OUT``), memory
    files and System V IPC (``_UNCOUNTED_MEMORY``), performance counters, userfaultfd and BPF (``_KERNEL_SURFACE``),
    user namespaces (``_NEW_NAMESPACES``), changes to ``RLIMIT_CORE`` (``_CORE_LIMIT_CALLS``) and to being dumpable
    (``_DUMPABLE_CALLS``), reserving disk without writing (``_RESERVING_DISK``, ``_RESERVING_IOCTLS``), passing
    descriptors (``_PASSING_FILES``), pinning pages in a pipe or a socket (``_PINNING_PAGES``), AIO contexts
    (``_MACHINE_WIDE``) and every call of another ABI than the machine's, or None on a machine it does not know."""
    if machine not in _SYSCALLS:
        return None
    program: list = [(_LOAD, 0, 0, 4), (_JEQ, 0, "deny", _SYSCALLS[machine][0]), (_LOAD, 0, 0, 0),
                     (_JGE, "deny", 0, 0x40000000)]  # fmt: skip
    refused = _KEYRING_CALLS[machine] + _REACHING_OUT[machine] + _UNCOUNTED_MEMORY[machine] + _KERNEL_SURFACE[machine]
    further = _RESERVING_DISK[machine] + _PASSING_FILES[machine] + _PINNING_PAGES[machine] + _MACHINE_WIDE[machine]
    program += [(_JEQ, "deny", 0, nr) for nr in refused + further]
    program += [*_namespace_jumps(machine), *_core_limit_jumps(machine), (_JEQ, "prctl", 0, _DUMPABLE_CALLS[machine]),
                (_JEQ, "ioctl", 0, _SYSCALLS[machine][4]), "allow", (_RET, 0, 0, _ALLOW),
                "clone3", (_RET, 0, 0, _ENOSYS),
                "ioctl", (_LOAD, 0, 0, 24), *[(_JEQ, "deny", 0, command) for command in _RESERVING_IOCTLS[:-1]],
                (_JEQ, "deny", "allow_flags", _RESERVING_IOCTLS[-1]),
                *_core_limit_checks("allow_flags", "allow_flags"),
                "prctl", (_LOAD, 0, 0, 16), (_JEQ, "deny", "allow_flags", _PR_SET_DUMPABLE)]  # fmt: skip
    program += ["flags", (_LOAD, 0, 0, 16), (_JSET, "deny", "allow_flags", _CLONE_NEWUSER), "allow_flags",
                (_RET, 0, 0, _ALLOW)]  # fmt: skip
    return _assembled(program + ["deny", (_RET, 0, 0, _EPERM)])


def _namespace_jumps(machine: str) -> list[tuple]:
    """A filter's jumps for ``_NEW_NAMESPACES``: clone and unshare to ``"flags"`` (where the flags, the
    first argument's low 32 bits, are tested for ``CLONE_NEWUSER``), clone3 to ``"clone3"``."""
    clone, unshare, clone3 = _NEW_NAMESPACES[machine]
    return [(_JEQ, "flags", 0, clone), (_JEQ, "flags", 0, unshare), (_JEQ, "clone3", 0, clone3)]


def _core_limit_jumps(machine: str) -> list[tuple]:
    """A filter's jumps for ``_CORE_LIMIT_CALLS``: setrlimit to ``"setrlimit"``, prlimit64 to ``"prlimit"``."""
    setrlimit, prlimit = _CORE_LIMIT_CALLS[machine]
    return [(_JEQ, "setrlimit", 0, setrlimit), (_JEQ, "prlimit", 0, prlimit)]


def _core_limit_checks(allowed: str, prlimit_allowed: str) -> list:
    """The checks ``_core_limit_jumps`` lead to: setting ``RLIMIT_CORE`` (setrlimit's first argument, or prlimit64's
    second with a new limit given, a third argument other than NULL) is refused; any other setrlimit goes to
    ``allowed``, any other prlimit64 to ``prlimit_allowed`` (under ``none``, the check of its pid)."""
    return ["setrlimit", (_LOAD, 0, 0, 16), (_JEQ, "deny", allowed, _RLIMIT_CORE),
            "prlimit", (_LOAD, 0, 0, 24), (_JEQ, 0, prlimit_allowed, _RLIMIT_CORE),
            (_LOAD, 0, 0, 32), (_JEQ, 0, "deny", 0), (_LOAD, 0, 0, 36), (_JEQ, prlimit_allowed, "deny", 0)]  # fmt: skip


def _assembled(program: list) -> list[tuple[int, int, int, int]]:
    """``program``'s instructions, its labels (strings) resolved into jumps (forward, at most 255)."""
    labels, index = {}, 0
    for item in program:
        if isinstance(item, str):
            labels[item] = index
        else:
            index += 1
    code = [item for item in program if not isinstance(item, str)]
    jump = lambda target, at: labels[target] - at - 1 if isinstance(target, str) else target  # noqa: E731
    instructions = [(op, jump(jt, at), jump(jf, at), k) for at, (op, jt, jf, k) in enumerate(code)]
    if not all(0 <= jt <= 255 and 0 <= jf <= 255 for _, jt, jf, _ in instructions):
        raise ValueError("a seccomp filter has a jump out of reach")  # a mistake in the function that wrote it
    return instructions


_MAX_PROTECTED = 1900
"""At most this many pids in the filter (two instructions each; a filter holds 4096)."""


def _status(pid: int) -> dict[str, str]:
    """The fields of ``/proc/<pid>/status`` by name (values unparsed)."""
    with open(f"/proc/{pid}/status") as status:
        return dict(line.split(":", 1) for line in status if ":" in line)


def _tasks_of_my_user() -> int:
    """How many tasks (processes and their threads) of this process's real uid ``/proc`` shows: what
    the kernel counts against ``RLIMIT_NPROC``, this process included, as far as this PID namespace
    sees (the same uid's tasks in another one are counted by the kernel, not here)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = _status(int(entry.name))
                if int(fields["Uid"].split()[0]) == uid:
                    count += int(fields["Threads"])
            except (OSError, KeyError, ValueError):
                continue
    return count


def _cap_processes(more: int) -> int:
    """Under ``none``: ``RLIMIT_NPROC`` (soft and hard) at the tasks this process's user has now
    plus ``more``; returns it. The limit counts every task of the user, so no fixed number fits (it
    would stop the runner's user, or bind nothing); measured here, once the worker has started what
    it will, it keeps the user's tasks from growing by more than ``more`` through the hand-in's forks
    (until 2026-12-03 a worker under ``none`` could fork until the user's own limit). Tasks of the
    user that end meanwhile leave their room to the hand-in; tasks the user starts meanwhile take
    it. The kernel does not apply the limit to root (uid 0), nor count tasks another PID namespace
    hides from this one (the cap is then lower: the hand-in may fork less, or not at all)."""
    cap = _tasks_of_my_user() + more
    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    return cap


def _processes_of_my_user() -> list[int]:
    """The pids of this process's ancestors, then of every other process of its real uid (by
    ``/proc/<pid>/status``: the directory of a process that is not dumpable, such as the runner,
    is root's), each followed by the ids of its other threads, at most ``_MAX_PROTECTED``; this
    process excluded. (A signal to any thread's id reaches its whole process: until 2026-12-02
    only the pids were protected, and a hand-in killed the runner through one of its threads.)"""

    def parent_and_uid(pid: int) -> tuple[int, int]:
        fields = _status(pid)
        return int(fields["PPid"]), int(fields["Uid"].split()[0])

    own, uid = os.getpid(), os.getuid()
    ancestors, pid = [], os.getppid()
    while pid > 1 and len(ancestors) < 64:
        ancestors.append(pid)
        try:
            pid = parent_and_uid(pid)[0]
        except (OSError, KeyError, ValueError):
            break
    others = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) not in (own, *ancestors):
            try:
                if parent_and_uid(int(entry.name))[1] == uid:
                    others.append(int(entry.name))
            except (OSError, KeyError, ValueError):
                continue
    protected = []
    for pid in ancestors + sorted(others):
        protected.append(pid)
        try:
            protected += sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid)
        except (OSError, ValueError):
            continue
    return protected[:_MAX_PROTECTED]


def _forbid_signals_outside() -> bool:
    """Under ``none`` (the worker is the runner's user, which may signal the runner and the
    processes that started it): let the worker signal only itself, what it starts, and other
    users' processes as the kernel allows (see ``_signal_filter``). Needs
    ``PR_SET_NO_NEW_PRIVS``; False on a machine the filter does not know or a kernel without
    seccomp filters."""
    instructions = _signal_filter(os.uname().machine, os.getpid(), _processes_of_my_user())
    return instructions is not None and _install(instructions)


def _forbid_keyrings() -> bool:
    """Under ``uid`` and ``namespaces``: no keyring calls, no sockets (``_REACHING_OUT``), no memory
    files and no System V IPC (``_UNCOUNTED_MEMORY``). The worker's uid is its slot's, so the next
    hand-in graded in that slot has it too, and a key in the uid's user keyring (``@u``, ``@us``, its
    persistent keyring) outlives every process: until 2026-12-02 a key one hand-in added (its source, up to the uid's
    20000 bytes) was a later hand-in's to read. (Under ``none`` the signal filter refuses them too:
    the user's keyring is the runner's user's.) Where seccomp filters are refused, keyrings are often refused as well
    (Docker's default profile); where the kernel refuses the filter, the worker goes on and the
    runner's note says so (``unprotected``). True if the filter is in place."""
    instructions = _keyring_filter(os.uname().machine)
    if instructions is None:
        return False
    try:
        return _install(instructions)
    except OSError:
        return False


_UNPROTECTED = {
    "keyrings": "the kernel refuses the seccomp filter that keeps workers from the keyrings, sockets, memory files "
    "and System V IPC, so a hand-in can leave a key in its uid's keyring for the next hand-in graded in its slot, hold "
    "memory beyond --memory, and under uid use the network and ask the machine's daemons to start processes that "
    "outlive grading",
    "signals": "the kernel (or this machine's architecture: only x86-64 and ARM64 are known) refuses the seccomp "
    "filter that keeps workers from signalling, tracing and setting the limits of the runner and the processes "
    "that started it, and from sockets, System V IPC, leaving their session and changing the mode of files, so a "
    "hand-in can kill the runner and write the last line of the output itself, leave processes that outrun the "
    "search for leftovers, leave a shared memory segment for a later hand-in, and make its user's files (the "
    "grader's among them) unreadable or writable to all",
    "landlock": "the kernel has no Landlock, so a hand-in can open every file its user may (the grader, the "
    "reference solution, other hand-ins; under none, write them too) and, under none, the memory, the open files "
    "and the environment of the processes that started the runner (/proc), and write the last line of the output "
    "there",
}
"""What a worker could not set up, for the runner's note."""


def unprotected(mode: str) -> list[str]:
    """What ``contain`` cannot set up here under ``mode`` (the keyring filter; under ``none`` the
    signal filter and Landlock), each said in a sentence for the runner's note, found by setting
    them up in a short-lived process of their own. A worker goes on without them (every test would
    fail otherwise); until 2026-12-02 a kernel that refused the keyring filter left the keyrings
    open and nothing said so."""
    import json
    import subprocess
    import sys

    wanted = ["signals", "landlock"] if mode == "none" else ["keyrings", "landlock"] if mode == "uid" else ["keyrings"]
    try:
        done = subprocess.run([sys.executable, "-I", "-S", __file__, mode], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})  # fmt: skip
        kept = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        kept = []
    return [_UNPROTECTED[name] for name in wanted if name not in kept]


def _set_up(mode: str) -> list[str]:
    """What of ``unprotected``'s list this process can set up on itself (it keeps them)."""
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    kept = []
    landlock = ("landlock", lambda: _landlocked([("/proc", "read")], scope_signals=True))  # (one rule, as workers)
    for name, set_up in [("keyrings", _forbid_keyrings), landlock] if mode != "none" else [
        ("signals", _forbid_signals_outside), landlock]:  # fmt: skip
        try:
            if set_up():
                kept.append(name)
        except OSError:
            continue
    return kept


def _install(instructions: list[tuple[int, int, int, int]]) -> bool:
    """Install a seccomp filter (needs ``PR_SET_NO_NEW_PRIVS``); False on a kernel without seccomp
    filters.

    Raises:
        OSError: the kernel refused it.
    """
    filters = (_SockFilter * len(instructions))(*[_SockFilter(*i) for i in instructions])
    program = _SockFprog(len(instructions), filters)
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        if ctypes.get_errno() == errno.EINVAL:  # a kernel built without seccomp filters
            return False
        _check(-1, "prctl(PR_SET_SECCOMP)")
    return True


_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446  # (one number everywhere)
_LANDLOCK_RULE_PATH_BENEATH, _LANDLOCK_SCOPE_SIGNAL = 1, 1 << 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_FS_ON_A_FILE = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
"""The rights a rule on a file (not a folder) may give."""
_FS_BITS = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
"""How many of the file-system access rights (bits from 0) each Landlock ABI knows (16 from ABI 5 on)."""
_O_PATH = getattr(os, "O_PATH", 0o10000000)


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _without(folder: str, hidden: list[str]) -> list[str]:
    """``folder``'s entries that hold nothing of ``hidden`` (folders inside it), looked into as deep as
    needed: what a Landlock rule may open instead of ``folder`` itself (a rule covers a whole tree).
    Links are left out (a rule would cover what they point to); so is a folder that cannot be listed.
    Listed by the worker before it drops its privileges: until 2026-12-04 a ``uid`` worker listed them
    as its own uid, and a hidden path in a folder closed to it (a copy of MyTorch installed into a
    Python under ``/root``, as pyenv's) made the listing fail, which the worker took for a kernel
    refusing Landlock: it went on without any Landlock domain, reading every file other users may read
    (the reference solution in a world-readable checkout, the machine's ``/etc``)."""
    if not hidden:
        return [folder]
    kept = []
    try:
        entries = list(os.scandir(folder))
    except OSError:  # (removed meanwhile: nothing of it is opened)
        return []
    for entry in entries:
        inside = [h for h in hidden if h.startswith(entry.path + os.sep)]
        if entry.path in hidden or entry.is_symlink():
            continue
        kept += _without(entry.path, inside) if inside and entry.is_dir() else [entry.path]
    return kept


def landlock_rules(readable: dict[str, list[str]], own: str) -> list[tuple[str, str]]:
    """What a ``uid`` or ``none`` worker may open, as ``namespaces`` shows it in its private root:
    ``(path, "read")`` for the folders of ``readable["bind"]`` without those of ``readable["mask"]``
    (the grader, the reference ``mytorch``, the temporary folder), ``(path, "device")`` for
    ``/dev/null``, ``zero``, ``random`` and ``urandom``, ``("/proc", "read")`` (what it showed before:
    another process's memory, open files and environment stay closed, by their owner or dumpability
    and by the Landlock domain itself) and ``(own, "write")``: its own folder."""
    rules = []
    for bind in readable["bind"]:
        inside = [m for m in readable["mask"] if m.startswith(bind + os.sep)]
        rules += [(path, "read") for path in _without(bind, inside)]
    rules += [(f"/dev/{device}", "device") for device in _DEVICES if os.path.exists(f"/dev/{device}")]
    return rules + [("/proc", "read"), (own, "write")]


def _landlocked(rules: list[tuple[str, str]], scope_signals: bool) -> bool:
    """Put the worker in a Landlock domain of its own, where it may open only what ``rules`` allow
    (``landlock_rules``: until 2026-12-02 a ``none`` worker read and wrote all its user could, the
    other hand-ins' reports among them, and a ``uid`` worker read every world-readable file, the
    reference solution and the grader among them), and from which no process outside it may be
    traced or read through ``/proc`` (``environ``, ``mem``, ``fd/``) nor, with ``scope_signals`` on
    a kernel of Landlock ABI 6 or later (Linux 6.12), signalled. Under ``none`` the processes that
    started the runner are the worker's user's and dumpable: until 2026-12-02 a hand-in read the
    environment of the runner's parent (a token set for the runner with it) and could open its
    memory for writing. False where the kernel has no Landlock.

    Raises:
        OSError: the kernel refused the domain, or a rule's path cannot be opened.
    """
    _libc.syscall.restype = ctypes.c_long
    version = _libc.syscall(ctypes.c_long(_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if version < 1:
        return False
    handled = (1 << _FS_BITS.get(version, 16)) - 1
    access = {"read": _FS_READ, "write": handled,
              "device": handled & (_FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV)}  # fmt: skip
    attr = (ctypes.c_uint64 * 3)(handled, 0, _LANDLOCK_SCOPE_SIGNAL if scope_signals else 0)  # fs, net, scoped
    size = ctypes.c_size_t(24 if version >= 6 else 8)
    ruleset = _libc.syscall(ctypes.c_long(_LANDLOCK_CREATE_RULESET), attr, size, ctypes.c_uint32(0))
    if ruleset < 0:
        _check(-1, "landlock_create_ruleset")
    try:
        for path, kind in rules:
            try:
                fd = os.open(path, _O_PATH | os.O_CLOEXEC)
            except OSError:  # out of the worker's reach anyway (a Python in /root, under uid)
                continue
            try:
                rule = _PathBeneath(access[kind] if os.path.isdir(path) else access[kind] & _FS_ON_A_FILE, fd)
                number = ctypes.c_long(_LANDLOCK_ADD_RULE)
                added = _libc.syscall(number, ctypes.c_long(ruleset), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                                      ctypes.byref(rule), ctypes.c_uint32(0))  # fmt: skip
                _check(added, f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        restricted = _libc.syscall(ctypes.c_long(_LANDLOCK_RESTRICT_SELF), ctypes.c_long(ruleset), ctypes.c_uint32(0))
        _check(restricted, "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return True


_KEYCTL = {"x86_64": 250, "aarch64": 219}
_KEYCTL_JOIN_SESSION_KEYRING = 1


def _own_session_keyring() -> None:
    """Join a fresh, empty session keyring (as root where the runner is: a hand-in cannot fill
    the quota it is charged to). A process keeps its session keyring across a change of uid,
    and the runner's is the one of the session that started it (a login's, holding its
    Kerberos tickets and other keys): every key in it was the student code's to read. Where
    keyrings are missing or refused (a seccomp filter, as Docker's), the hand-in cannot reach
    them either; over its key quota (only a runner that is not root: the user's 200 keys, which
    a hand-in running as that user could fill) the worker goes on rather than fail every test."""
    number = _KEYCTL.get(os.uname().machine)
    if number is None:
        return
    _libc.syscall.restype = ctypes.c_long
    if _libc.syscall(ctypes.c_long(number), ctypes.c_long(_KEYCTL_JOIN_SESSION_KEYRING), None) < 0:
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EPERM, errno.EACCES, errno.EDQUOT):
            _check(-1, "keyctl(KEYCTL_JOIN_SESSION_KEYRING)")


def _first_to_go() -> None:
    """Be the first process the kernel ends when the machine runs out of memory (``oom_score_adj``
    1000, inherited by what the worker starts; as root, where the runner is, also its floor, which
    the hand-in cannot lower). The kernel's choice goes by size: where no cgroup holds a hand-in
    (``--sandbox none``, whose process limit is only relative to its user's tasks), many processes each smaller than the
    runner made the runner the largest, and ended it: no report, no score line (until 2026-12-03)."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adjustment:
            adjustment.write("1000")
    except OSError:  # no /proc (a kernel without it): the kernel's own choice
        pass


_FIRST_LIMITS = ("AS", "CPU")
"""The limits set before the worker reads the hand-in's files (``imports_on_demand`` parses them as root under
``uid``): until 2026-12-04 they came after, and a 600 KB file of one list held 425 MB of syntax tree under
``--memory 300`` (a file of 1 MiB, 750 MB; an f-string of 1 MiB, 59 s of CPU before the startup limit ended it)."""


def _set_limits(limits: dict[str, int]) -> None:
    """``RLIMIT_<NAME>`` = value for each entry (CPU gets a hard limit one second above)."""
    for name, value in limits.items():
        hard = value + 1 if name == "CPU" else value
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, hard))


def contain(config: dict[str, Any]) -> str:
    """Apply the worker's containment; returns the folder that holds the hand-in's ``mytorch``.

    Args:
        config: the runner's instructions: ``mode`` (namespaces, uid or none), ``handin`` (the
            folder holding ``mytorch``), ``root`` (an empty folder for the private root),
            ``readable`` (folders to show read-only and to hide, see ``readable_paths``),
            ``tmpfs_mb``, ``uid`` (or None), ``limits`` (resource name -> value),
            ``procs_above_user`` (under ``none``: how many more tasks the worker may add to its
            user's, ``_cap_processes``) and ``cgroup_procs`` (the cgroups to join, or None).

    Raises:
        OSError: a step failed; the worker then reports it instead of running student code.
    """
    for joined in config.get("cgroup_procs") or []:  # the hand-in's limits, before anything of it runs
        with open(joined, "w") as procs:
            procs.write("0")
    _first_to_go()
    _own_session_keyring()
    _set_limits({name: value for name, value in config["limits"].items() if name in _FIRST_LIMITS})
    for name in PRELOAD:
        importlib.import_module(name)
    folder = config["handin"]
    if config["mode"] == "uid":
        for name in imports_on_demand(folder):
            importlib.import_module(name)
    if config["mode"] == "namespaces":
        _new_root(config["root"], folder, config["readable"], config["tmpfs_mb"], config["uid"])
        folder = "/work"
        os.environ.update(HOME="/work", TMPDIR="/tmp")
    else:
        own = _own_tmpfs(config["root"], folder, config["tmpfs_mb"], config["uid"])
        if own is not None:
            folder = own
            os.environ.update(HOME=own, TMPDIR=own)
    os.chdir(folder)
    _set_limits(config["limits"])
    if config["mode"] == "none":
        _cap_processes(config["procs_above_user"])
    # What it may open, listed before it drops its privileges (see ``_without``); its private root under
    # namespaces shows it no more than this.
    rules = landlock_rules(config["readable"], folder) if config["mode"] != "namespaces" else None
    _drop_privileges(config["uid"])  # (under none as root: uid 0 without a capability)
    if config["mode"] != "none":
        _forbid_keyrings()
    else:
        _forbid_signals_outside()
    if rules is not None:
        try:
            _landlocked(rules, scope_signals=config["mode"] == "none")
        except OSError:  # a kernel (or a container's filter) refusing a part of Landlock: the note says so
            if config["mode"] == "none":  # (where it is all that keeps the runner's parent's /proc closed)
                raise
    return folder


if __name__ == "__main__":  # ``unprotected``'s process: python -I -S jail.py MODE
    import json
    import sys

    print(json.dumps(_set_up(sys.argv[1])))
