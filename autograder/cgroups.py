"""One memory limit for all of a hand-in's processes together: a cgroup.

``HandinCgroup.create(megabytes)`` makes a child of the runner's own memory cgroup (cgroup v2
where the ``memory`` controller is enabled for its children, otherwise the v1 ``memory``
hierarchy) and sets its limit. Each worker moves itself into it (``jail.contain`` writes 0 to
its ``cgroup.procs``) before any student code runs, so everything a hand-in starts counts
against one limit, and the kernel ends the process that would exceed it. Only a root runner
can do this (the files belong to root): elsewhere ``create`` returns None and the
per-process limits bound a hand-in (``--memory`` x ``--max-procs`` x ``--jobs``).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HandinCgroup"]

_counter = itertools.count()


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its cgroup v2 path."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _memory_folders() -> list[tuple[Path, str]]:
    """Where a child cgroup with a memory limit could be made: (this process's cgroup folder,
    the name of the limit file), cgroup v2 first."""
    own = _own_cgroups()
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, rest = line.partition(" - ")
        root, mountpoint = fields.split()[3:5]
        fstype, _, options = rest.split()[:3]
        if fstype == "cgroup2" and "" in own:
            folder = Path(mountpoint) / os.path.relpath(own[""], root)
            try:
                enabled = (folder / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            if "memory" in enabled:
                found.insert(0, (folder, "memory.max"))
        elif fstype == "cgroup" and "memory" in options.split(",") and "memory" in own:
            found.append((Path(mountpoint) / os.path.relpath(own["memory"], root), "memory.limit_in_bytes"))
    return found


@dataclass
class HandinCgroup:
    """A cgroup that holds one hand-in's workers under one memory limit."""

    path: Path

    @classmethod
    def create(cls, megabytes: int) -> HandinCgroup | None:
        """A fresh cgroup limited to ``megabytes`` (swap included where it is accounted), or
        None where the runner cannot make one."""
        if os.geteuid() != 0:
            return None
        for parent, limit in _memory_folders():
            child = parent / f"mytorch-grader-{os.getpid()}-{next(_counter)}"
            try:
                child.mkdir()
                (child / limit).write_text(str(megabytes * 2**20))
                for swap, value in (("memory.memsw.limit_in_bytes", megabytes * 2**20), ("memory.swap.max", 0)):
                    if (child / swap).exists():
                        (child / swap).write_text(str(value))
                return cls(child)
            except OSError:
                try:
                    child.rmdir()
                except OSError:
                    pass
        return None

    @property
    def procs(self) -> str:
        """The file a worker writes 0 to, to join."""
        return str(self.path / "cgroup.procs")

    def oom_kills(self) -> int:
        """How many processes the kernel has killed in this cgroup for going over its limit
        (``oom_kill`` in v2's ``memory.events`` or v1's ``memory.oom_control``; 0 when the
        kernel does not count them)."""
        for name in ("memory.events", "memory.oom_control"):
            try:
                lines = (self.path / name).read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def close(self, deadline: float = 10.0) -> None:
        """Kill whatever is still in the cgroup, then remove it."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                pids = [int(p) for p in Path(self.procs).read_text().split()]
            except OSError:
                return
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        try:
            self.path.rmdir()
        except OSError:
            pass
