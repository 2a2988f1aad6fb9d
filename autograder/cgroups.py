"""One memory limit, and one limit on tasks, for all of a hand-in's processes together: cgroups.

``HandinCgroup.create(megabytes, tasks)`` makes a child of the runner's own memory cgroup (cgroup v2
where the ``memory`` controller is enabled for its children, otherwise the v1 ``memory``
hierarchy) and sets its limit; and, where the ``pids`` controller is there (in the same v2 cgroup, or
its own v1 hierarchy), a limit of ``tasks`` processes and threads. Each worker moves itself into them
(``jail.contain`` writes 0 to their ``cgroup.procs``) before any student code runs, so everything a
hand-in starts counts against one limit: the kernel ends the process that would exceed the memory,
and refuses the fork that would exceed the tasks. Only a root runner can do this (the files belong to
root): elsewhere ``create`` returns None and the per-process limits bound a hand-in (``--memory`` x
``--max-procs`` x ``--jobs``).
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


def _folders(controller: str, v2_limit: str, v1_limit: str) -> list[tuple[Path, str]]:
    """Where a child cgroup with a limit of ``controller`` could be made: (this process's cgroup
    folder, the name of the limit file), cgroup v2 first."""
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
            if controller in enabled:
                found.insert(0, (folder, v2_limit))
        elif fstype == "cgroup" and controller in options.split(",") and controller in own:
            found.append((Path(mountpoint) / os.path.relpath(own[controller], root), v1_limit))
    return found


def _child(folders: list[tuple[Path, str]], value: int) -> Path | None:
    """A fresh child of the first of ``folders`` where one can be made, its limit set to ``value``."""
    for parent, limit in folders:
        child = parent / f"mytorch-grader-{os.getpid()}-{next(_counter)}"
        try:
            child.mkdir()
            (child / limit).write_text(str(value))
            return child
        except OSError:
            try:
                child.rmdir()
            except OSError:
                pass
    return None


@dataclass
class HandinCgroup:
    """The cgroups that hold one hand-in's workers: ``path`` under one memory limit, ``tasks_path``
    (``path`` itself under cgroup v2, or None where there is no ``pids`` controller) under one
    limit on tasks."""

    path: Path
    tasks_path: Path | None = None

    @classmethod
    def create(cls, megabytes: int, tasks: int | None = None) -> HandinCgroup | None:
        """A fresh cgroup limited to ``megabytes`` (swap included where it is accounted) and, given
        ``tasks`` and a ``pids`` controller, to that many processes and threads; None where the
        runner cannot make the memory cgroup. (The tasks' limit binds under ``--sandbox none`` as
        root, where no process limit does: the kernel applies none to root; until 2026-12-03 a
        hand-in graded so could fork without end.)"""
        if os.geteuid() != 0:
            return None
        path = _child(_folders("memory", "memory.max", "memory.limit_in_bytes"), megabytes * 2**20)
        if path is None:
            return None
        cgroup = cls(path)
        try:
            for swap, value in (("memory.memsw.limit_in_bytes", megabytes * 2**20), ("memory.swap.max", 0)):
                if (path / swap).exists():
                    (path / swap).write_text(str(value))
            if tasks is not None and (path / "pids.max").exists():  # cgroup v2, pids enabled beside memory
                (path / "pids.max").write_text(str(tasks))
                cgroup.tasks_path = path
            elif tasks is not None:
                cgroup.tasks_path = _child(_folders("pids", "pids.max", "pids.max"), tasks)  # (v1: its own hierarchy)
        except OSError:
            cgroup.close()
            return None
        return cgroup

    @property
    def procs(self) -> list[str]:
        """The files a worker writes 0 to, to join."""
        folders = [self.path] + ([self.tasks_path] if self.tasks_path not in (None, self.path) else [])
        return [str(folder / "cgroup.procs") for folder in folders]

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
        """Kill whatever is still in the cgroups, then remove them."""
        end = time.monotonic() + deadline
        for procs in self.procs:
            while time.monotonic() < end:
                try:
                    pids = [int(p) for p in Path(procs).read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.05)
            try:
                Path(procs).parent.rmdir()
            except OSError:
                pass
