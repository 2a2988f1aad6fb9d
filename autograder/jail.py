"""Inside a worker, before the student's code runs: resource limits, a private root, no privileges.

``contain(config)`` is the worker's last trusted step. What it does depends on the sandbox
the runner chose (see ``containment``):

* ``namespaces``: the worker is process 1 of fresh PID, mount, network, IPC and UTS namespaces
  (started by ``unshare``). It mounts a small tmpfs as a new root, binds the Python
  installation into it read-only, copies the hand-in to ``/work``, ``chroot``s there and
  gives up every privilege: the student's code sees no other process, no network, no file of
  the grader or of another hand-in, and can write only to its own small tmpfs;
* ``uid``: the worker switches to an unprivileged uid of its own (the runner kills every
  process of that uid after the test);
* ``none``: only the limits and the private folder.

In every mode the resource limits (CPU seconds, address space, processes, file size, open
files, no core dumps) are set, and no new privileges can be gained (``PR_SET_NO_NEW_PRIVS``).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import resource
import shutil
from typing import Any

__all__ = ["PRELOAD", "contain", "readable_paths"]

PRELOAD = ("__future__", "abc", "array", "collections", "contextlib", "copy", "dataclasses", "enum", "functools",
           "inspect", "itertools", "json", "math", "numbers", "operator", "random", "re", "string", "struct",
           "textwrap", "time", "traceback", "typing", "warnings", "weakref", "numpy.random", "numpy.fft")  # fmt: skip
"""Modules imported before privileges are dropped: under ``uid`` the Python installation may
be unreadable to the worker's uid (a Python in root's home, as with pyenv), so a module first
imported by the hand-in would not import. The standard modules MyTorch imports, and the
NumPy submodules that ``import numpy`` leaves to their first use (``numpy.random``, which
MyTorch's factories use at import, and ``numpy.fft``). ``tests/test_jail_preload.py`` checks
that importing MyTorch reads no file of the installation after these."""

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC = 32, 4096, 16384
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_ST_NOEXEC, _ST_NOATIME, _ST_NODIRATIME, _ST_RELATIME = 8, 1024, 2048, 4096
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_SET_NO_NEW_PRIVS = 24, 28, 38
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


def readable_paths(hidden: list[str]) -> dict[str, list[str]]:
    """What a worker's private root shows, read-only: the Python installation and the system's
    libraries (``/usr`` and the real folders among ``/lib``, ``/lib64``, ``/bin``) under
    ``"bind"``; and under ``"mask"`` the folders of ``hidden`` (the grader, the reference
    ``mytorch``, the temporary folder) that lie inside them, covered with an empty tmpfs (a
    grader installed in site-packages, beside NumPy)."""
    import sys

    import numpy

    wanted = {"/usr", sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.dirname(numpy.__file__))}
    wanted |= {f"/{name}" for name in ("lib", "lib64", "lib32", "bin", "sbin") if os.path.isdir(f"/{name}")}
    real = sorted({os.path.realpath(p) for p in wanted if os.path.isdir(p)} - {"/"})
    binds = [p for p in real if not any(p.startswith(q + os.sep) for q in real)]
    hidden = {os.path.realpath(h) for h in hidden if os.path.isdir(h)}
    masks = sorted(h for h in hidden if any(h == b or h.startswith(b + os.sep) for b in binds))
    return {"bind": [b for b in binds if b not in masks], "mask": [m for m in masks if m not in binds]}


def _new_root(root: str, handin: str, readable: dict[str, list[str]], size_mb: int, owner: int | None) -> None:
    """A tmpfs at ``root`` holding read-only binds of ``readable["bind"]`` (with the folders of
    ``readable["mask"]`` covered by an empty tmpfs), a few devices, ``/tmp`` and
    a copy of the hand-in's ``mytorch`` in ``/work`` (``owner``'s, if given); then ``chroot``
    into it."""
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size_mb}m,mode=0755")
    for path in readable["bind"]:
        target = root + path
        os.makedirs(target, exist_ok=True)
        _mount(path, target, None, _MS_BIND | _MS_REC)
        _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _locked_flags(path))
    for path in readable["mask"]:
        _mount("tmpfs", root + path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=4k,mode=0555")
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
    os.makedirs(f"{root}/dev")
    for device in _DEVICES:
        if os.path.exists(f"/dev/{device}"):
            open(f"{root}/dev/{device}", "w").close()
            _mount(f"/dev/{device}", f"{root}/dev/{device}", None, _MS_BIND)
    os.makedirs(f"{root}/work")
    if os.path.isdir(f"{handin}/mytorch"):
        caches = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(f"{handin}/mytorch", f"{root}/work/mytorch", symlinks=True, ignore=caches)
    if owner is not None:  # the unprivileged uid the worker becomes may write its own copy
        for folder, _, files in os.walk(f"{root}/work"):
            os.chown(folder, owner, owner)
            for name in files:
                os.chown(os.path.join(folder, name), owner, owner)
    os.makedirs(f"{root}/tmp", exist_ok=True)  # exists already when Python itself lives under /tmp
    os.chmod(f"{root}/tmp", 0o1777)
    os.chdir(root)
    _check(_libc.chroot(b"."), "chroot")
    os.chdir("/work")


def _drop_privileges(uid: int | None) -> None:
    """No capabilities left, none to regain (empty bounding set, locked secure bits, no new
    privileges); and with ``uid``, that unprivileged uid and gid, without groups."""
    for cap in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails harmlessly past the last capability
    _libc.prctl(_PR_SET_SECUREBITS, _SECURE_BITS, 0, 0, 0)  # needs CAP_SETPCAP; best effort
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    else:  # root of a user namespace: clear the effective, permitted and inheritable sets
        _check(_libc.capset((ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0), (ctypes.c_uint32 * 6)()), "capset")
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capget((ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0), data), "capget")
    if any(data):
        raise OSError(f"the worker still holds capabilities after dropping them: {list(data)}")


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
            ``tmpfs_mb``, ``uid`` (or None), ``limits`` (resource name -> value) and
            ``cgroup_procs`` (a cgroup to join, or None).

    Raises:
        OSError: a step failed; the worker then reports it instead of running student code.
    """
    if config.get("cgroup_procs"):  # the hand-in's memory limit, before anything of it runs
        with open(config["cgroup_procs"], "w") as procs:
            procs.write("0")
    for name in PRELOAD:
        importlib.import_module(name)
    folder = config["handin"]
    if config["mode"] == "namespaces":
        _new_root(config["root"], folder, config["readable"], config["tmpfs_mb"], config["uid"])
        folder = "/work"
        os.environ.update(HOME="/work", TMPDIR="/tmp")
    os.chdir(folder)
    _set_limits(config["limits"])
    if config["mode"] != "none":
        _drop_privileges(config["uid"])
    else:
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    return folder
