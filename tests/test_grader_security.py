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

import ast
import csv
import errno
import hashlib
import io
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hostile_handins import (  # noqa: E402
    AIO_TAKER,
    CORE_LOWERER,
    CPU_BURNER,
    DESCRIPTOR_READER,
    DIGGER,
    DISK_FILLER,
    ENVLEAK,
    ERROR_FLOOD,
    FAKE,
    FIRST_THREAD_GONE,
    FLOOD,
    FORKER,
    HANG,
    HELPER_STOPPER,
    INFLIGHT_HOLDER,
    KERNEL_PROBER,
    KEY_PLANTER,
    KEY_THIEF,
    LITTERER,
    MARK,
    MEMHOG,
    MISBEHAVER,
    NAMESPACER,
    NAN_ERROR,
    NODE_MAKER,
    OOM,
    OVER_THE_DISK,
    PAGE_PINNER,
    PARENT_READER,
    PARRICIDE,
    PASS_FORGER,
    PATCHER,
    PEAK_REPORTER,
    PRIORITY_RAISER,
    QUEUER,
    READY_HOLDER,
    REGICIDE,
    SECRET,
    SHARED,
    SHM_TAG,
    SPACE_RESERVER,
    STOPPER,
    THREAD_HOLDER,
    TOKEN,
    UNLINKED_HOLDER,
    UNSHARE_MIMIC,
    WIDE_IMPORT,
    file_snooper,
    forger,
    functional_handin,
    handin,
    linker,
    malformed,
    mount_writer,
    package,
    queue_left,
    segments_left,
    snooper,
    survivor,
    tar_of,
    wanderer,
    zip_reader,
)  # fmt: skip

from autograder.containment import Containment, SandboxUnavailableError  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")


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


def sleepers() -> list[int]:
    """The processes that hand-ins of this test run started in the background (``sleep MARK``)."""
    return processes_with(MARK)


def processes_with(text: str) -> list[int]:
    """The processes whose command line holds ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def leftovers_done(grader: Path, deadline: float = 10.0) -> None:
    """Wait until no process runs the code of ``grader``'s worker any more (a worker, or a process it
    forked), at most ``deadline`` seconds: what this file's hand-ins leave behind does what it was left
    to do and then becomes ``sleep MARK``. Had one survived grading, its writes are made when this
    returns, and a snapshot taken after it shows them (a fixed wait of 2 s did the same, always)."""
    worker, end = str(grader / "autograder" / "worker.py"), time.monotonic() + deadline
    while processes_with(worker) and time.monotonic() < end:
        time.sleep(0.05)


def survivors() -> list[int]:
    """Processes a hand-in of this test run left (``sleep MARK``): each is killed by its pid."""
    found = sleepers()
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
    handin(tmp, inbox, "alice.tar")
    handin(tmp, inbox, "alice.tar.gz", wrong_mul=True)
    handin(tmp, inbox, "forger.tar", code=forger(targets), bare=True)
    handin(tmp, inbox, "patcher.tar", code=PATCHER, wrong_mul=True)
    handin(tmp, inbox, "survivor.tar", code=survivor(targets))
    handin(tmp, inbox, "b-snooper.tar", code=snooper(grader, inbox, listener.getsockname()[1]))
    victim = package(tmp / "src-victim", wrong_mul=True)
    (victim / "mytorch" / "notes.py").write_text(f"# {SECRET}\n")
    tar_of(victim, inbox / "z-victim.tar")
    handin(tmp, inbox, "envleak.tar", code=ENVLEAK, bare=True)
    handin(tmp, inbox, "flood.tar", code=FLOOD, bare=True)
    handin(tmp, inbox, "forker.tar", code=FORKER)
    refused = malformed(inbox)
    before = snapshot(grader, inbox)
    start = time.monotonic()
    limits = ["--memory", "400", "--max-procs", "4", "--handin-timeout", "60"]
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "namespaces", *limits,
                      "operations", cwd=tmp)  # fmt: skip
    seconds = time.monotonic() - start
    right_after = snapshot(out)
    leftovers_done(grader)  # (then the listener: a survivor would have connected by now)
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
    table = scores_csv(batch["out"] / "scores.csv")
    assert table["z-victim.tar"]["operations"] == "5"
    assert batch["network"] is False
    # The snooper ran to its end and says what it reached (its mul_backward fails with that on purpose).
    assert table["b-snooper.tar"]["operations"] == "5"
    report = (batch["out"] / "b-snooper.tar.txt").read_text()
    assert "snooped: read 0 files of other hand-ins [], found b''" in report, report[-3000:]
    assert "network unreachable" in report and "changed 0 grader files" in report
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


@pytest.mark.parametrize("line", [b"\x80\n", b"x\n", "\u00e9".encode() * 8 + b"\n", b"\x80" * 9])
def test_what_a_report_shows_of_a_tests_output_is_bounded_with_its_indentation(line):
    """64 KiB of lines of one byte that is not UTF-8 (each shown as a character of 3 bytes after 8 of
    indentation) made a hand-in's report six times its tests' output (9 MB for 23 tests) and its
    results.json four times (each escaped as \\ufffd). The report shows the end that fits its budget,
    indentation counted, a byte that is not UTF-8 as ``?``; results.json is UTF-8, not escaped."""
    from autograder.grading import collect
    from autograder.isolation import Settings, _verdict, _Watch
    from autograder.report import gradescope_results, outcome_line

    settings, test = Settings(), collect(["loss"])[0]
    output = (line * (settings.output_bytes // len(line) + 1))[-settings.output_bytes :]
    seen = _Watch(output=output, dropped=1000)
    outcome = _verdict(test, {}, seen, 1, settings, time.monotonic() + 60, 0.1)
    shown = outcome_line(outcome).encode()
    assert settings.output_bytes - 100 < len(shown) < settings.output_bytes + 400, len(shown)
    assert shown.endswith(line.replace(b"\x80", b"?").rstrip()), shown[-40:]
    dropped = int(re.search(rb", (\d+) earlier bytes dropped\) ---", shown)[1])
    quoted = outcome.output.split("---\n", 1)[1]
    assert all(line.startswith("> ") for line in quoted.splitlines()), quoted[:30]  # every line of the hand-in's
    assert dropped + len(re.sub("^> ", "", quoted, flags=re.M).encode()) == 1000 + len(output)  # ('?' for each)
    results = json.dumps(gradescope_results([outcome]), indent=2, ensure_ascii=False).encode()
    assert len(results) < 1.05 * settings.output_bytes + 2000, len(results)


def test_memory_and_processes_are_capped(batch):
    """Besides ``--memory`` and ``--max-procs``: a System V shared memory segment, once detached, and the
    entries of a tmpfs hold memory that no process limit counts (and, where no cgroup holds the hand-in,
    nothing at all): a worker held eight segments of 64 MiB under ``--memory 400``, and made 300,000
    empty folders in its private root in a second (250 MB of the kernel's memory). Segments are refused,
    and the private root holds ``jail.ROOT_INODES`` entries."""
    from autograder.jail import ROOT_INODES

    report = (batch["out"] / "forker.tar.txt").read_text()
    found = re.search(r"RuntimeError: allocation refused; shmget gave -1 \(errno 1\); made (\d+) folders "
                      r"\(No space left on device\); forked (\d+)", report)  # fmt: skip
    assert found, report[-3000:]
    folders, forked = (int(n) for n in found.groups())
    assert folders < ROOT_INODES
    assert forked <= 3  # --max-procs 4, the worker itself included


def test_malformed_archives_are_refused_in_one_line_with_zero(batch):
    table = scores_csv(batch["out"] / "scores.csv")
    for name, reason in batch["refused"].items():
        first = (batch["out"] / f"{name}.txt").read_text().splitlines()[0]
        assert first.startswith(f"HAND-IN {name} NOT GRADED:") and reason in first, first
        assert len(first) < 400
        # scores.csv says why it has no score (until 2026-12-04 its row read as a hand-in that failed every test)
        assert table[name]["total"] == "0" and reason in table[name]["not_graded"]
    assert table["alice.tar"]["not_graded"] == table["z-victim.tar"]["not_graded"] == ""


def test_archive_names_reach_reports_escaped_and_scores_csv_never_as_a_formula(grader, tmp_path):
    """An archive's name is the platform's or the student's: a newline in it added lines to the
    reports and the printout, one starting with ``=`` was run as a formula when staff opened
    scores.csv in a spreadsheet, and one that is not UTF-8 could not be written, nor its reports
    one of 251 bytes (no room for ``.json``), so the batch stopped before scores.csv."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    names = {  # the archive's name: how the reports and scores.csv show it
        "bad\udcff.tar": "bad\\udcff.tar",
        '=HYPERLINK("x","y").tar': '\'=HYPERLINK("x","y").tar',
        "two\nPASS  loss 5 5.tar": "two\\nPASS  loss 5 5.tar",
        "two\\nPASS  loss 5 5.tar": "two\\\\nPASS  loss 5 5.tar",  # a backslash, then n: not the same
        "rtl\u202eraT.tar": "rtl\\u202eraT.tar",
        "l" * 247 + ".tar": "l" * 247 + ".tar",  # no room for ".json" in a name of 255 bytes
    }
    for i, name in enumerate(names):
        tar_of(package(tmp_path / f"src-{i}", code="raise ImportError('nothing')\n", bare=True), inbox / name)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert {row: values["total"] for row, values in scores_csv(out / "scores.csv").items()} == {
        shown: "0" for shown in names.values()
    }
    assert not any(line.startswith("PASS") for line in done.stdout.splitlines())
    written = sorted(path.name for path in out.iterdir())
    assert len(written) == 2 * len(names) + 1, written  # a report and a results.json each, scores.csv
    for name, shown in names.items():
        txt, results = (next(out / w for w in written if w.startswith(name[:200]) and w.endswith(end))
                        for end in (".txt", ".json"))  # fmt: skip
        report = txt.read_text()
        assert report.splitlines()[0] == f"Graded the mytorch in hand-in {shown.lstrip(chr(39))}", report[:300]
        assert json.loads(results.read_text())["score"] == 0


def test_a_folder_named_like_a_report_in_the_hand_in_folder_never_stops_the_batch(grader, tmp_path):
    """Reports go to the hand-in folder unless ``--out-dir`` says otherwise, and a student who may write there (a
    shared drop folder) may make a folder named like a report: until 2026-12-05 ``alice.tar.txt`` made so stopped
    the batch with a traceback at alice's report (``IsADirectoryError``), before bob was graded and before
    ``scores.csv``. Now that report alone is not written, saying so on stderr, and the batch goes on; a folder named
    ``scores.csv`` is refused before any grading, in one line."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("alice.tar", "bob.tar"):
        tar_of(package(tmp_path / f"src-{name}", code="raise ImportError('nothing')\n", bare=True), inbox / name)
    (inbox / "alice.tar.txt").mkdir()
    done = run_grader(grader, "--handin-dir", str(inbox), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert sorted(scores_csv(inbox / "scores.csv")) == ["alice.tar", "bob.tar"]
    assert (inbox / "bob.tar.txt").is_file() and (inbox / "alice.tar.json").is_file()
    assert "alice.tar.txt: it is a folder; the batch goes on" in done.stderr, done.stderr[-2000:]
    (inbox / "scores.csv").unlink()
    (inbox / "scores.csv").mkdir()
    done = run_grader(grader, "--handin-dir", str(inbox), "loss", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [
        f"runner.py: error: cannot write {inbox / 'scores.csv'}: it is a folder"
    ]


# --------------------------------------------------------------------------- every sandbox mode
@pytest.mark.parametrize("mode", ["uid", "none"])
def test_in_every_sandbox_mode_a_wrong_kernel_costs_its_point_and_nothing_survives(grader, tmp_path, mode):
    sandbox_or_skip(mode)
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    targets = [str(out / "scores.csv"), str(out / "mytorch.tar.txt")]
    handin(tmp_path, inbox, "mytorch.tar", code=survivor(targets))
    name = f"planted-by-a-handin-{MARK}-{os.getpid()}"
    planted = [Path(folder) / name for folder in ("/tmp", "/run/lock") if os.access(folder, os.W_OK)]
    # (the file another worker, another uid, planted at the same time cannot be overwritten)
    plant = "".join(f"try:\n    open({str(path)!r}, 'w').write('for the next hand-in')\nexcept PermissionError:\n"
                    "    pass\n" for path in planted)  # fmt: skip
    plant = plant if mode == "uid" else ""
    handin(tmp_path, inbox, "wrong.tar", code=plant, wrong_mul=True)
    handin(tmp_path, inbox, "forger.tar", code=forger(targets), bare=True)
    before = snapshot(grader, inbox)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode,
                      "operations", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"--sandbox {mode}:" in done.stderr  # what this mode leaves unprotected, said once
    assert done.stderr.count("note:") == 1
    right_after = snapshot(out)
    leftovers_done(grader)
    assert survivors() == []
    assert snapshot(out) == right_after and snapshot(grader, inbox) == before
    table = scores_csv(out / "scores.csv")
    assert {name: row["operations"] for name, row in table.items()} == {"mytorch.tar": "6", "wrong.tar": "5",
                                                                        "forger.tar": "0"}  # fmt: skip
    assert [path for path in planted if path.exists()] == []  # what a uid left in /tmp is removed after its test


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_links_a_handin_plants_in_its_folder_never_reach_the_reports_or_the_hand_ins(grader, tmp_path, mode):
    """A hand-in plants, in the folder its worker may write, symbolic and hard links to the reports and scores.csv
    the runner writes next, to the archives graded and to the grader's files, a link to ``/``, a loop, a named pipe
    and a folder swapped for a link to the report folder; and writes the fake Autolab line to its stderr. The
    runner's looks at that folder and its removal follow none of them: the reports are the runner's own, regular
    files, unchanged after it exits, no archive or grader file changed, the score is the true one and the last line
    printed is the runner's. (Held: no change was needed.)"""
    sandbox_or_skip(mode)
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    targets = [str(out / "scores.csv"), str(out / "alice.tar.txt"), str(out / "alice.tar.json"),
               str(inbox / "alice.tar"), str(grader / "autograder" / "test_loss.py")]  # fmt: skip
    handin(tmp_path, inbox, "alice.tar", code=linker(targets))
    before = snapshot(grader, inbox)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode, "loss",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    right_after = snapshot(out)
    leftovers_done(grader)
    assert snapshot(out) == right_after and snapshot(grader, inbox) == before
    assert sorted(path.name for path in out.iterdir()) == ["alice.tar.json", "alice.tar.txt", "scores.csv"]
    assert not [path for path in out.iterdir() if path.is_symlink() or not path.is_file()]
    assert scores_csv(out / "scores.csv")["alice.tar"]["loss"] == "5"
    assert FAKE not in done.stderr and done.stdout.strip().splitlines()[-1].startswith("scores of 1 hand-ins")
    for path in out.iterdir():
        assert FAKE not in path.read_text(), path


@pytest.mark.parametrize("mode", ["uid", "none"])
def test_a_handin_stays_in_its_session_reaches_no_socket_and_what_it_leaves_is_named(grader, tmp_path, mode):
    """Under ``none`` a worker's process could leave its session (``setsid``), where the runner
    found it only as its own child, by pid (a chain of processes each forking the next outruns
    that); under ``uid`` and ``none`` a worker reached the network and the machine's Unix sockets
    (``systemd-run --user``, a tmux server: processes that are no descendant of the runner), and
    under ``none`` left System V shared memory for a later hand-in of the same user. Now it stays
    in its session, has no socket, and the report names the processes it left (killed)."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the grader's seccomp filters know x86_64 and aarch64, not {os.uname().machine}")
    sandbox_or_skip(mode)
    listener, folder = socket.socket(), Path(tempfile.mkdtemp(prefix="mytorch-socket-"))
    local = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        folder.chmod(0o755)  # (reachable by a worker's uid, were it not refused sockets)
        local.bind(str(folder / "s"))
        (folder / "s").chmod(0o777)
        local.listen(4)
        local.setblocking(False)
        code = wanderer(listener.getsockname()[1], str(folder / "s"))
        archive = handin(tmp_path, tmp_path, "wanderer.tar", code=code)
        done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "operations", cwd=tmp_path)
        reached = []
        for server in (listener, local):
            try:
                server.accept()[0].close()
                reached.append(server.family.name)
            except BlockingIOError:
                pass
    finally:
        listener.close()
        local.close()
        shutil.rmtree(folder)
    assert survivors() == []
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}}), done.stdout[-3000:]
    assert reached == []
    refused = ("could not make a TCP connection (Operation not permitted); could not make a Unix socket (Operation "
               "not permitted); io_uring_setup gave -1 (errno 1); could not make a memory file (Operation not "
               "permitted)")  # fmt: skip
    assert refused in done.stdout, done.stdout[-3000:]
    assert "shmget gave -1 (errno 1)" in done.stdout, done.stdout[-3000:]  # (under uid: allowed until 2026-12-03)
    if mode == "none":
        stayed = "could not leave its session (Operation not permitted); could not leave its process group (Operation"
        assert stayed in done.stdout, done.stdout[-3000:]
    limits = {int(n) for n in re.findall(r"may have (\d+) tasks of its user", done.stdout)}
    if mode == "uid":  # (run_grader's --max-procs is the default, 8)
        assert limits == {8}, done.stdout[-3000:]
    else:  # the tasks of its user when it started and 7 more, not the runner's limit (until 2026-12-03)
        own = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        assert limits and all(0 < limit < (own if own != resource.RLIM_INFINITY else 2**22) for limit in limits)
    assert done.stdout.count("LEFT RUNNING: 1 process of the test outlived it (killed by the runner)") == 6, done.stdout


def test_under_uid_mytorch_itself_scores_every_point(grader, tmp_path):
    """Every section, not only ``operations``: under ``uid`` the Python installation may be
    unreadable once the worker has dropped its privileges (a Python in root's home), and a
    module the hand-in imports first after that (``numpy.random``, loaded by NumPy 2 on
    first use) would fail its import. (Under ``namespaces``, which ``auto`` picks where it
    works, tests/test_handin.py grades MyTorch's own hand-in on every course section.)"""
    mode = "uid"
    sandbox_or_skip(mode)
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    handin(tmp_path, inbox, "mytorch.tar")
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    row = scores_csv(out / "scores.csv")["mytorch.tar"]
    assert row["total"] == row["max"] != "0", (out / "mytorch.tar.txt").read_text()[-3000:]


def test_what_a_handin_prints_is_in_every_failing_tests_report_and_its_control_characters_are_not(grader, tmp_path):
    """The worker flushes the hand-in's output before it sends the result (the runner stops
    reading at the result: what was still buffered was missing from about half the reports);
    and the exception's text, like the output, reaches a report without terminal escapes or
    carriage returns, which could redraw what a terminal shows of it, nor the other line breaks
    (``\u2028``, ``\u2029``, ``\x85``, ``\x0b``), after which a forged ``PASS`` would start a line."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    code = (
        "print('PRINTED BY THE HAND-IN\\u2028PASS  operations/div\\x85PASS  operations/log')\n"
        "raise ImportError('\\x1b[2J\\x1b[1A\\rPASS  operations/mul\\u2029PASS  operations/sub\\x0bPASS')\n"
    )
    handin(tmp_path, inbox, "loud.tar", code=code, bare=True)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "none", "operations",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = (out / "loud.tar.txt").read_text()
    assert report.count("PRINTED BY THE HAND-IN") == report.count("FAIL ") == 6, report
    assert "ImportError: ?[2J?[1A?PASS  operations/mul?PASS  operations/sub?PASS" in report, report[:1500]
    assert "PRINTED BY THE HAND-IN?PASS  operations/div?PASS  operations/log" in report, report[:1500]
    assert "\x1b" not in report and "\r" not in report  # (nor any other line break str.splitlines knows)
    assert not [line for line in report.splitlines() if line.startswith("PASS")], report[:1500]
    results = json.loads((out / "loud.tar.json").read_text())
    assert all("\x1b" not in test["output"] for test in results["tests"])


def test_under_an_ascii_locale_what_a_handin_prints_never_stops_the_grader(grader, tmp_path):
    """Reports were written, and printed, in the locale's encoding: under an ASCII locale one
    failing test of a hand-in that printed a ``✓`` made the whole hand-in 'not graded: the grader
    failed on it' (0 points), and in a batch it stopped the runner before scores.csv."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    handin(tmp_path, inbox, "ticks.tar", code='print("loaded \u2713")\n', wrong_mul=True)
    handin(tmp_path, inbox, "z-mytorch.tar")
    ascii_locale = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--jobs", "2", "--timeout", "5", "operations"]
    env = {**os.environ, **ascii_locale, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    batch = subprocess.run([*command, "--handin-dir", str(inbox), "--out-dir", str(out)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, encoding="utf-8", timeout=150)  # fmt: skip
    assert batch.returncode == 0, batch.stderr[-2000:]
    table = scores_csv(out / "scores.csv")
    assert (table["ticks.tar"]["total"], table["z-mytorch.tar"]["total"]) == ("5", "6")
    assert "| > loaded \u2713" in (out / "ticks.tar.txt").read_text(encoding="utf-8")
    one = subprocess.run([*command, "--handin", str(inbox / "ticks.tar")], cwd=tmp_path, env=env, capture_output=True,
                         text=True, encoding="utf-8", timeout=150)  # fmt: skip
    assert one.returncode == 0, one.stderr[-2000:]
    assert one.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}}), one.stdout[-2000:]
    assert "| > loaded \\u2713" in one.stdout  # escaped: the terminal cannot show it


def test_under_sandbox_none_a_handin_cannot_kill_the_runner_itself_through_its_threads_or_its_limits(grader, tmp_path):
    """Under ``none`` the worker is the runner's own user, which may signal the runner: killed, it
    printed no score, and the hand-in could then write its own last line to the output the
    runner's parent holds (``/proc/<parent>/fd/1``). A seccomp filter lets the worker signal only
    itself and what it starts. It protected the pids of the runner and its ancestors, not the ids
    of their other threads: a signal to any of them ends the whole process, and a hand-in killed the
    runner (no report, no scores.csv for anyone in the batch). ``prlimit`` on the runner was allowed
    too: a file-size limit of 0 stopped it at the next report it wrote ("File too large"). (One
    batch for both attacks: one runner's start-up less.)"""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the grader's seccomp filter knows x86_64 and aarch64, not {os.uname().machine}")
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    handin(tmp_path, inbox, "a-parricide.tar", code=PARRICIDE)
    handin(tmp_path, inbox, "a-regicide.tar", code=REGICIDE)
    handin(tmp_path, inbox, "b-mytorch.tar")
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "none", "operations",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    table = scores_csv(out / "scores.csv")
    totals = {name: row["total"] for name, row in table.items()}
    assert totals == {"a-parricide.tar": "5", "a-regicide.tar": "5", "b-mytorch.tar": "6"}, totals
    told = (out / "a-parricide.tar.txt").read_text()
    assert "RuntimeError: could not kill the runner (Operation not permitted)" in told, told[-3000:]
    report = (out / "a-regicide.tar.txt").read_text()
    assert "could not kill a thread of the runner (Operation not permitted)" in report, report[-3000:]
    assert "killed a thread" not in report
    assert "could not set the runner's limits (Operation not permitted)" in report


def test_under_sandbox_none_as_root_a_worker_holds_no_capability_and_goes_first_when_memory_runs_out(grader, tmp_path):
    """Under ``none`` the worker is the runner's user; as root it kept every capability: it could make
    a device node of the machine's disk in its own folder (which its Landlock domain lets it open:
    the whole disk, the reference solution and every hand-in with it) or load a kernel module. It
    now stays uid 0 without any capability. And where no cgroup holds a hand-in (``none``, which has
    no process limit either), the kernel, out of memory, ends the largest process: many processes
    each smaller than the runner made it the runner (no report, no score line). A worker is now
    first to go (``oom_score_adj`` 1000, which as root the runner makes its floor; the same code runs
    under ``uid`` and ``namespaces``). No process limit applies to root, ``RLIMIT_NPROC`` included: it
    forked 40 of 40 children; where the runner can make a ``pids`` cgroup, all of a hand-in's tasks are
    capped at ``--max-procs`` x ``--jobs`` (here 8 x 2, the other slot's worker among them)."""
    from autograder.cgroups import HandinCgroup

    if os.geteuid() != 0:
        pytest.skip("the runner is not root: its workers have no capability to drop")
    archive = handin(tmp_path, tmp_path, "nodes.tar", code=NODE_MAKER)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "none", "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 0}}), done.stdout[-2000:]
    expected = ("capabilities 0000000000000000; could not make a device node (Operation not permitted); "
                "oom_score_adj 1000; could not lower it (Permission denied); forked ")  # fmt: skip
    assert expected in done.stdout, done.stdout[-3000:]
    forked = int(re.search(r"; forked (\d+) of 40", done.stdout).group(1))
    probe = HandinCgroup.create(64, 1)
    capped = probe is not None and probe.tasks_path is not None
    if probe is not None:
        probe.close()
    assert forked < 16 if capped else forked == 40, (capped, forked)


def test_under_sandbox_none_a_handin_cannot_read_or_write_the_runners_parent_through_proc(grader, tmp_path):
    """The runner is not dumpable, but what started it (a shell, Autolab's make) is, and is the
    worker's user under ``none``: a hand-in could open its memory for writing and its stdout (and,
    as another user than root, read its environment, where a token set for the runner is too). A
    Landlock domain keeps the worker out of ``/proc`` of every process outside it (root keeps the
    environment: under ``none`` as root nothing is protected)."""
    from autograder import jail

    if jail._libc.syscall(444, None, 0, 1) < 1:
        pytest.skip("the kernel has no Landlock")
    archive = handin(tmp_path, tmp_path, "reader.tar", code=PARENT_READER)
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
               "--timeout", "5", "--sandbox", "none", "loss"]  # fmt: skip
    done = subprocess.run(["sh", "-c", '"$@"; exit $?', "sh", *command], cwd=tmp_path, capture_output=True, text=True,
                          timeout=150)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 0}}), done.stdout[-2000:]
    expected = "could not open its mem (Permission denied); could not open its fd/1 (Permission denied)"
    assert expected in done.stdout, done.stdout[-3000:]
    if os.geteuid() != 0:
        assert "could not open its environ (Permission denied)" in done.stdout


@pytest.mark.parametrize("mode", ["uid", "none"])
def test_under_uid_and_none_a_handin_opens_only_the_python_installation_and_its_own_folder(grader, tmp_path, mode):
    """Under ``uid`` a worker read every world-readable file (the reference solution and the grader
    in a checkout open to all, other hand-ins in a folder open to all); under ``none`` it read and
    wrote all its user may, an earlier hand-in's report among them. A Landlock domain now lets it
    open what a ``namespaces`` worker sees, and its own folder."""
    from autograder import jail

    sandbox_or_skip(mode)
    if jail.unprotected(mode):
        pytest.skip(f"the kernel has no Landlock (or refuses a filter): {jail.unprotected(mode)}")
    elsewhere = Path(tempfile.mkdtemp(prefix="mytorch-reference-"))
    try:
        elsewhere.chmod(0o755)
        secret = elsewhere / "functional.py"
        secret.write_text(f"# {SECRET}\n")
        secret.chmod(0o644)
        inbox, out = tmp_path / "inbox", tmp_path / "grades"
        inbox.mkdir()
        handin(tmp_path, inbox, "a-mytorch.tar")
        handin(tmp_path, inbox, "b-snooper.tar", code=file_snooper(str(secret), str(out / "a-mytorch.tar.txt")))
        done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode, "loss",
                          cwd=tmp_path)  # fmt: skip
    finally:
        shutil.rmtree(elsewhere)
    assert done.returncode == 0, done.stderr[-2000:]
    table = scores_csv(out / "scores.csv")
    assert (table["a-mytorch.tar"]["total"], table["b-snooper.tar"]["total"]) == ("5", "0")
    report = (out / "b-snooper.tar.txt").read_text()
    expected = ("could not read the reference (Permission denied); could not change another hand-in's report "
                "(Permission denied); wrote in its own folder; could not import the grader's references ")  # fmt: skip
    assert expected in report, report[-3000:]
    refused = report[report.index(expected) + len(expected) :].split(")")[0]
    assert refused in ("(ModuleNotFoundError", "(Permission denied"), refused  # (as the file system says it)
    assert SECRET not in report and FAKE not in (out / "a-mytorch.tar.txt").read_text()


def test_under_sandbox_none_a_handin_cannot_stop_the_helper_that_removes_its_folders(grader, tmp_path):
    """A folder too deep for ``shutil.rmtree`` is removed by ``rm -rf``, a process of the runner's
    user: under ``none`` a worker running beside the test that left such a folder sent that ``rm``
    SIGSTOP, and the runner waited for it forever (the batch never ended). Now the folders go once
    no process of the hand-in runs."""
    scratch = Path(tempfile.mkdtemp(prefix="mytorch-stopped-"))  # the runner's temporary folder
    archive = handin(tmp_path, tmp_path, "stopper.tar", code=HELPER_STOPPER)
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
               "--timeout", "10", "--sandbox", "none", "operations"]  # fmt: skip
    env = {**os.environ, "TMPDIR": str(scratch), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    runner = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        stdout, stderr = runner.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        runner.kill()
        stdout, stderr = runner.communicate()
    finally:  # a stopped helper of a runner that hung: killed by its pid
        stopped = processes_with(str(scratch))
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        left = list(scratch.iterdir())
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(scratch)], check=False)
    assert runner.returncode == 0, (runner.returncode, stdout[-2000:], stderr[-2000:])
    assert stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}}), stdout[-2000:]
    assert "RuntimeError: stopped 0 of the runner's helpers" in stdout, stdout[-3000:]
    assert stopped == [] and left == []


SIGNAL_FILTER_SCRIPT = """
import ctypes, fcntl, os, resource, signal, socket, struct, subprocess, sys
sys.path.insert(0, sys.argv[1])
from autograder import jail
earlier = subprocess.Popen(["sleep", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # there before
threaded = subprocess.Popen([sys.executable, "-c", "import sys, threading; t = threading.Thread(target=sys.stdin.read);"
                             " t.start(); print(t.native_id, flush=True)"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
thread = int(threaded.stdout.readline())  # a thread of an earlier process, not its first
probe = socket.socket()  # (made before: a worker may make none)
import tempfile
handle, mine = tempfile.mkstemp()  # a file of its user (its own or the runner's: Landlock governs no file's mode)
assert ctypes.CDLL(None).prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS, as the worker
assert jail._forbid_signals_outside()
def ioprio_set(pid):  # (the idle class for the process pid; OSError(EPERM) is a PermissionError)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall({"x86_64": 251, "aarch64": 30}[os.uname().machine], 1, pid, 3 << 13) != 0:
        raise OSError(ctypes.get_errno(), "ioprio_set")
def outcome(call):
    try:
        call()
        return "allowed"
    except PermissionError:
        return "refused"
    except OSError:  # (the kernel had the call: a file system without extended attributes)
        return "allowed"
child = subprocess.Popen(["sleep", "30"])
print({
    "parent": outcome(lambda: os.kill(os.getppid(), 0)),
    "every process": outcome(lambda: os.kill(-1, 0)),
    "an earlier process": outcome(lambda: os.kill(earlier.pid, 0)),
    "itself": outcome(lambda: os.kill(os.getpid(), 0)),
    "its child": outcome(lambda: os.kill(child.pid, signal.SIGKILL)),
    "SIGIO to the parent": outcome(lambda: fcntl.fcntl(probe.fileno(), fcntl.F_SETOWN, os.getppid())),
    "SIGIO to itself": outcome(lambda: fcntl.fcntl(probe.fileno(), fcntl.F_SETOWN, os.getpid())),
    "a pidfd of the parent": outcome(lambda: os.pidfd_open(os.getppid())),
    "a thread of an earlier process": outcome(lambda: os.kill(thread, 0)),
    "the limits of an earlier process": outcome(lambda: resource.prlimit(earlier.pid, resource.RLIMIT_FSIZE)),
    "the scheduling of an earlier process": outcome(lambda: os.sched_setaffinity(earlier.pid, os.sched_getaffinity(0))),
    "its child's limits": outcome(lambda: resource.prlimit(child.pid, resource.RLIMIT_FSIZE)),
    "its own scheduling": outcome(lambda: os.sched_setaffinity(0, os.sched_getaffinity(0))),
    "the priority of an earlier process": outcome(lambda: os.setpriority(os.PRIO_PROCESS, earlier.pid, 19)),
    "the I/O priority of an earlier process": outcome(lambda: ioprio_set(earlier.pid)),
    "a socket": outcome(socket.socket),
    "a session of its own": outcome(os.setsid),
    "a process group of its own": outcome(lambda: os.setpgid(0, 0)),
    "a file's mode": outcome(lambda: os.chmod(mine, 0o4777)),
    "a file's mode, by descriptor": outcome(lambda: os.fchmod(handle, 0o4777)),
    "a file's owner": outcome(lambda: os.chown(mine, os.getuid(), os.getgid())),
    "a file's times": outcome(lambda: os.utime(mine, (0, 0))),
    "a file's extended attributes": outcome(lambda: os.setxattr(mine, "user.mytorch", b"1")),
    "a memory file": outcome(lambda: os.close(os.memfd_create("held"))),
    "a file's flags": outcome(lambda: fcntl.ioctl(handle, 0x40086602, struct.pack("l", 0x40))),  # FS_NODUMP_FL
})
os.close(handle)
os.unlink(mine)
child.wait()
threaded.stdin.close()  # (its thread ends: no signal, which this process may not send it; it slept 3 s)
threaded.wait()
"""


def test_the_signal_filter_lets_a_worker_signal_itself_and_what_it_starts_not_earlier_processes():
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the grader's seccomp filter knows x86_64 and aarch64, not {os.uname().machine}")
    done = subprocess.run([sys.executable, "-c", SIGNAL_FILTER_SCRIPT, str(ROOT)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    expected = {"parent": "refused", "every process": "refused", "an earlier process": "refused",
                "itself": "allowed", "its child": "allowed", "SIGIO to the parent": "refused",
                "SIGIO to itself": "allowed", "a pidfd of the parent": "refused",
                "a thread of an earlier process": "refused", "the limits of an earlier process": "refused",
                "the scheduling of an earlier process": "refused", "its child's limits": "allowed",
                "its own scheduling": "allowed", "the priority of an earlier process": "refused",
                "the I/O priority of an earlier process": "refused", "a socket": "refused",
                "a session of its own": "refused", "a process group of its own": "refused",
                "a file's mode": "refused", "a file's mode, by descriptor": "refused", "a file's owner": "refused",
                "a file's times": "refused", "a file's extended attributes": "refused",
                "a memory file": "refused", "a file's flags": "refused"}  # fmt: skip
    assert ast.literal_eval(done.stdout) == expected


FORK_CAP_SCRIPT = """
import os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from autograder import jail
if os.getuid() == 0:  # RLIMIT_NPROC binds no root: become a uid of this test's alone (below the workers')
    uid = 0x7D000000 + os.getpid() % 2**22
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
resource.setrlimit(resource.RLIMIT_AS, (256 << 20, 256 << 20))
cap, children = jail._cap_processes(3), []
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(2.0)
        os._exit(0)
    children.append(pid)
counted = jail._tasks_of_my_user()
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print(cap, len(children), counted)
"""


def test_under_sandbox_none_a_worker_adds_at_most_max_procs_to_its_users_tasks():
    """Under ``none`` no process limit was set (``RLIMIT_NPROC`` counts every task of the runner's
    user, so no fixed number fits), and a hand-in of a runner that is not root could fork until the
    user's own limit. A worker now caps its user's tasks at their count when it starts plus
    ``--max-procs`` - 1: of 200 forks of sleeping children, 3 succeed under a cap of 3 more."""
    done = subprocess.run([sys.executable, "-I", "-c", FORK_CAP_SCRIPT, str(ROOT)], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    cap, forked, counted = (int(word) for word in done.stdout.split())
    if os.geteuid() == 0:  # a uid of its own: 1 task when measured, exactly 3 more
        assert forked == 3 and counted == cap == 4, done.stdout
    else:  # the user's other tasks may end meanwhile, and leave their room
        assert forked <= 10, done.stdout


REFUSING_KERNEL_SCRIPT = """
import ctypes, json, os, sys
sys.path.insert(0, sys.argv[1])
from autograder import jail
from autograder.containment import Containment
prctl, seccomp = {"x86_64": (157, 317), "aarch64": (167, 277)}[os.uname().machine]
arch = jail._SYSCALLS[os.uname().machine][0]
refuse, absent = 0x00050000 | 1, 0x00050000 | 38  # EPERM; ENOSYS
program = [(0x20, 0, 0, 4), (0x15, 0, "allow", arch), (0x20, 0, 0, 0), (0x15, "seccomp", 0, seccomp),
           (0x15, 0, "landlock", prctl), (0x20, 0, 0, 16), (0x15, "seccomp", "allow", 22),
           "landlock", (0x35, 0, "allow", 444), (0x35, "allow", "absent", 447),
           "seccomp", (0x06, 0, 0, refuse), "absent", (0x06, 0, 0, absent), "allow", (0x06, 0, 0, 0x7FFF0000)]
assert ctypes.CDLL(None).prctl(38, 1, 0, 0, 0) == 0
assert jail._install(jail._assembled(program))  # no further filter, no Landlock: inherited by every child
print(json.dumps({mode: Containment.choose(mode, lambda candidate: None).missing for mode in sys.argv[2:]}))
"""


def test_what_the_kernel_refuses_of_a_workers_own_containment_is_in_the_runners_note():
    """A worker sets up its seccomp filters and Landlock itself, and goes on without them where
    the kernel refuses them (every test would fail otherwise): the keyring filter was given up
    without a word, and a hand-in could leave a key for the next one of its slot under a note
    that said nothing of it. Here the grader runs under a filter that refuses further filters and
    has no Landlock, as an older or stricter kernel would."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the grader's seccomp filters know x86_64 and aarch64, not {os.uname().machine}")
    modes = ["none", "uid"] if os.geteuid() == 0 else ["none"]
    done = subprocess.run([sys.executable, "-c", REFUSING_KERNEL_SCRIPT, str(ROOT), *modes], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    notes = json.loads(done.stdout)
    assert "refuses the seccomp filter that keeps workers from signalling" in notes["none"]
    assert "the kernel has no Landlock" in notes["none"]
    if "uid" in notes:
        assert "refuses the seccomp filter that keeps workers from the keyrings" in notes["uid"]


HALF_LANDLOCK_LAUNCHER = """
import ctypes, os, sys
sys.path.insert(0, sys.argv[1])
from autograder import jail
program = [(0x20, 0, 0, 4), (0x15, 0, "allow", jail._SYSCALLS[os.uname().machine][0]), (0x20, 0, 0, 0),
           (0x15, 0, "allow", 445), (0x06, 0, 0, 0x00050000 | 1), "allow", (0x06, 0, 0, 0x7FFF0000)]
assert ctypes.CDLL(None).prctl(38, 1, 0, 0, 0) == 0
assert jail._install(jail._assembled(program))  # landlock_add_rule refused (EPERM), as a container's filter may
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def test_under_uid_a_kernel_refusing_part_of_landlock_costs_a_note_not_every_test(grader, tmp_path):
    """A container's seccomp profile may know Landlock's first call and refuse the next: the worker
    then went on to fail every test with the error, and MyTorch itself scored 0 under ``uid``."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the grader's seccomp filters know x86_64 and aarch64, not {os.uname().machine}")
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "mytorch.tar")
    runner = [str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--sandbox", "uid", "operations"]
    done = subprocess.run([sys.executable, "-c", HALF_LANDLOCK_LAUNCHER, str(ROOT), *runner], cwd=tmp_path,
                          capture_output=True, text=True, timeout=150)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 6}}), done.stdout[-3000:]
    assert "the kernel has no Landlock" in done.stderr


def test_every_installed_package_of_mytorchs_distribution_is_hidden_from_workers(tmp_path, monkeypatch):
    """A MyTorch installed into site-packages (``pip install .``, not editable) puts ``hw_bonus``
    (the reference of the MLP the starter stubs) and ``bench`` (NumPy versions of the same networks)
    beside NumPy, in the folder every worker reads: only the reference ``mytorch`` was covered."""
    from autograder import isolation

    site = tmp_path / "site-packages"
    for name in ("mytorch", "hw_bonus", "bench"):
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(site))
    for name in ("mytorch", "hw_bonus", "bench"):  # (found as imported, else on sys.path)
        monkeypatch.delitem(sys.modules, name, raising=False)
    hidden = isolation._hidden()
    assert {str(site / name) for name in ("mytorch", "hw_bonus", "bench")} <= set(hidden), hidden


def test_every_copy_of_mytorchs_distribution_on_the_path_is_hidden_not_only_the_first(tmp_path, monkeypatch):
    """With the checkout first on ``sys.path`` (``PYTHONPATH``) and MyTorch also installed into
    site-packages, the runner hid the copy it would import itself (the first found), and the
    installed one, beside NumPy, stayed in every worker's reach."""
    from autograder import isolation

    first, installed = tmp_path / "checkout", tmp_path / "site-packages"
    for folder in (first, installed):
        for name in ("mytorch", "hw_bonus"):
            (folder / name).mkdir(parents=True)
            (folder / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.syspath_prepend(str(first))
    for name in ("mytorch", "hw_bonus"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    hidden = isolation._hidden()
    assert {str(folder / name) for folder in (first, installed) for name in ("mytorch", "hw_bonus")} <= set(hidden)


def test_mytorch_installed_into_another_python_that_workers_read_is_hidden(tmp_path, monkeypatch):
    """Graded from a virtual environment (without the system's site-packages) whose base Python had
    MyTorch installed (``pip install .``), the runner bound the base installation into every worker's
    view whole, its site-packages among them: a hand-in read the reference ``mytorch/nn/functional.py``
    (121,389 characters) under namespaces, uid and none alike. So did a MyTorch installed for another
    Python under ``/usr`` (``/usr/local/lib/python3.X/site-packages``, ``/usr/lib/python3/dist-packages``)."""
    from autograder import isolation

    base = Path(os.path.realpath(tmp_path)) / "base"
    installed = [base / "lib" / "python3.10" / "site-packages", base / "lib" / "python3" / "dist-packages",
                 base / "local" / "lib" / "python3.12" / "site-packages"]  # fmt: skip
    for folder in installed:
        for name in ("mytorch", "hw_bonus", "numpy"):
            (folder / name).mkdir(parents=True)
    monkeypatch.setattr(sys, "base_prefix", str(base))
    hidden = isolation._hidden()
    assert {str(folder / name) for folder in installed for name in ("mytorch", "hw_bonus")} <= set(hidden), hidden
    assert not [path for path in hidden if path.endswith("numpy")]


def test_a_checkout_installed_for_development_into_another_python_that_workers_read_is_hidden(tmp_path, monkeypatch):
    """``pip install -e .`` into the base Python of the runner's virtual environment (or a Python under
    ``/usr``) puts no package into its site-packages, only a finder (setuptools) or a ``.pth`` line naming
    the checkout: one lying in a folder workers read (``/usr/src/app``) stayed readable."""
    from autograder import isolation

    base = Path(os.path.realpath(tmp_path)) / "base"
    site = base / "lib" / "python3.10" / "site-packages"
    checkouts = {kind: base / "src" / kind for kind in ("finder", "pth")}
    for checkout in checkouts.values():
        for name in ("mytorch", "tests", ".git"):
            (checkout / name).mkdir(parents=True)
    site.mkdir(parents=True)
    mapping = {"autograder": str(checkouts["finder"] / "autograder"), "mytorch": str(checkouts["finder"] / "mytorch")}
    (site / "__editable___mytorch_0_1_0_finder.py").write_text(f"MAPPING: dict[str, str] = {mapping!r}\n")
    (site / "__editable__.mytorch-0.1.0.pth").write_text("import __editable___mytorch_0_1_0_finder\n")
    (site / "mytorch.pth").write_text(f"# a comment\n{checkouts['pth']}\n/no/such/folder\n")
    monkeypatch.setattr(sys, "base_prefix", str(base))
    hidden = isolation._hidden()
    assert {str(checkout) for checkout in checkouts.values()} <= set(hidden), hidden


def _zip_of(path: Path, *names: str) -> Path:
    """A zip archive at ``path`` holding an empty file of each of ``names``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    return path


def test_mytorch_zipped_as_an_egg_a_wheel_or_a_zip_that_workers_read_is_hidden(tmp_path, monkeypatch):
    """A zipped egg (``setup.py install`` with an older setuptools, named in ``easy-install.pth``), a wheel
    or a zip of a checkout lying in a site folder workers read, or a zip on the runner's path, holds the
    reference ``mytorch/nn/functional.py`` whole: only folders were looked for, so each stayed readable
    (a worker could open it with ``zipfile``). Zips holding no ``mytorch`` or ``hw_bonus`` stay."""
    from autograder import isolation, jail

    base = Path(os.path.realpath(tmp_path)) / "base"
    site = base / "lib" / "python3.10" / "site-packages"
    reference = ("mytorch/__init__.py", "mytorch/nn/functional.py", "hw_bonus/mlp.py")
    egg = _zip_of(site / "mytorch-0.1.0-py3.10.egg", *reference)
    wheel = _zip_of(site / "mytorch-0.1.0-py3-none-any.whl", *reference)
    checkout = _zip_of(site / "course.zip", "mytorch-main/README.md", "mytorch-main/hw_bonus/mlp.py")
    elsewhere = _zip_of(base / "eggs" / "named.egg", *reference)  # named by a .pth line only
    on_path = _zip_of(tmp_path / "path" / "mytorch.pyz", *reference)
    other = _zip_of(site / "numpy-2.0-py3-none-any.whl", "numpy/__init__.py", "numpy/bench.py")
    (site / "easy-install.pth").write_text(f"./{egg.name}\n{elsewhere}\n")
    monkeypatch.setattr(sys, "base_prefix", str(base))
    monkeypatch.syspath_prepend(str(on_path))
    hidden = isolation._hidden()
    assert {str(path) for path in (egg, wheel, checkout, elsewhere, on_path)} <= set(hidden), hidden
    assert str(other) not in hidden
    monkeypatch.setattr(sys, "prefix", str(base))  # a folder workers read: each zip is a mask of its own
    masks = jail.readable_paths([str(egg), str(base / "eggs")])["mask"]
    assert masks == sorted([str(egg), str(base / "eggs")]), masks
    rules = dict(jail.landlock_rules({"bind": [str(site)], "mask": [str(egg)]}, str(tmp_path / "own")))
    assert str(egg) not in rules and str(wheel) in rules, rules


EXEC_PREFIX_LAUNCHER = """
import runpy, sys
sys.exec_prefix = sys.argv[1]  # an installation workers read, as the runner's own (bound into their view)
sys.path.insert(0, sys.argv[2].rsplit("/", 1)[0])
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.parametrize("mode", ["namespaces", "uid"])
def test_a_zipped_reference_in_a_folder_workers_read_cannot_be_opened(grader, tmp_path, mode):
    """The egg of the test above, in the site folder of an installation every worker reads: a hand-in read
    ``functional.py`` out of it with ``zipfile`` under namespaces and uid. It now sees an empty file under
    namespaces (a file over it), and may not open it under uid (Landlock)."""
    sandbox_or_skip(mode)
    base = Path(os.path.realpath(tmp_path)) / "base"
    egg = _zip_of(base / "lib" / "python3.10" / "site-packages" / "mytorch-0.1.0-py3.10.egg", "mytorch/__init__.py")
    with zipfile.ZipFile(egg, "a") as archive:
        archive.writestr("mytorch/nn/functional.py", SECRET)
    archive = handin(tmp_path, tmp_path, "reader.tar", code=zip_reader(str(egg)), bare=True)
    runner = [str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--sandbox", mode, "loss"]
    done = subprocess.run([sys.executable, "-c", EXEC_PREFIX_LAUNCHER, str(base), *runner], cwd=tmp_path,
                          capture_output=True, text=True, timeout=150)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert SECRET not in done.stdout, done.stdout[-3000:]
    refused = "BadZipFile" if mode == "namespaces" else "PermissionError"
    assert done.stdout.count(f"could not read the zipped reference ({refused})") == 2, done.stdout[-3000:]


def test_under_uid_a_hidden_copy_in_a_folder_closed_to_workers_costs_no_landlock(grader, tmp_path):
    """A copy of MyTorch installed into a Python installation that other users may not enter (a pyenv Python
    under ``/root``, here one under the test's own 0700 folder) is hidden: a ``uid`` worker listed that folder
    as its own uid to write its Landlock rules, could not, took the failure for a kernel refusing Landlock and
    went on without any Landlock domain: it read every file other users may read (checked: a world-readable
    file outside the Python installation, the machine's ``/etc/passwd``). The rules are now listed before the
    worker drops its privileges."""
    sandbox_or_skip("uid")
    base = Path(os.path.realpath(tmp_path)) / "base"
    (base / "lib" / "python3.10" / "site-packages" / "mytorch").mkdir(parents=True)
    outside = Path(tempfile.mkdtemp(prefix="mytorch-world-readable-"))
    try:
        outside.chmod(0o755)
        secret = outside / "secret.txt"
        secret.write_text(SECRET)
        secret.chmod(0o644)
        archive = handin(tmp_path, tmp_path, "snooper.tar", code=file_snooper(str(secret), str(secret)), bare=True)
        runner = [str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--sandbox", "uid", "loss"]
        done = subprocess.run([sys.executable, "-c", EXEC_PREFIX_LAUNCHER, str(base), *runner], cwd=tmp_path,
                              capture_output=True, text=True, timeout=150)  # fmt: skip
    finally:
        shutil.rmtree(outside)
    assert done.returncode == 0, done.stderr[-2000:]
    assert SECRET not in done.stdout, done.stdout[-3000:]
    assert done.stdout.count("could not read the reference (Permission denied)") == 2, done.stdout[-3000:]


def test_a_worker_starts_however_many_paths_are_hidden_from_it(monkeypatch):
    """The paths a worker may not see are as many as the copies of the reference the runner finds (every one in
    the folders workers read, since 2026-12-04), and went to the worker on its command line, whose one argument
    may hold 128 KiB: 2,500 of them made every worker's start fail (E2BIG) and the runner stop. The worker's
    instructions are now in a file of the test's private folder."""
    from autograder import isolation

    sandbox_or_skip("none")
    readable = isolation._readable()
    many = [f"/usr/share/no-such-folder-{index:05d}/{'x' * 60}" for index in range(2500)]
    monkeypatch.setattr(isolation, "_readable", lambda: {"bind": readable["bind"], "mask": readable["mask"] + many})
    assert isolation.probe(Containment("none", (), False, "")) is None


def test_a_copy_of_mytorch_near_the_top_of_usr_is_hidden_though_no_path_names_it(tmp_path, monkeypatch):
    """A second checkout of MyTorch in a folder workers read, that no Python's path names (Docker's
    ``/usr/src/app``, ``/usr/local/src/mytorch``), with the grader run from another copy (a kit): every
    worker read its ``mytorch/nn/functional.py``, ``tests/`` and history. Folders one and two levels below
    ``/usr`` and ``/usr/local`` holding ``mytorch/`` or ``hw_bonus/`` are now hidden, whole for a checkout;
    links there are not followed."""
    from autograder import isolation

    usr = Path(os.path.realpath(tmp_path)) / "usr"
    checkout, course, other = usr / "src" / "app", usr / "local" / "src" / "course", usr / "share" / "numpy"
    for folder, names in ((checkout, ("mytorch", "tests", ".git")), (course, ("hw_bonus", "notes")),
                          (usr / "mytorch-2025", ("mytorch",)), (other, ("numpy",))):  # fmt: skip
        for name in names:
            (folder / name).mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "copy" / "mytorch").mkdir(parents=True)
    (usr / "share" / "linked").symlink_to(elsewhere / "copy")
    monkeypatch.setattr(isolation, "_folders_workers_read", lambda: [str(usr)])
    hidden = isolation._hidden()
    assert {str(checkout), str(course / "hw_bonus"), str(usr / "mytorch-2025" / "mytorch")} <= set(hidden), hidden
    assert not [path for path in hidden if path.startswith((str(other), str(elsewhere), str(course / "notes")))]


def test_copies_of_mytorch_at_any_depth_or_under_another_name_in_what_workers_read_are_hidden(
    tmp_path, monkeypatch, capsys
):
    """Copies of the reference in the folders workers read whole, however deep: a checkout three levels down
    (``/usr/local/src/course/mytorch-2025``), a copy four and more levels down, the package under another name
    (a folder holding ``autograd_engine.py``), MyTorch's wheel among Debian's in ``/usr/share/python-wheels`` and
    deeper, and its sdist. Until 2026-12-04 only folders one to three levels below ``/usr`` and ``/usr/local``
    were looked into (the two deep copies and the renamed one stayed readable). Other archives and folders are
    kept."""
    from autograder import isolation

    usr = Path(os.path.realpath(tmp_path)) / "usr"
    deep = usr / "local" / "src" / "course" / "mytorch-2025"
    (deep / "mytorch" / "nn").mkdir(parents=True)
    (deep / "setup.py").write_text("")
    deeper = usr / "local" / "src" / "a" / "b" / "c" / "d" / "mytorch"
    deeper.mkdir(parents=True)
    renamed = usr / "share" / "staff" / "2025" / "solution" / "engine"
    renamed.mkdir(parents=True)
    (renamed / "autograd_engine.py").write_text("")
    (renamed.parent / "notes.txt").write_text("")
    reference = ("mytorch/__init__.py", "mytorch/nn/functional.py")
    wheel = _zip_of(usr / "share" / "python-wheels" / "mytorch-0.1.0-py3-none-any.whl", *reference)
    buried = _zip_of(usr / "lib" / "x" / "y" / "z" / "w" / "course.zip", "x/hw_bonus/mlp.py")
    pip = _zip_of(usr / "share" / "python-wheels" / "pip-23.0.1-py3-none-any.whl", "pip/__init__.py")
    sdist, other = usr / "local" / "src" / "mytorch-0.1.0.tar.gz", usr / "local" / "src" / "numpy-2.0.tar.gz"
    sdist.write_bytes(b""), other.write_bytes(b"")
    venv = usr / "local" / "mytorch"  # a virtual environment named mytorch, holding the installation: kept
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "numpy").mkdir(parents=True)
    (site / "autograd_engine.py").write_text("")
    monkeypatch.setattr(isolation.np, "__file__", str(site / "numpy" / "__init__.py"))
    monkeypatch.setattr(isolation, "_folders_workers_read", lambda: [str(usr)])
    hidden = isolation._hidden()
    assert {str(deep), str(deeper), str(renamed), str(wheel), str(buried), str(sdist)} <= set(hidden), hidden
    assert str(site / "autograd_engine.py") in hidden and not {str(venv), str(site)} & set(hidden), hidden
    kept = (
        str(pip),
        str(other),
        str(renamed.parent / "notes.txt"),
        str(usr / "local" / "src" / "a" / "b" / "c" / "d") + "/x",
    )
    assert not [path for path in hidden if path.startswith(kept) or path in (str(usr / "local" / "src" / "a"),)]
    assert capsys.readouterr().err == ""


def test_archives_of_the_reference_are_hidden_whatever_the_case_of_their_suffix(tmp_path, monkeypatch):
    """MyTorch's sdist named ``MYTORCH-0.1.0.TAR.GZ``, a zip of a checkout named ``COURSE.ZIP`` in a folder workers
    read, and a wheel named ``...WHL`` in a site folder: only lower-case suffixes were looked at (until
    2026-12-05), and a hand-in read each with ``tarfile`` or ``zipfile``, which care nothing for the case."""
    from autograder import isolation

    usr = Path(os.path.realpath(tmp_path)) / "usr"
    (usr / "local" / "src").mkdir(parents=True)
    sdist, other = usr / "local" / "src" / "MYTORCH-0.1.0.TAR.GZ", usr / "local" / "src" / "NUMPY-2.0.TAR.GZ"
    sdist.write_bytes(b""), other.write_bytes(b"")
    checkout = _zip_of(usr / "share" / "COURSE.ZIP", "course/mytorch/nn/functional.py")
    pip = _zip_of(usr / "share" / "PIP.Whl", "pip/__init__.py")
    base = Path(os.path.realpath(tmp_path)) / "base"
    site = base / "lib" / "python3.10" / "site-packages"
    wheel = _zip_of(site / "MyTorch-0.1.0-py3-none-any.WHL", "mytorch/__init__.py")
    monkeypatch.setattr(sys, "base_prefix", str(base))
    monkeypatch.setattr(isolation, "_folders_workers_read", lambda: [str(usr)])
    hidden = isolation._hidden()
    assert {str(sdist), str(checkout), str(wheel)} <= set(hidden), hidden
    assert not {str(other), str(pip)} & set(hidden), hidden


def test_a_module_of_the_reference_renamed_in_a_folder_of_another_name_is_hidden(tmp_path, monkeypatch):
    """A copy of the reference's ``functional.py`` as ``ops.py`` and of its ``mlp.py`` as ``model.py``, in
    folders named otherwise, which hold no file named as MyTorch's: until 2026-12-04 only the names were looked
    at, and both were readable by every worker. Now a file whose bytes are those of a ``.py`` file of the
    reference (``COPY_MIN_BYTES`` or more) is found under any name, and its folder hidden; a site folder keeps
    everything but the copy; an edited copy, a copy of a small file and a file of the same size are kept."""
    from autograder import isolation

    reference = Path(os.path.realpath(tmp_path)) / "reference"
    (reference / "mytorch" / "nn").mkdir(parents=True)
    (reference / "hw_bonus").mkdir()
    functional = "def mul_backward(grad_output, a, b):\n    return grad_output * b, grad_output * a\n" * 20
    mlp = "class MLP:\n    # The handout's network.\n" + "#" * 600 + "\n"
    (reference / "mytorch" / "nn" / "functional.py").write_text(functional)
    (reference / "hw_bonus" / "mlp.py").write_text(mlp)
    (reference / "mytorch" / "__init__.py").write_text('"""MyTorch."""\n')  # (too small to be told apart)
    packages = [str(reference / "mytorch"), str(reference / "hw_bonus")]
    monkeypatch.setattr(isolation, "_reference_folders", lambda: packages)
    usr = Path(os.path.realpath(tmp_path)) / "usr"
    course, site = usr / "share" / "course" / "engine", usr / "lib" / "python3.11" / "site-packages"
    numpy_folder = site / "numpy"
    for folder in (course, usr / "local" / "notes", numpy_folder, usr / "share" / "other"):
        folder.mkdir(parents=True)
    (course / "ops.py").write_text(functional)
    (usr / "local" / "notes" / "model.py").write_text(mlp)
    (site / "renamed.py").write_text(functional)
    (site / "kept.py").write_text("x" * len(functional))  # the same size, other bytes
    (usr / "share" / "other" / "edited.py").write_text(functional.replace("a\n", "a  \n", 1))
    (usr / "share" / "other" / "__init__.py").write_text('"""MyTorch."""\n')
    monkeypatch.setattr(isolation.np, "__file__", str(numpy_folder / "__init__.py"))
    monkeypatch.setattr(isolation, "_folders_workers_read", lambda: [str(usr)])
    found = set(isolation._copies_in_what_workers_read())
    assert found == {str(course), str(usr / "local" / "notes"), str(site / "renamed.py")}, found


def test_a_search_for_copies_that_does_not_end_in_time_stops_the_runner_before_any_worker(grader, tmp_path):
    """The search for copies of the reference was bounded by a count of folders only, past which grading went on
    with the rest unsearched (a note on stderr): a slow or hung file system could stall the runner's start, or
    leave a copy in every worker's reach. Now it has ``--reference-search-seconds``, past which the runner stops
    with an error naming where it was, before any worker starts, and grades nothing."""
    from autograder import isolation

    started = time.monotonic()
    with pytest.raises(isolation.ReferenceSearchError, match=r"did not end within 0 s; .* were not looked into"):
        isolation._copies_in_what_workers_read(0.0)
    assert time.monotonic() - started < 5
    hung = threading.Event()
    slow = mock.patch.object(isolation, "_reference_digests", side_effect=lambda: hung.wait(30) and {})
    with slow, pytest.raises(isolation.ReferenceSearchError, match="did not end within 0.5 s; the first folder"):
        started = time.monotonic()
        isolation._copies_in_what_workers_read(0.5)  # (a listing that never returns: the thread is left behind)
    assert time.monotonic() - started < 5
    hung.set()
    archive = handin(tmp_path, tmp_path, "honest.tar")
    done = run_grader(grader, "--handin", str(archive), "--reference-search-seconds", "0.000001", "--sandbox",
                      "none", "operations", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:]
    assert "runner.py: error: the search for copies of the reference solution" in done.stderr, done.stderr
    assert "no hand-in is graded" in done.stderr and "scores" not in done.stdout, done.stdout


def test_a_checkout_installed_for_development_is_hidden_with_its_tests_and_history(tmp_path, monkeypatch):
    """A checkout on the runner's path (a development install), inside a folder workers read (a
    virtual environment), while the grader ran from another copy (a kit): its ``mytorch`` was hidden,
    and its ``tests/honest_student.py`` and ``.git`` were read by a hand-in under namespaces and uid."""
    from autograder import isolation

    checkout = Path(os.path.realpath(tmp_path)) / "venv" / "src" / "mytorch"
    for name in ("mytorch", "tests", ".git"):
        (checkout / name).mkdir(parents=True)
    (checkout / "mytorch" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(checkout))
    monkeypatch.delitem(sys.modules, "mytorch", raising=False)
    assert str(checkout) in isolation._hidden()
    monkeypatch.setattr(sys, "prefix", str(checkout / ".venv"))  # one holding the installation: its parts
    hidden = isolation._hidden()
    assert str(checkout) not in hidden, hidden
    assert {str(checkout / name) for name in ("mytorch", "tests", ".git")} <= set(hidden), hidden


def test_the_checkout_the_grader_runs_from_is_hidden_whole_or_its_reference_parts(tmp_path, monkeypatch):
    """Run from a checkout inside a folder every worker reads (``/usr/local/src``, ``/usr/src/app``)
    without MyTorch on its path, the runner hid only ``autograder/``: a hand-in read the reference
    ``functional.py`` and ``mlp.py`` beside it, under every mode. The checkout is now hidden whole,
    or, when it holds the Python installation (a ``.venv`` inside it), its reference parts; a mask
    inside another is dropped (a namespaces worker could not mount it in the empty one)."""
    from autograder import isolation, jail

    checkout = Path(os.path.realpath(tmp_path)) / "prefix" / "checkout"
    for name in ("autograder", "mytorch", "hw_bonus", "tests", ".git", "docs"):
        (checkout / name).mkdir(parents=True)
    monkeypatch.setattr(isolation, "_GRADER", str(checkout / "autograder"))
    assert str(checkout) in isolation._hidden()
    monkeypatch.setattr(sys, "prefix", str(checkout / ".venv"))  # an installation inside it: only its parts
    hidden = isolation._hidden()
    assert str(checkout) not in hidden and str(checkout / "docs") not in hidden, hidden
    assert {str(checkout / name) for name in ("autograder", "mytorch", "hw_bonus", "tests", ".git")} <= set(hidden)
    monkeypatch.setattr(sys, "prefix", str(checkout.parent))  # a folder workers read, holding the checkout
    masks = jail.readable_paths([str(checkout), str(checkout / "autograder"), str(checkout / "mytorch")])["mask"]
    assert masks == [str(checkout)], masks


def test_the_folders_a_run_reads_hand_ins_from_or_writes_reports_to_are_hidden(tmp_path, monkeypatch):
    """With ``--handin-dir`` inside a folder every worker reads (``/usr/local/src/subs``), a hand-in
    read the other students' archives beside its own, and the reports already written (checked under
    namespaces and uid). The runner now hides its hand-in folder, the folder of ``--handin``, the
    graded ``--mytorch`` folder, ``--out-dir`` (made first) and the folder of ``--json``; never a
    folder holding the Python installation or ``/usr``."""
    import argparse

    from autograder import cli, isolation

    monkeypatch.setattr(isolation, "_ALSO_HIDDEN", [])
    base = Path(os.path.realpath(tmp_path))
    (base / "subs").mkdir()
    args = argparse.Namespace(handin_dir=str(base / "subs"), handin=None, out_dir=str(base / "grades" / "new"),
                              json=str(base / "gradescope" / "results.json"))  # fmt: skip
    (base / "gradescope").mkdir()
    cli._hide_the_runners_folders(args, base / "unused")
    hidden = isolation._hidden()
    assert {str(base / "subs"), str(base / "grades" / "new"), str(base / "gradescope")} <= set(hidden), hidden
    assert str(base / "unused") not in hidden
    isolation.hide(sys.prefix, os.path.dirname(sys.prefix), "/usr")  # the installation, a folder holding it, /usr
    assert isolation._hidden() == hidden


def test_a_runner_without_cap_sys_ptrace_counts_what_another_uid_holds_after_unlinking_reading_as_that_uid():
    """Without ``CAP_SYS_ADMIN`` a ``uid`` worker gets no tmpfs, and its folder is on the disk; the runner counts
    the files the test's processes keep open after unlinking them by their ``/proc/<pid>/fd``, which a root
    runner without ``CAP_SYS_PTRACE`` may not read for another uid (Docker's default capabilities lack both, as
    on Gradescope): it counted none of the 3 MiB a process of another uid held (until 2026-12-05). Now it reads
    them as that uid (file-system uid) and counts them; a process that made itself undumpable, which no worker
    may (``jail._DUMPABLE_CALLS``), cannot be read and counts as over the limit (None)."""
    from autograder.isolation import _held_after_unlinking

    setpriv, python = shutil.which("setpriv"), shutil.which("python3", path="/usr/bin:/bin")
    if os.geteuid() != 0 or setpriv is None or python is None:
        pytest.skip("the look needs root, setpriv (util-linux) and a python3 in /usr/bin other users may run")
    holder = ("import ctypes, os, sys, time\nf = open(sys.argv[1] + '/held', 'wb'); f.write(b'x' * (3 << 20))\n"
              "f.flush(); os.unlink(sys.argv[1] + '/held')\nctypes.CDLL(None).prctl(4, int(sys.argv[2]), 0, 0, 0)\n"
              "print('ready', flush=True); time.sleep(30)\n")  # fmt: skip
    look = "from autograder.isolation import _held_after_unlinking as h; print(h([{}], {!r}, {}))"
    other = ["--reuid", "2113900000", "--regid", "2113900000", "--clear-groups"]  # (below the workers' uids)
    for dumpable, counted in [(1, [0, 3 << 20]), (0, [0, None])]:
        folder = Path(tempfile.mkdtemp(prefix="mytorch-held-"))  # (pytest's own folders are closed to other users)
        folder.chmod(0o777)
        process = subprocess.Popen([setpriv, *other, python, "-I", "-c", holder, str(folder), str(dumpable)],
                                   stdout=subprocess.PIPE)  # fmt: skip
        try:
            assert process.stdout.readline() == b"ready\n"
            for uid, expected in zip([None, 2113900000], counted):  # (None: as itself, as until 2026-12-05)
                without = subprocess.run([setpriv, "--inh-caps", "-sys_ptrace", "--bounding-set", "-sys_ptrace",
                                          sys.executable, "-c", look.format(process.pid, str(folder), uid)],
                                         cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
                assert without.stdout.strip() == str(expected), (dumpable, uid, without.stderr)
            assert _held_after_unlinking([process.pid], str(folder), 2113900000) == 3 << 20  # (with CAP_SYS_PTRACE)
        finally:
            process.kill()
            process.wait()
            shutil.rmtree(folder)


def test_a_worker_uid_some_process_already_has_is_not_taken(monkeypatch):
    """A worker's uid was ``UID_BASE + MAX_SLOTS * (runner's pid) + slot`` whoever had it: a process of
    another service or grader run with that uid would have been killed after every test. Now a uid that a
    process has as its real, effective or saved uid is passed over, and so is systemd's foreign range."""
    from autograder import containment

    def candidate(attempt: int, slot: int, pid: int) -> int:
        block = (pid % 2**22 + attempt * containment._STRIDE) % 2**22
        return containment.UID_BASE + containment.MAX_SLOTS * block + slot

    switching, pid = Containment("uid", (), True, ""), os.getpid()
    taken = {candidate(0, 5, pid)}
    seen = containment._uids_of
    monkeypatch.setattr(
        containment, "_uids_of", lambda other: (*seen(other), *taken) if int(other) == pid else seen(other)
    )
    assert switching.uid(5) == candidate(1, 5, pid)
    taken = {candidate(0, 5, pid), candidate(1, 5, pid) + containment.SHIELD}  # (the killer's real uid is no one's)
    assert switching.uid(5) == candidate(2, 5, pid)
    taken = {candidate(attempt, 5, pid) for attempt in range(containment.UID_TRIES)}
    with pytest.raises(RuntimeError, match="the 16 tried in 0x7e000000..0x8e000000"):
        switching.uid(5)
    taken, foreign = set(), (0x7FFE0000 - containment.UID_BASE) // containment.MAX_SLOTS  # (a pid up to 2**22 may)
    monkeypatch.setattr(containment.os, "getpid", lambda: foreign)
    assert candidate(0, 0, foreign) == 0x7FFE0000
    assert switching.uid(0) == candidate(1, 0, foreign)  # past systemd's foreign range


def test_the_end_of_a_test_kills_no_process_that_had_the_uid_before(monkeypatch):
    """The same with a real process holding the first candidate uid: the runner's end of a test (``_end``)
    kills the uid it picked, and the process that was there first lives on."""
    from autograder import containment, isolation

    if os.geteuid() != 0:
        pytest.skip("switching a process to another uid needs root")
    first = containment.UID_BASE + containment.MAX_SLOTS * (os.getpid() % 2**22)
    ids = ["--reuid", str(first), "--regid", str(first), "--clear-groups"]
    other = containment.start_watched(["setpriv", *ids, "sleep", "60"], start_new_session=True)  # (its own service)
    killed = []
    monkeypatch.setattr(isolation, "kill_uid", lambda uid: (killed.append(uid), containment.kill_uid(uid)))
    for module in (isolation, containment):  # (pytest's other children are not this test's to kill)
        monkeypatch.setattr(module, "kill_leftovers", lambda deadline=0.0: None)
    try:
        deadline = time.monotonic() + 10
        while os.stat(f"/proc/{other.pid}").st_uid != first and time.monotonic() < deadline:
            time.sleep(0.01)
        switching = Containment("uid", (), True, "")
        uid = switching.uid(0)
        isolation._end(containment.start_watched(["true"]), switching, uid)
        assert killed == [uid] and uid != first
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
        containment.forget(other)


def test_the_uid_note_names_a_python_installation_closed_to_other_users(monkeypatch):
    """Under ``uid`` a worker imports after switching uid only what it loaded before when the
    installation is closed to other users (a pyenv Python under /root): the snooper's
    ``import glob`` and the patcher's ``numpy.testing`` failed there, and so would a hand-in's
    own ``import logging``; the runner's note says so."""
    import numpy

    from autograder import containment

    base = Path(tempfile.mkdtemp(prefix="mytorch-closed-"))
    try:
        base.chmod(0o755)
        closed = base / "home"
        (closed / "python" / "numpy").mkdir(parents=True)
        closed.chmod(0o700)
        monkeypatch.setattr(sys, "prefix", str(closed / "python"))
        monkeypatch.setattr(sys, "base_prefix", str(closed / "python"))
        monkeypatch.setattr(numpy, "__file__", str(closed / "python" / "numpy" / "__init__.py"))
        assert containment._closed_to_others() == str(closed)
        if os.geteuid() == 0:
            note = Containment.choose("uid", lambda candidate: None).missing
            assert f"{closed} is closed to other users, so a hand-in can import only the modules" in note
        closed.chmod(0o755)
        assert containment._closed_to_others() is None
    finally:
        shutil.rmtree(base)


def test_shared_memory_a_workers_uid_leaves_is_removed_after_its_test():
    """System V IPC objects outlive their processes (under ``namespaces`` they die with the worker's
    IPC namespace): a ``uid`` hand-in left 64 MiB of shared memory per test for the rest of the batch.
    Workers may make none now (see the wanderer's ``shmget``), and where the kernel refuses that filter
    what a worker's uid made is still removed with its files after each test (``remove_ipc_of``)."""
    import ctypes

    from autograder.containment import UID_BASE, remove_ipc_of

    if os.geteuid() != 0:
        pytest.skip("making a segment as another uid needs root")
    uid, key = UID_BASE + 63, SHM_TAG * 65536 + os.getpid() % 65536
    child = os.fork()
    if child == 0:  # (a uid of the runner's last slot, as a worker has)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            ctypes.CDLL(None).shmget(key, 4096, 0o3600)  # IPC_CREAT | IPC_EXCL | 0600
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    made = [row.split()[:2] for row in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
    assert [str(key)] in [row[:1] for row in made]
    remove_ipc_of(uid)
    assert segments_left() == []


def test_under_sandbox_uid_a_leftover_process_cannot_stop_what_kills_it(grader, tmp_path):
    """The runner killed a uid's leftover processes with ``kill -KILL -1`` run as that uid: a
    leftover that sent SIGSTOP to its uid's processes in a loop stopped it (between its switch
    to the uid and its ``kill``), and the runner waited for it as long as the leftover liked
    (forever, had it never let it go), holding the lock every worker's start needs. The killer
    now runs with real and saved uids of its own, which no process of the hand-in may signal."""
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "stopper.tar", code=STOPPER)
    try:
        done = run_grader(grader, "--handin", str(archive), "--sandbox", "uid", "operations", cwd=tmp_path,
                          timeout=90)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the runner waited for a process the hand-in stopped")
    finally:
        time.sleep(0.2)
        found = survivors()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 6}})
    assert found == []


def test_links_in_a_graded_folder_never_reach_what_they_point_to(grader, tmp_path):
    """``--mytorch DIR`` on an extracted hand-in keeps its links. Under ``namespaces`` as root, the
    worker's copy was handed to its uid with a ``chown`` that followed a link in the package to
    its target (any file of the machine: here a file of root's became the worker uid's); and a
    ``mytorch`` that is itself a link was copied, as root, from wherever it pointed: another
    student's folder was graded, and read, under this one's name."""
    sandbox_or_skip("namespaces")
    if os.geteuid() != 0:
        pytest.skip("the worker's copy changes owner only when the runner is root")
    target = tmp_path / "roots-file.txt"
    target.write_text("root's own\n")
    target.chmod(0o600)
    linked = package(tmp_path / "linked")
    (linked / "mytorch" / "notes.txt").symlink_to(target)
    done = run_grader(grader, "--mytorch", str(linked), "--sandbox", "namespaces", "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 6}})
    assert (target.stat().st_uid, target.stat().st_gid) == (0, 0)
    victim = package(tmp_path / "victim")
    (victim / "mytorch" / "notes.py").write_text(f"# {SECRET}\n")
    thief = tmp_path / "thief"
    thief.mkdir()
    (thief / "mytorch").symlink_to(victim / "mytorch")
    done = run_grader(grader, "--mytorch", str(thief), "--sandbox", "namespaces", "operations", cwd=tmp_path)
    assert done.returncode == 1 and "mytorch is a symbolic link" in done.stderr, (done.stdout[-2000:], done.stderr)
    assert '{"scores"' not in done.stdout


class _Listing:
    """What ``os.scandir`` returns, from a list made beforehand."""

    def __init__(self, entries: list) -> None:
        self.entries = entries

    def __enter__(self) -> list:
        return self.entries

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self):
        return iter(self.entries)


def test_a_folder_swapped_for_a_link_while_the_package_is_copied_is_not_followed(tmp_path, monkeypatch):
    """``--mytorch DIR`` on a folder its student can still write: the copy each worker gets looked every
    folder up by its path again after listing the one above it, so ``mytorch/nn`` swapped for a link
    meanwhile had the link's target (as root: any folder of the machine) copied whole into the worker's
    reach. The swap is made here right after the package's top folder is listed."""
    from autograder.jail import copy_package

    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_key").write_text(SECRET)
    handin = package(tmp_path / "handin", bare=True)
    (handin / "mytorch" / "nn").mkdir()
    (handin / "mytorch" / "nn" / "functional.py").write_text("x = 1\n")
    real, swapped = os.scandir, []

    def listed_then_swapped(path="."):
        entries = list(real(path))
        if not swapped and "nn" in {entry.name for entry in entries}:
            swapped.append(True)
            (handin / "mytorch" / "nn").rename(tmp_path / "moved")
            (handin / "mytorch" / "nn").symlink_to(secret)
        return _Listing(entries)

    monkeypatch.setattr(os, "scandir", listed_then_swapped)
    (tmp_path / "copy").mkdir()
    copy_package(str(handin), str(tmp_path / "copy"))
    monkeypatch.undo()
    assert swapped
    copied = [p for p in (tmp_path / "copy").rglob("*")]
    assert not any(SECRET in p.read_text() for p in copied if p.is_file() and not p.is_symlink()), copied
    assert os.readlink(tmp_path / "copy" / "mytorch" / "nn") == str(secret)  # the link itself, as it was found


KEYRING_SCRIPT = """
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
add_key, keyctl = {"x86_64": (248, 250), "aarch64": (217, 219)}[os.uname().machine]
if libc.syscall(keyctl, 1, b"staff-login-session") < 0:  # KEYCTL_JOIN_SESSION_KEYRING, as a login does
    print("REFUSED", os.strerror(ctypes.get_errno()))
    raise SystemExit(0)
secret = sys.argv[1].encode()
assert libc.syscall(add_key, b"user", b"grader-secret", secret, len(secret), -3) > 0  # into the session keyring
sys.exit(subprocess.run(sys.argv[2:]).returncode)
"""


@pytest.mark.parametrize("mode", ["namespaces", "uid"])
def test_a_handin_cannot_read_the_keys_of_the_session_that_runs_the_grader(grader, tmp_path, mode):
    """A runner started from a login session holds that session's keyring (pam_keyinit; Kerberos
    tickets and other credentials live there), and a process keeps its session keyring across a
    change of uid: the worker's student code, under every sandbox, could read every key in it.
    Each worker now joins a fresh session keyring of its own before the hand-in is imported."""
    sandbox_or_skip(mode)
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the test's key calls know x86_64 and aarch64, not {os.uname().machine}")
    archive = handin(tmp_path, tmp_path, "thief.tar", code=KEY_THIEF)
    runner = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
              "--sandbox", mode, "loss"]  # fmt: skip
    done = subprocess.run([sys.executable, "-c", KEYRING_SCRIPT, TOKEN, *runner], cwd=tmp_path, capture_output=True,
                          text=True, timeout=150)  # fmt: skip
    if done.stdout.startswith("REFUSED"):
        pytest.skip(f"the kernel refuses session keyrings here: {done.stdout[8:].strip()}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RuntimeError: the session keyring gave b''" in done.stdout, done.stdout[-3000:]
    assert TOKEN not in done.stdout


PROCESS_LISTER = """
import os as _os
_seen = []
for _pid in _os.listdir("/proc"):
    try:
        if _pid.isdigit():
            with open(f"/proc/{_pid}/cmdline", "rb") as _f:
                _seen.append(_f.read())
    except OSError:
        continue
_theirs = [_command for _command in _seen if b"worker.py" not in _command and b"/autograder/" in _command]
raise RuntimeError(f"listed {len(_seen)} processes, {len(_theirs)} of the grader's or its caller's")
"""


def test_under_uid_a_handin_sees_only_its_own_processes_where_the_runner_may_mount(grader, tmp_path):
    """A ``uid`` worker read every process's command line on the machine (127 here: the runner's, with
    the hand-in's path, and whatever another program was given in its arguments). Where the runner may
    mount (it gives the worker a mount namespace for its tmpfs), the worker's ``/proc`` is its own, with
    ``hidepid=2``: it lists its own processes only."""
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "lister.tar", code=PROCESS_LISTER, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "uid", "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.findall(r"RuntimeError: listed (\d+) processes, (\d+) of the grader's or its caller's", done.stdout)
    assert len(found) == 2, done.stdout[-3000:]
    assert all(listed == "1" and theirs == "0" for listed, theirs in found), found


@pytest.mark.parametrize("mode", ["namespaces", "uid"])
def test_a_handin_cannot_leave_a_key_for_a_later_handin_of_the_same_uid(grader, tmp_path, mode):
    """A worker's uid is its slot's, the same for every hand-in graded in that slot, and the uid's
    user keyring outlives its processes: the second of two hand-ins read the key the first had added
    there (up to 20000 bytes per uid: a whole solution). No worker may use the keyrings now."""
    sandbox_or_skip(mode)
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip(f"the test's key calls know x86_64 and aarch64, not {os.uname().machine}")
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    for name in ("first.tar", "second.tar"):
        handin(tmp_path, inbox, name, code=KEY_PLANTER)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", mode, "--jobs", "1",
                      "loss", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("second.tar", "first.tar"):
        report = (out / f"{name}.txt").read_text()
        assert "read an earlier hand-in's key" not in report, report[:3000]
        assert "RuntimeError: no earlier key; add_key gave -1 (errno 1)" in report, report[:3000]


def test_a_folder_its_owner_may_not_read_is_removed_all_the_same(tmp_path):
    """Under ``none`` a worker of a runner that is not root may not chmod, but may make a folder with
    mode 0o300 (``mkdir``) and fill it: neither ``shutil.rmtree`` nor ``rm -rf`` of the same user can
    list it, and up to ``--disk`` MiB per test stayed on the runner's disk after grading. Here the
    remover runs as root without a capability (as the owner of the folder, which it may not read)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv is None:
        pytest.skip("needs setpriv (util-linux) to drop root's capabilities")
    tree = tmp_path / "scratch"
    (tree / "test-1" / "work" / "locked").mkdir(parents=True)
    (tree / "test-1" / "work" / "locked" / "blob").write_bytes(bytes(4096))
    (tree / "test-1" / "work" / "locked").chmod(0o300)
    (tmp_path / "outside").write_text("kept")
    (tree / "test-1" / "work" / "link").symlink_to(tmp_path / "outside")
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom autograder.containment import remove_tree\n"
    code += f"remove_tree({str(tree)!r})"
    prefix = [setpriv, "--bounding-set", "-all", "--inh-caps", "-all"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not tree.exists()
    assert (tmp_path / "outside").read_text() == "kept" and (tmp_path / "outside").stat().st_mode & 0o777 == 0o644


def test_folders_a_handin_leaves_are_removed_however_deep(grader, tmp_path):
    """``shutil.rmtree`` recurses once per level: a folder 1500 levels deep in the worker's own
    folder, or in /tmp under ``uid``, raised RecursionError in the runner (which
    ``ignore_errors`` does not cover), and the whole hand-in was 'not graded: the grader failed on
    it', the folders left on the disk."""
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "digger.tar", code=DIGGER)
    scratch = Path(tempfile.mkdtemp(prefix="mytorch-deep-"))  # the runner's temporary folder: what it leaves
    scratch.chmod(0o711)  # (pytest's own are closed to other users, the workers' uids among them)
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
               "--sandbox", "uid", "operations"]  # fmt: skip
    env = {**os.environ, "TMPDIR": str(scratch), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150)
    left = [path for path in (Path(f"/tmp/deep-{MARK}"), *scratch.iterdir()) if path.exists()]
    for path in (Path(f"/tmp/deep-{MARK}"), scratch):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 6}}), done.stdout[-2000:]
    assert left == []


def test_under_sandbox_uid_files_a_handin_leaves_in_a_shared_folder_inside_tmp_are_removed(grader, tmp_path):
    """/tmp/.X11-unix and its like are root's and open to all: the runner removed what a uid left
    at the top of /tmp only, and a file left in one of them stayed for the rest of the batch
    (for a later hand-in of the same uid to read, or filling the disk the next ones extract to)."""
    sandbox_or_skip("uid")
    inner = Path(SHARED) / "inner"
    inner.mkdir(parents=True)
    for folder in (Path(SHARED), inner):
        folder.chmod(0o1777)
    try:
        archive = handin(tmp_path, tmp_path, "litter.tar", code=LITTERER)
        done = run_grader(grader, "--handin", str(archive), "--sandbox", "uid", "loss", cwd=tmp_path)
        left = sorted(path.name for path in Path(SHARED).rglob("*"))
    finally:
        shutil.rmtree(SHARED)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 5}})
    assert left == ["inner"]


def test_removing_a_uids_files_never_follows_a_folder_swapped_for_a_link(tmp_path, monkeypatch):
    """Under ``uid --jobs 2`` the runner, as root, removes a finished worker's files from the shared
    folders while the other slot's uid still runs. It removed them by path: that uid swapped a
    folder on the way (one of its own, or one in a world-writable folder) for a link to any folder
    of the machine between the runner's check of a file and its removal, and the runner removed
    the file of that name there (a hand-in deleted one of 200 root-owned files outside /tmp in one
    run of six tests, where ``fs.protected_symlinks`` is 0, as on this machine). Here the swap is
    made at the worst moment, just before the removal."""
    from autograder import containment

    if os.geteuid() != 0:
        pytest.skip("giving files to other uids needs root")
    shared, target = tmp_path / "shared", tmp_path / "elsewhere"
    public = shared / "public"  # a world-writable folder inside /tmp, not a worker's
    inner = public / "inner"  # and one inside it, whose name any uid may move
    for folder in (shared, public, inner, target):
        folder.mkdir()
    shared.chmod(0o1777)
    for folder, owner in ((public, 12345), (inner, 12346)):
        folder.chmod(0o777)
        os.chown(folder, owner, owner)
    uid = containment.UID_BASE + 7
    (target / "victim").write_text("another student's report")
    (inner / "victim").write_text("left by the finished worker")
    os.chown(inner / "victim", uid, uid)
    real_unlink = os.unlink

    def swapping_unlink(path, *args, **kwargs):  # the other slot's move, at the worst moment
        if os.path.basename(path) == "victim" and not (public / "moved").exists():
            inner.rename(public / "moved")
            inner.symlink_to(target)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(containment, "SHARED_FOLDERS", (str(shared),))
    monkeypatch.setattr(os, "unlink", swapping_unlink)
    containment.remove_files_of(uid)
    monkeypatch.undo()
    assert (target / "victim").read_text() == "another student's report"
    assert not (public / "moved" / "victim").exists()


def test_under_sandbox_uid_a_handin_cannot_leave_a_message_queue(grader, tmp_path):
    """A POSIX message queue outlives its processes, and where /dev/mqueue is not mounted (as
    here) the runner cannot even list it: a uid hand-in left one per test, for the next hand-in
    of its uid to read, and could take all of the machine's (256 for unprivileged users). Workers
    may not make one (``RLIMIT_MSGQUEUE`` 0)."""
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "queuer.tar", code=QUEUER)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "uid", "loss", cwd=tmp_path)
    left = queue_left()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 0}})
    assert "RuntimeError: mq_open gave -1" in done.stdout, done.stdout[-3000:]
    assert not left


def test_under_uid_the_standard_modules_a_handin_imports_are_loaded_before_the_uid_switch(grader, tmp_path):
    """Where the Python installation is closed to the worker's uid (this machine's pyenv under
    /root), a hand-in importing ``logging`` or ``glob`` lost every test: the worker now loads
    the modules of ``jail.ON_DEMAND`` its files import before it switches uid."""
    sandbox_or_skip("uid")
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    code = "import logging, glob\nfrom numpy.testing import assert_allclose as _close\n_log = logging.getLogger('hw')\n"
    handin(tmp_path, inbox, "imports.tar", code=code)
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "uid", "loss",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert scores_csv(out / "scores.csv")["imports.tar"]["loss"] == "5", (out / "imports.tar.txt").read_text()


def test_under_uid_the_import_scan_of_a_handin_runs_within_its_memory_limit(grader, tmp_path):
    """Under ``uid`` the worker parses the hand-in's files that may import a module of ``jail.ON_DEMAND``
    before it switches uid, and did so before it set its limits: a 600 KB file of one list (the archive
    takes 20 MiB per file) held 425 MB of syntax tree under ``--memory 300`` (1 MiB: 750 MB, and an
    f-string of 1 MiB took 59 s of CPU). The address-space and CPU limits now come first: the parse
    fails with MemoryError, the file is skipped, and the worker stays under its limit."""
    sandbox_or_skip("uid")
    folder = package(tmp_path / "src", code=PEAK_REPORTER, bare=True)
    (folder / "mytorch" / "wide.py").write_text(WIDE_IMPORT)
    archive = tar_of(folder, tmp_path / "wide.tar")
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "uid", "--memory", "300", "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    peaks = [int(mb) for mb in re.findall(r"ImportError: peak memory (\d+) MB", done.stdout)]
    assert len(peaks) == 2 and max(peaks) < 300, done.stdout[-3000:]


def test_the_imports_read_from_a_handin_are_the_allowed_standard_ones(tmp_path):
    from autograder.jail import imports_on_demand

    package = tmp_path / "mytorch"
    (package / "nn").mkdir(parents=True)
    (package / "__init__.py").write_text("import logging.handlers\nfrom . import nn\nimport antigravity\n")
    (package / "nn" / "x.py").write_text("from numpy.testing import assert_allclose\nfrom .y import glob\n")
    (package / "nn" / "broken.py").write_text("import glob\ndef (:\n")  # does not parse: skipped
    assert imports_on_demand(str(tmp_path)) == ["logging", "numpy.testing"]


def test_the_files_a_handins_import_scan_skips_import_none_of_the_modules_it_looks_for(tmp_path):
    """The scan parses only the files whose text may hold an import of ``ON_DEMAND``
    (``_may_import_on_demand``): however the import is written, its file is parsed; a file
    naming those modules only elsewhere than in an import statement is not."""
    from autograder.jail import _may_import_on_demand, imports_on_demand

    written = {  # each file: what a full parse of it finds
        "a.py": ("from numpy import (  # helpers\n    linalg as la,\n    testing,\n)\n", ["numpy.linalg",
                                                                                    "numpy.testing"]),
        "b.py": ("import numpy \\\n    . lib . stride_tricks\n", ["numpy.lib.stride_tricks"]),
        "c.py": ("x = 1; import csv\nif x: import glob\n", ["csv", "glob"]),
        "d.py": ("def f():\n    from json import dumps, decoder as statistics\n", []),
        "e.py": ("# -*- coding: latin-1 -*-\nimport os\n", []),
    }  # fmt: skip
    skipped = '"""Keyword arguments, the types of io."""\nimport os, math\nx = ["queue"]  # a queue\n'  # (no parse)
    for name, (text, found) in written.items():
        assert _may_import_on_demand(text.encode()), name
        folder = tmp_path / name[0]
        (folder / "mytorch").mkdir(parents=True)
        (folder / "mytorch" / name).write_text(text)
        assert imports_on_demand(str(folder)) == found, name
    assert not _may_import_on_demand(skipped.encode())
    assert _may_import_on_demand("import \uff4cogging\n".encode())  # (NFKC: a non-ASCII file is parsed whole)


def test_a_package_whose_import_fails_fails_every_test_with_its_error(grader, tmp_path):
    """The end of ``__init__`` raising leaves the submodules it imported in ``sys.modules``;
    the tests must not run on them as if the package had imported."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    handin(tmp_path, inbox, "late.tar", code="raise RuntimeError('the end of __init__ fails')")
    done = run_grader(grader, "--handin-dir", str(inbox), "--out-dir", str(out), "--sandbox", "none",
                      "operations", "linear", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert scores_csv(out / "scores.csv")["late.tar"]["total"] == "0"
    report = (out / "late.tar.txt").read_text()
    assert report.count("RuntimeError: the end of __init__ fails") == report.count("FAIL ") > 0


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
    wrong = package(tmp_path / "wrong", wrong_mul=True)
    done = subprocess.run([sys.executable, "-c", USERNS_SCRIPT, str(ROOT), str(wrong)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    if done.stdout.startswith("REFUSED"):
        pytest.skip(f"the kernel refuses user namespaces here: {done.stdout[9:].strip()}")
    assert done.stdout.strip() == "FAILED ['mul']"


def _a_folder_inside_what_workers_read() -> str | None:
    """An existing folder inside ``/usr`` or the Python installation that grading never reads (C headers), for a
    mount of the test's own in a mount namespace of its own; None if there is none."""
    for folder in ("/usr/include", os.path.join(sys.prefix, "include"), os.path.join(sys.base_prefix, "include")):
        if os.path.isdir(folder) and not os.path.islink(folder):
            return folder
    return None


def test_under_namespaces_a_mount_inside_what_workers_read_is_read_only_too(grader, tmp_path):
    """A worker's private root binds ``/usr`` and the Python installation with the mounts inside them and makes
    them read-only; until 2026-12-04 only the bind's own mount was, and a mount inside it (a ``/usr/local`` of its
    own, a volume at ``/usr/src/app``) stayed writable: a hand-in left a file there, on the host, for every later
    hand-in and program (in a site folder, a ``.pth`` runs in each). Here a tmpfs of mode 1777 is mounted over
    C headers' folder in a mount namespace of the test's own (the machine's stay as they were)."""
    sandbox_or_skip("namespaces")
    folder = _a_folder_inside_what_workers_read()
    if os.geteuid() != 0 or shutil.which("unshare") is None or folder is None:
        pytest.skip("needs root, unshare and a folder such as /usr/include to mount over")
    archive = handin(tmp_path, tmp_path, "writer.tar", code=mount_writer(folder), bare=True)
    runner = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--sandbox",
              "namespaces", "--timeout", "5", "operations"]  # fmt: skip
    script = f'mount -t tmpfs -o size=1m,mode=1777 tmpfs "$1" || exit 97; shift; "$@"; ls -A "{folder}"'
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", folder, *runner],
                          cwd=tmp_path, capture_output=True, text=True, timeout=150)  # fmt: skip
    if done.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs over {folder} here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WROTE" not in done.stdout and "planted.pth" not in done.stdout, done.stdout[-3000:]
    assert re.search(r'"ImportError: refused: Read-only file system"', done.stdout), done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})


# --------------------------------------------------------------------------- one hand-in, Autolab
def test_the_autolab_line_is_last_and_true_and_results_json_stays(grader, tmp_path):
    results = tmp_path / "results.json"
    archive = handin(tmp_path, tmp_path, "handin.tar", code=survivor([str(results)]) + forger([str(results)]),
                      bare=True)  # fmt: skip
    done = run_grader(grader, "--handin", str(archive), "--json", str(results), "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    written = results.read_bytes()
    leftovers_done(grader)
    assert results.read_bytes() == written and json.loads(written)["score"] == 0
    assert survivors() == []


def test_an_error_text_the_worker_sends_is_cut_by_the_runner(grader, tmp_path):
    """The worker cuts a failing test's error text to 4000 bytes, but the worker is the hand-in's:
    a forged result carrying 7 MiB of error text put all of it in the report, the output and
    results.json, for every test (the output itself is cut to its last 64 KiB by the runner)."""
    results = tmp_path / "results.json"
    archive = handin(tmp_path, tmp_path, "loud.tar", code=ERROR_FLOOD, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--json", str(results), "--sandbox", "none", "operations",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    assert done.stdout.count("FAIL ") == 6 and "EEEE" in done.stdout
    assert len(done.stdout) < 6 * 8000 and results.stat().st_size < 6 * 8000


def test_an_import_that_never_returns_costs_the_handin_its_time_limit_at_most(grader, tmp_path):
    archive = handin(tmp_path, tmp_path, "hang.tar", code=HANG)
    start = time.monotonic()
    done = run_grader(grader, "--handin", str(archive), "--timeout", "2", "--handin-timeout", "5", "operations",
                      cwd=tmp_path)  # fmt: skip
    assert time.monotonic() - start < 30
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    assert "TIMEOUT: the test was stopped after its time limit of 2 s, before the hand-in's import had" in done.stdout
    assert "time limit of 5 s ran out" in done.stdout


def test_a_test_that_keeps_back_ready_still_runs_under_its_own_time_limit(grader, tmp_path):
    """The test's clock switched from ``--startup-timeout`` to ``--timeout`` when the worker said ``READY``, once the
    hand-in was imported; but the hand-in's code runs in the worker, and it can keep ``READY`` back (or do its test's
    work while it is imported): until 2026-12-05 a right ``exp_backward`` 5 s slow passed under ``--timeout 3``
    (``--startup-timeout 20``) that way, where the same kernel without the trick failed with ``TIMEOUT``. The clock
    now switches when the worker says ``CONTAINED``, before any code of the hand-in's runs: its import counts."""
    archive = handin(tmp_path, tmp_path, "holder.tar", code=READY_HOLDER)
    done = run_grader(grader, "--handin", str(archive), "--timeout", "3", "--startup-timeout", "20", "operations",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    stopped = r"^FAIL  operations/exp .*\n.*TIMEOUT: the test was stopped after its time limit of 3 s"
    assert re.search(stopped, done.stdout, re.M), done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}})


# --------------------------------------------------------------------------- the result channel
def _npz(compress: bool = False, **arrays) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def _npy_claiming(shape: tuple[int, ...], version: bytes = b"\x01\x00") -> bytes:
    """An .npz whose one member's header claims ``shape`` of float64 and holds 16 bytes."""
    import zipfile

    header = repr({"descr": "<f8", "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    member = b"\x93NUMPY" + version + len(header).to_bytes(2, "little") + header + bytes(16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.npy", member)
    return buffer.getvalue()


def _named_member(name: str) -> bytes:
    """A zip archive of one stored member called ``name``."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"data")
    return buffer.getvalue()


def _overlapping_npz(count: int, body: int) -> bytes:
    """An .npz of ``count`` stored uint8 members whose data overlap: member k's data holds the
    headers of members k+1, k+2, ... and the shared ``body`` zeros (every CRC right), so a payload
    of about ``body`` bytes holds ``count * body`` bytes of arrays."""
    import struct
    import zlib

    names = [f"m{k:02d}.npy".encode() for k in range(count)]
    local = 30 + len(names[0])

    def npy(length: int) -> bytes:
        header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({length:>12},), }}"
        header += " " * (-(10 + len(header) + 1) % 64) + "\n"
        return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()

    head = len(npy(0))
    sizes = [head + body]
    for _ in range(count - 1):
        sizes.insert(0, head + local + sizes[0])
    blob, offsets = bytearray(), []
    for size in sizes:
        offsets.append(len(blob))
        blob += bytes(local) + npy(size - head)
    blob += bytes(body)
    crcs = [0] * count
    for k in reversed(range(count)):  # each member's data holds the later members' local headers
        crcs[k] = zlib.crc32(blob[offsets[k] + local : offsets[k] + local + sizes[k]])
        fields = (20, 0, 0, 0, 0, 0, crcs[k], sizes[k], sizes[k], len(names[k]), 0)
        blob[offsets[k] : offsets[k] + local] = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fields) + names[k]
    directory = b"".join(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0, crcs[k], sizes[k],
                                     sizes[k], len(names[k]), 0, 0, 0, 0, 0o644 << 16, offsets[k]) + names[k]
                         for k in range(count))  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(blob), 0)
    return bytes(blob) + directory + end


def _with_central_field(payload: bytes, offset: int, value: int) -> bytes:
    """``payload`` with a 2-byte field of its (first) central directory entry set to ``value``:
    offset 6 is the version needed to extract, 8 the flag bits."""
    at = payload.index(b"PK\x01\x02") + offset
    return payload[:at] + value.to_bytes(2, "little") + payload[at + 2 :]


def _directory_flood(size: int) -> bytes:
    """A zip of ``size`` bytes that is nothing but central directory entries (all named ``a.npy``,
    with no member behind them) and its end record: zipfile reads every entry before the members
    can be counted."""
    import struct

    entry = struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0)
    directory = (entry + b"a.npy") * ((size - 22) // (len(entry) + 5))
    return directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65535, 65535, len(directory), 0, 0)


def _extra_flood(members: int) -> bytes:
    """A zip whose directory entries each carry an extra field of 16,383 empty records: zipfile slices
    the rest of the field once per record (0.6 s of the runner's CPU for 60 entries in 8 MiB)."""
    import struct
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(members):
            info = zipfile.ZipInfo(f"a{index}.npy")
            info.extra = struct.pack("<HH", 0xCAFE, 0) * 16383
            archive.writestr(info, b"")
    return buffer.getvalue()


def _with_comment(payload: bytes) -> bytes:
    """``payload`` with an archive comment (np.savez writes none): its end record is no longer last."""
    return payload[:-2] + b"\x04\x00note"


def test_folder_names_from_an_archive_reach_a_refusal_quoted(tmp_path):
    """Two ``mytorch/`` packages one level down: the refusal names their folders as the archive
    spells them, quoted (a terminal escape in a name is shown, not obeyed)."""
    from autograder.sandbox import HandinError, find_package

    for name in ("a\x1b[2Jb", "c"):
        (tmp_path / name / "mytorch").mkdir(parents=True)
        (tmp_path / name / "mytorch" / "__init__.py").write_text("")
    with pytest.raises(HandinError) as refusal:
        find_package(tmp_path)
    assert "several mytorch/ packages: 'a\\x1b[2Jb', 'c'" in str(refusal.value)


def test_the_channel_accepts_named_numbers_only():
    import numpy as np

    from autograder.protocol import MAX_RESULT_BYTES, ProtocolError, decode_arrays

    got = decode_arrays(_npz(a=np.arange(3.0), flag=np.array(True)))
    assert set(got) == {"a", "flag"} and got["a"].tolist() == [0.0, 1.0, 2.0]
    refusals = {
        "is not a readable array": _npz(verdict=np.array([{"passed": True}], dtype=object)),
        "numbers only": _npz(text=np.array(["passed"])),
        "compressed": _npz(compress=True, a=np.zeros(10)),
        "not an .npz archive": b"PK\x03\x04 but not a zip",
        "arrays, over the limit": _npz(**{f"a{i}": np.zeros(1) for i in range(65)}),
        "over the limit of": bytes(MAX_RESULT_BYTES + 1),
        "more than it holds": _npy_claiming((2**33,)),  # 64 GiB: was allocated before reading (MemoryError)
        "1.0 or 2.0 only": _npy_claiming((2,), version=b"\x03\x00"),
        # 64 members sharing their bytes: 7 MiB of payload made 448 MiB of arrays in the runner
        "more than its": _overlapping_npz(64, 2**16),
        # zipfile's other errors failed the whole hand-in ("the grader failed on it"), not the test
        r"not an \.npz archive \(NotImplementedError": _with_central_field(_npz(a=np.zeros(2)), 6, 64),
        r"not a readable array \(RuntimeError: .* is encrypted": _with_central_field(_npz(a=np.zeros(2)), 8, 1),
        r"not a readable array \(NotImplementedError": _with_central_field(_npz(a=np.zeros(2)), 8, 0x20),
        # 160,000 directory entries in 8 MiB: zipfile spent 4 to 15 s of the runner's CPU reading them
        "zip directory has over 256 entries": _directory_flood(MAX_RESULT_BYTES),
        "zip directory has 3935090 bytes, over 65536": _extra_flood(60),
        "does not end as np.savez ends one": _with_comment(_npz(a=np.zeros(2))),
    }
    for reason, payload in refusals.items():
        start = time.process_time()
        with pytest.raises(ProtocolError, match=reason):
            decode_arrays(payload)
        assert time.process_time() - start < 0.5, reason
    # A zip member's name may have 64 KiB, and each refusal was quoted whole in the test's report.
    for name in ("x" * 60_000 + ".txt", "y" * 60_000 + ".npy"):
        with pytest.raises(ProtocolError) as refusal:
            decode_arrays(_npz(compress=True, **{name[:-4]: np.zeros(1)}) if name.endswith(".npy") else
                          _named_member(name))  # fmt: skip
        assert len(str(refusal.value)) < 400, len(str(refusal.value))


def test_trained_weights_of_other_shapes_fail_before_the_runner_computes_with_them():
    """The one reference that computes with the worker's arrays (the MLP's trained weights):
    a bias of shape (m, 1, 16) broadcast the network to m copies, so 8 MiB of result made the
    runner build arrays of gigabytes (and another architecture could pass)."""
    import numpy as np

    from autograder.grading import collect, judge

    test = next(t for t in collect(["mlp"]) if t.name == "learns the disc task")
    inputs = test.inputs()
    computed = {"W1": inputs["W1"], "b1": np.zeros((4, 1, 16)), "W2": inputs["W2"], "b2": inputs["b2"]}
    with pytest.raises(AssertionError, match=r"trained b1: got shape \(4, 1, 16\), expected shape \(16,\)"):
        judge(test, inputs, computed)


def _payload_verdict(test_id: str, arrays: dict):
    """The runner's verdict on a worker that sent ``arrays`` for the test ``test_id`` (its inputs as the runner
    makes them)."""
    from autograder import protocol
    from autograder.grading import collect
    from autograder.isolation import Settings, _verdict, _Watch

    test = next(t for t in collect() if t.id == test_id)
    seen = _Watch(payload=protocol.encode_arrays(arrays), ready=True)
    return _verdict(test, test.inputs(), seen, 0, Settings(), time.monotonic() + 60, 0.1)


def test_a_results_shape_is_checked_before_its_values_are_converted():
    """The runner converted a result to float64 before comparing its shape with the reference's: a worker's 8 MiB
    of booleans, under one name of a kernel's result or as the MLP's trained weights, made 64 MiB in the runner
    (its peak 132 MB against 42 MB, per test and ``--jobs`` slot, until 2026-12-04)."""
    import tracemalloc

    import numpy as np

    flags = np.ones(8 * 2**20 - 4096, dtype=bool)  # (about the most a result may hold)
    weights = {"W1": flags, "b1": flags[:1], "W2": flags[:1], "b2": flags[:1]}
    for test_id, arrays in [("operations/mul", {"gradient of input 0": flags}), ("mlp/learns the disc task", weights)]:
        tracemalloc.start()
        try:
            outcome = _payload_verdict(test_id, arrays)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert not outcome.passed and "got shape (8384512,), expected shape" in outcome.output, outcome.output
        assert peak < 40 * 2**20, f"{test_id}: {peak / 2**20:.0f} MiB"


def test_a_handins_numbers_make_no_warning_on_the_runners_stderr(grader, tmp_path):
    """An error text sent as floats (NaN, inf, negative, over 255) where the worker sends bytes, and trained
    weights of inf and NaN: until 2026-12-04 NumPy's RuntimeWarnings about them ("invalid value encountered in
    cast", "... in matmul") went to the runner's stderr, Autolab's feedback, with the runner's source lines."""
    import warnings

    import numpy as np

    archive = handin(tmp_path, tmp_path, "nan.tar", code=NAN_ERROR, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "none", "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Warning" not in done.stderr, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    shapes = {"W1": ((16, 2), np.inf), "b1": ((16,), np.nan), "W2": ((2, 16), -np.inf), "b2": ((2,), np.inf)}
    weights = {name: np.full(shape, value) for name, (shape, value) in shapes.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = _payload_verdict("mlp/learns the disc task", weights)
    assert not outcome.passed and "the loss went from" in outcome.output, outcome.output
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_only_unshare_itself_can_say_that_a_worker_was_killed(grader, tmp_path, mode):
    """The line ``unshare`` prints when the worker it started was killed by a signal is how the runner tells a
    ``namespaces`` worker's death from its exit status 1. Until 2026-12-04 it was looked for in the output the
    hand-in writes too, under every mode: a hand-in that printed it and exited 1 had its test reported ``KILLED
    (SIGKILL) ... most likely a limit``, not ``CRASH``, and its line taken out of the report (under ``uid`` and
    ``none`` until a first fix; under ``namespaces`` until ``unshare``'s stderr got a pipe of its own)."""
    sandbox_or_skip(mode)
    archive = functional_handin(tmp_path, UNSHARE_MIMIC, "mimic.tar")
    done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    mul = re.search(r"FAIL  operations/mul .*\n\s+\| (.*)", done.stdout)
    assert mul and mul[1] == "CRASH: the test's process died (exit status 1) before reporting.", done.stdout[-3000:]
    assert "| > unshare: sigprocmask unblock failed: Invalid argument" in done.stdout, done.stdout[-3000:]


def test_a_stopped_runner_leaves_no_worker_behind(grader, tmp_path):
    """SIGTERM (or Ctrl-C) in the middle of grading: every worker and what it started is killed,
    no score is printed, the exit status is 130."""
    archive = handin(tmp_path, tmp_path, "hang.tar", code=survivor([]) + HANG)
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
               "--startup-timeout", "60", "operations"]  # fmt: skip
    runner = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Until the workers spin in the hand-in's import, their sleepers started (so the runner has its
    # SIGTERM handler: a fixed wait can end before that on a loaded machine, and exit status is -15).
    end = time.monotonic() + 60
    while not sleepers() and time.monotonic() < end:
        time.sleep(0.2)
    runner.send_signal(signal.SIGTERM)
    stdout, stderr = runner.communicate(timeout=30)
    assert runner.returncode == 130, stderr[-2000:]
    assert "stopped; no score was given" in stderr and '{"scores"' not in stdout
    end = time.monotonic() + 5  # (the runner has exited: what it killed may take a moment to go)
    while (sleepers() or processes_with(str(grader))) and time.monotonic() < end:
        time.sleep(0.05)
    assert survivors() == []
    assert processes_with(str(grader)) == []


def test_where_namespaces_are_refused_auto_falls_back_and_says_so(grader, tmp_path):
    """Like Gradescope's Docker container: root without CAP_SYS_ADMIN, so ``unshare`` fails;
    ``--sandbox auto`` takes ``uid`` and says once on stderr what is missing."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv (util-linux) to drop CAP_SYS_ADMIN")
    wrong = package(tmp_path / "wrong", wrong_mul=True)
    runner = [sys.executable, str(grader / "autograder" / "runner.py"), "--mytorch", str(wrong), "--jobs", "2"]
    command = [setpriv, "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", *runner, "operations"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("runner.py: note: --sandbox uid:") == 1
    assert "namespaces are refused here" in done.stderr
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}})


def test_a_handins_processes_share_one_memory_limit(grader, tmp_path):
    """With a cgroup (root, a writable memory controller), --handin-memory bounds all of a
    hand-in's processes together: three children of 200 MB each cannot live under 300 MB."""
    from autograder.cgroups import HandinCgroup

    probe = HandinCgroup.create(64)
    if probe is None:
        pytest.skip("no memory cgroup the runner can make here (it needs root and a writable memory controller)")
    probe.close()
    archive = handin(tmp_path, tmp_path, "hungry.tar", code=MEMHOG)
    # (its children hold their memory 3 s: on a loaded machine more than the default 5 s test
    # timeout; one test at a time: a test running beside it in the same cgroup may be the
    # process the kernel ends, and the score depend on timing)
    done = run_grader(grader, "--handin", str(archive), "--handin-memory", "300", "--timeout", "20", "--jobs", "1",
                      "operations", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}})
    held = re.search(r"(\d) children held 200 MB each at once", done.stdout)
    if held is None:  # the kernel ended the worker itself: the report says so (not an attack that broke early)
        assert "MEMORY: the hand-in's processes went over their memory limit of 300 MB" in done.stdout, done.stdout
    else:
        assert int(held.group(1)) <= 1, held.group(0)
    assert survivors() == []


def test_a_test_killed_at_its_cpu_limit_is_reported_as_killed_not_as_a_sandbox_error(grader, tmp_path):
    archive = handin(tmp_path, tmp_path, "burner.tar", code=CPU_BURNER)
    done = run_grader(grader, "--handin", str(archive), "--timeout", "20", "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}})  # mul lost
    assert "KILLED: the test's process was killed (SIG" in done.stdout, done.stdout[-3000:]
    assert "sigprocmask" not in done.stdout and "CRASH" not in done.stdout
    assert survivors() == []


def test_a_test_over_the_handins_memory_limit_is_reported_as_such(grader, tmp_path):
    from autograder.cgroups import HandinCgroup

    probe = HandinCgroup.create(64)
    if probe is None:
        pytest.skip("no memory cgroup the runner can make here (it needs root and a writable memory controller)")
    probe.close()
    archive = handin(tmp_path, tmp_path, "oom.tar", code=OOM)
    # (30 s a test: under cgroup v1 the kernel reclaims for seconds before its OOM kill, 4.8 s at a load of 5)
    done = run_grader(grader, "--handin", str(archive), "--memory", "1000", "--handin-memory", "300", "--jobs", "1",
                      "--timeout", "30", "operations", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 5}})
    assert "MEMORY: the hand-in's processes went over their memory limit of 300 MB" in done.stdout, done.stdout[-3000:]
    assert survivors() == []


@pytest.mark.parametrize("mode", ["uid", "none"])
def test_under_uid_and_none_a_handins_folder_holds_at_most_disk_mb(grader, tmp_path, mode):
    """Under ``uid`` and ``none`` a worker's folder was on the runner's disk: files of ``--disk`` MB
    (``RLIMIT_FSIZE``) each, as many as it liked, for the length of its test. A root runner now gives
    it a tmpfs of ``--disk`` MB in a mount namespace of its own, which also counts files unlinked
    while kept open (``namespaces`` had one already)."""
    sandbox_or_skip(mode)
    archive = handin(tmp_path, tmp_path, "filler.tar", code=DISK_FILLER, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "--disk", "8", "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 0}})
    found = re.findall(r"hid (\d) MiB, wrote (\d+) MiB: No space left on device", done.stdout)
    assert len(found) == 2, done.stdout[-3000:]  # both tests of the section
    assert all(int(hidden) + int(written) < 8 for hidden, written in found)
    assert "mytorch-workers-" not in Path("/proc/self/mountinfo").read_text()  # no tmpfs in the runner's namespace


def _grading_without(grader: Path, tmp_path: Path, capabilities: str, code: str, disk: str) -> list[str]:
    """The command that grades the ``loss`` tests of a hand-in of ``code`` under ``uid`` and ``--disk disk`` by a
    runner whose ``capabilities`` are dropped (setpriv's list, ``-sys_admin``: as in Docker); skips where it cannot."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv (util-linux) to drop capabilities")
    sandbox_or_skip("uid")
    archive = handin(tmp_path, tmp_path, "filler.tar", code=code, bare=True)
    runner = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--jobs", "2",
              "--sandbox", "uid", "--disk", disk, "loss"]  # fmt: skip
    return [setpriv, "--bounding-set", capabilities, "--inh-caps", capabilities, *runner]


def _loss_graded_without(grader: Path, tmp_path: Path, capabilities: str, code: str, disk: str):
    """The ``loss`` tests of a hand-in of ``code`` graded as ``_grading_without`` says, which scores 0."""
    command = _grading_without(grader, tmp_path, capabilities, code, disk)
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 0}})
    return done


def test_where_no_tmpfs_can_be_made_a_folder_over_disk_mb_fails_its_test_with_disk(grader, tmp_path):
    """Like Gradescope's container (root without ``CAP_SYS_ADMIN``): the worker's folder is on the
    disk, and the runner's look at it, during the test and once more when it ends, fails a test whose
    folder went over ``--disk`` (the hand-in writes 16 MiB in about 20 ms, less than one look's
    interval; the 4 MiB it unlinks while keeping them open are counted only every ``HELD_CHECK`` seconds)."""
    done = _loss_graded_without(grader, tmp_path, "-sys_admin", DISK_FILLER, "8")
    # (the 4 MiB unlinked while kept open are named where the look that stopped the test counted them,
    # which depends on when it ran: under load it often is one that does)
    held = r"( \(\d+ MB in files unlinked while kept open or mapped\))?"
    disk = r"DISK: the test's folder held more than 8 MB" + held + r" \(its limit: 8 MB, --disk"
    assert len(re.findall(disk, done.stdout)) == 2, done.stdout


def test_a_test_stopped_over_its_disk_limit_is_killed_at_once(grader, tmp_path):
    """Where the worker's folder is on the disk (here root without ``CAP_SYS_ADMIN``, as on Gradescope), the runner's
    look that finds it over ``--disk`` stops the test, and its processes die then: until 2026-12-05 the runner first
    gave the worker 1 s to exit, as it does a worker that has sent its result, and every process of the hand-in
    went on writing meanwhile (checked: four writers took 0.35 GB of the disk under ``--disk 64``, 0.13 GB now).
    The hand-in's ``sleep MARK``, started once its folder is over the limit, lived over 1 s then."""
    command = _grading_without(grader, tmp_path, "-sys_admin", OVER_THE_DISK, "8")
    seen: dict[int, list[float]] = {}
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        while run.poll() is None:
            now = time.monotonic()
            for pid in sleepers():
                seen.setdefault(pid, [now, now])[1] = now
            time.sleep(0.005)
        out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err[-2000:]
    assert len(re.findall(r"DISK: the test's folder held more than 8 MB", out)) == 2, out[-3000:]
    assert not survivors()
    lived = [last - first for first, last in seen.values()]
    assert all(seconds < 0.7 for seconds in lived), lived


def test_without_cap_sys_ptrace_a_file_a_uid_worker_holds_after_unlinking_it_fails_its_test_with_disk(grader, tmp_path):
    """Like Gradescope's container, with Docker's default capabilities (no ``CAP_SYS_ADMIN``, no
    ``CAP_SYS_PTRACE``): the worker's folder is on the disk, and the runner could not read another uid's
    ``/proc/<pid>/fd``, so a hand-in holding 3 MiB unlinked under ``--disk 2`` ran its tests to their end (until
    2026-12-05). The worker now makes itself dumpable after switching uid, the runner reads as its uid, and the
    tests fail with DISK."""
    done = _loss_graded_without(grader, tmp_path, "-sys_admin,-sys_ptrace", UNLINKED_HOLDER, "2")
    assert "nothing stopped it" not in done.stdout, done.stdout[-3000:]
    # (2 or 3 MB counted: on a loaded machine the look that stops the test may come while the second file is written)
    disk = r"DISK: the test's folder held more than 2 MB \([23] MB in files unlinked while kept open or mapped\)"
    assert len(re.findall(disk, done.stdout)) == 2, done.stdout[-3000:]


def test_without_cap_sys_ptrace_a_uid_worker_slow_to_become_dumpable_again_costs_its_hand_in_nothing(tmp_path):
    """A ``uid`` worker is unreadable to a runner without ``CAP_SYS_PTRACE`` from its switch of uid until it makes
    itself dumpable again: until 2026-12-05 the runner, looking then, took it for a process hiding what it holds
    after one more look 0.05 s later, and failed the test with ``DISK`` (the reference scored 0 of 5 here, each
    worker slowed by 1.5 s at that point, as a loaded machine may). It now looks at what the test's processes
    hold only once the worker has said ``protocol.CONTAINED``, before which no code of the hand-in's runs."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv (util-linux) to drop capabilities")
    sandbox_or_skip("uid")
    for name in ("autograder", "mytorch"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    jail = tmp_path / "autograder" / "jail.py"
    dumpable = '        _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")\n'
    assert jail.read_text().count(dumpable) == 1
    jail.write_text(jail.read_text().replace(dumpable, "        __import__('time').sleep(1.5)\n" + dumpable))
    capabilities = "-sys_admin,-sys_ptrace"  # (Docker's defaults lack both)
    runner = [sys.executable, str(tmp_path / "autograder" / "runner.py"), "--sandbox", "uid", "loss"]
    command = [setpriv, "--bounding-set", capabilities, "--inh-caps", capabilities, *runner]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DISK" not in done.stdout, done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 5}}), done.stdout[-3000:]


@pytest.mark.parametrize("capabilities", ["-sys_admin", "-sys_admin,-sys_ptrace"])
@pytest.mark.parametrize("holder", ["own descriptors", "first thread gone"])
def test_what_a_processes_other_threads_hold_after_unlinking_counts_against_the_disk(
    grader, tmp_path, capabilities, holder
):
    """As in Gradescope's container (root without ``CAP_SYS_ADMIN``, and without ``CAP_SYS_PTRACE`` as Docker's
    defaults), files a test's threads other than the first keep open after unlinking them went uncounted until
    2026-12-05 (a hand-in held 64 MiB so under ``--disk 16`` for as long as its test ran): a thread with a descriptor
    table of its own (``unshare(CLONE_FILES)``), which ``/proc/<pid>/fd`` does not show (64 files of ``--disk`` MiB
    per thread), and a process whose first thread has ended (``pthread_exit``), which shows as a zombie, taken for
    ended (nor was it named among what the test left running). The runner now reads every thread's descriptors and
    counts such a process as running: the tests fail with DISK (without ``CAP_SYS_PTRACE`` the first thread, ended,
    may not be read at all, which fails the test as well)."""
    code = THREAD_HOLDER if holder == "own descriptors" else FIRST_THREAD_GONE
    done = _loss_graded_without(grader, tmp_path, capabilities, code, "16")
    held = r"more than 16 MB \(\d+ MB in files unlinked while kept open or mapped\)"
    disk = rf"DISK: the test's folder held ({held}|a process the runner cannot look into)"
    assert len(re.findall(disk, done.stdout)) == 2, done.stdout[-3000:]
    if holder == "first thread gone":
        assert done.stdout.count("LEFT RUNNING: 1 process of the test outlived it") == 2, done.stdout[-3000:]


def test_a_uid_worker_is_dumpable_may_not_undo_it_and_dumps_no_core(tmp_path):
    """A ``uid`` worker makes itself dumpable after switching uid (the runner, without ``CAP_SYS_PTRACE``, reads
    its ``/proc/<pid>/fd`` as its uid), and its filter refuses ``PR_SET_DUMPABLE`` (EPERM) from then on;
    ``RLIMIT_CORE`` 1 still keeps a crash from dumping a core (checked here: a core file with a larger limit)."""
    if os.geteuid() != 0:
        pytest.skip("switching uid needs root")
    folder = Path(tempfile.mkdtemp(prefix="mytorch-dumpable-"))  # (pytest's own folders are closed to other users)
    folder.chmod(0o777)
    script = (
        "import ctypes, os, resource, sys\nsys.path.insert(0, sys.argv[1])\nfrom autograder import jail\n"
        "resource.setrlimit(resource.RLIMIT_CORE, (1, 1))\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "jail._drop_privileges(2113900001)\nbefore = libc.prctl(3, 0, 0, 0, 0)\nassert jail._forbid_keyrings()\n"
        "refused = libc.prctl(4, 0, 0, 0, 0) == -1 and ctypes.get_errno()\n"
        "print(os.getuid(), before, refused, libc.prctl(3, 0, 0, 0, 0), flush=True)\nctypes.string_at(0)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-I", "-c", script, str(ROOT)], cwd=folder, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        assert done.returncode == -signal.SIGSEGV, done.stderr[-2000:]
        assert done.stdout.split() == ["2113900001", "1", str(errno.EPERM), "1"], done.stdout
        assert os.listdir(folder) == []  # no core
    finally:
        shutil.rmtree(folder)


def test_the_runners_looks_at_what_a_tests_processes_hold_take_a_bounded_share_of_its_time(tmp_path, monkeypatch):
    """A process's maps may have 65,530 lines: 7 processes of a hand-in each mapping 32,000 pages apart cost the
    runner 3.5 s of CPU over two tests of 8 s (every look at what they hold, every 0.5 s, read all their maps).
    A look that costs the runner's thread more than ``HELD_SHARE`` of the time until the next puts the next
    further off; the looks at the folder alone go on every time. (Here a look of 20 ms of CPU, for 0.5 s.)"""
    from autograder import isolation

    held, looks = [], []

    def look(folder, max_bytes, max_entries, pids=None, uid=None):
        looks.append(pids is not None)
        if pids is not None:
            end = time.thread_time() + 0.02
            while time.thread_time() < end:  # (the CPU that reading the maps would cost)
                pass
            held.append(time.monotonic())
        return None

    monkeypatch.setattr(isolation, "_too_full", look)
    monkeypatch.setattr(isolation, "HELD_CHECK", 0.0)
    watch = isolation._FolderWatch(tmp_path, 1 << 20, lambda: [])
    start, calls = time.monotonic(), 0
    while time.monotonic() < start + 0.5:
        assert watch() is None
        calls += 1
        time.sleep(0.005)
    assert 1 <= len(held) <= 4, held  # one every 0.2 s at most (every call, 25 or so, before)
    # every other call looked at the folder alone (counted, not timed: on a loaded machine
    # fewer calls fit in the 0.5 s, and a count of at least 10 of them failed there)
    assert len(looks) == calls > len(held) and looks.count(False) == calls - len(held), (calls, looks)
    assert watch(held=False) is None and looks[-1] is False


def test_files_a_test_keeps_open_or_mapped_after_unlinking_them_count_against_its_disk(tmp_path):
    """Where the worker's folder is on the disk (``uid`` or ``none`` where the runner may not mount), a
    file unlinked while kept open or mapped holds disk that no look at the folder sees: a hand-in held
    24 MiB open and 8 MiB mapped under ``--disk 8`` and its test went on (64 files of ``--disk`` MiB per
    process could be held). The look now counts them, by the test's processes' descriptors and maps;
    files outside the folder, and files still named in it (counted by the walk), are not counted twice."""
    from autograder.isolation import _too_full

    folder, elsewhere = tmp_path / "test-folder", tmp_path / "elsewhere"
    folder.mkdir(), elsewhere.mkdir()
    holder = (
        "import mmap, os, sys, time\nfolder, elsewhere = sys.argv[1:]\nkept = []\n"
        "for name, size in ((f'{folder}/open', 3), (f'{folder}/mapped', 2), (f'{elsewhere}/other', 4)):\n"
        "    f = open(name, 'wb+'); f.write(b'x' * (size << 20)); f.flush(); os.unlink(name)\n"
        "    kept.append(mmap.mmap(f.fileno(), 0) if name.endswith('mapped') else f)\n"
        "    if name.endswith('mapped'): f.close()\n"
        "open(f'{folder}/named', 'wb').write(b'x' * (1 << 20))\nprint('ready', flush=True)\ntime.sleep(30)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", holder, str(folder), str(elsewhere)], stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"ready\n"
        assert _too_full(folder, 2**20 + 100_000, 100) is None  # the named MiB alone: under the limit
        over = _too_full(folder, 6 * 2**20 - 100_000, 100, lambda: [process.pid])
        assert over == "more than 5 MB (5 MB in files unlinked while kept open or mapped)", over
        assert _too_full(folder, 6 * 2**20 + 100_000, 100, lambda: [process.pid]) is None
    finally:
        process.kill()
        process.wait()


def test_the_runner_stops_a_test_whose_folder_on_the_disk_grows_past_its_limit(tmp_path):
    """Where the kernel refuses a worker its tmpfs (a container without ``CAP_SYS_ADMIN``), the runner
    looks at the folder every ``DISK_CHECK`` seconds and stops the test over ``--disk`` MB or
    ``jail.ROOT_INODES`` entries. Here a process writes up to 32 files of 1 MiB, 0.02 s apart, under a
    limit of 4 MiB; the look also stops at a folder of more entries than allowed."""
    from autograder.isolation import _too_full, _watch

    folder = tmp_path / "test-folder"
    folder.mkdir()
    writer = ("import sys, time\nfor i in range(32):\n    open(f'{sys.argv[1]}/f{i}', 'wb').write(b'x' * 2**20)\n"
              "    time.sleep(0.02)\n")  # fmt: skip
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", writer, str(folder)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        seen = _watch(process, read_end, 20.0, lambda ready: ready + 20.0, 1000,
                      lambda held: _too_full(folder, 4 * 2**20, 100))  # fmt: skip
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        os.close(read_end)
        os.close(write_end)
    assert seen.disk == "more than 4 MB"
    assert len(list(folder.iterdir())) < 16  # stopped within a few checks of passing the limit
    for name in range(120):
        (folder / "inner").mkdir(exist_ok=True)
        (folder / "inner" / f"e{name}").touch()
    assert _too_full(folder, 2**40, 100) == "more than 100 files and folders"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "big").write_bytes(b"x" * 2**20)
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path / "elsewhere")
    assert _too_full(folder, 2**19, 100) is None  # a link is never followed
    fd = os.open(folder, os.O_RDONLY)
    for _ in range(20):  # past PATH_MAX: a path the runner cannot open would hide what is below it
        os.mkdir("d" * 250, dir_fd=fd)
        fd, above = os.open("d" * 250, os.O_RDONLY, dir_fd=fd), fd
        os.close(above)
    os.close(fd)
    assert _too_full(folder, 2**40, 100) == "a folder the runner cannot look into (File name too long)"
    subprocess.run(["rm", "-rf", str(folder)], check=True)


def test_exceptions_exits_finalizers_crashes_and_patched_builtins_each_cost_only_their_own_test(grader, tmp_path):
    """What a kernel can do to the worker instead of answering, each in one test: every such test
    fails with its own verdict, the runner goes on, its last line is the true score, the atexit hook
    never runs (the worker ends with ``os._exit``) and the forged PASS line stays quoted."""
    archive = functional_handin(tmp_path, MISBEHAVER, "misbehaver.tar")
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "none", "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    verdicts = {name: verdict for name, verdict in re.findall(r"FAIL  operations/(\w+).*\n\s+\| (.*)", done.stdout)}
    assert verdicts["mul"].startswith('"KeyboardInterrupt: interrupted on purpose"'), verdicts
    assert verdicts["sub"].startswith('"SystemExit: 0"'), verdicts
    # the exception named first, its forged PASS line after it on the same verdict line, quoted (9f7528f)
    assert verdicts["matmul"].startswith('"mytorch.nn.functional._Odd: an odd BaseException | PASS  operations/matmul')
    assert verdicts["div"] == "CRASH: the test's process died (exit status 0) before reporting.", verdicts
    assert verdicts["log"].startswith(("KILLED: the test's process was killed (SIGSEGV)", '"RecursionError')), verdicts
    assert verdicts["exp"], verdicts
    assert "ATEXIT RAN" not in done.stdout and "a thread left behind" in done.stdout
    assert not re.search(r"^PASS  operations/", done.stdout, re.M)


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_holds_no_descriptor_of_the_runners_files(grader, tmp_path, mode):
    """The worker read its instructions (``config.json``: the paths hidden from it, among them every copy of the
    reference found and the folders of other hand-ins and reports, its limits) in a ``with`` block around the whole
    test: until 2026-12-04 the hand-in read them through descriptor 3 in every mode, under ``uid`` from a file of
    mode 0600 owned by root that it could not open. Now no descriptor but the result pipe's is open."""
    sandbox_or_skip(mode)
    archive = functional_handin(tmp_path, DESCRIPTOR_READER, "reader.tar")
    done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    said = re.search(r'"RuntimeError: descriptors read: (.*?)" \(raised in', done.stdout)
    assert said, done.stdout[-3000:]
    assert said[1] == "none", said[1]  # (the result pipe cannot be read from the worker's end)


def test_what_a_handin_raises_or_prints_reaches_every_report_format_quoted(grader, tmp_path):
    """An exception whose type reads as the runner's PASS line (``__module__`` "builtins"), one whose message
    is a long run of PASS lines, a stub whose message's last line is one, and a printed one: in the printout
    (Autolab's output) and in results.json no line of the hand-in's begins as a verdict does. Until 2026-12-04
    the first line of ``mul``'s output in results.json was ``PASS  operations/mul  1/1  (0.01 s) (raised
    in ...)`` and the printed line began a line of it, bare."""
    archive = functional_handin(tmp_path, PASS_FORGER, "passer.tar")
    results = tmp_path / "results.json"
    done = run_grader(grader, "--handin", str(archive), "--sandbox", "none", "--json", str(results), "operations",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"operations": 0}})
    assert not re.search(r"^(\s*\|\s*)?PASS", done.stdout, re.M), done.stdout
    outputs = {test["name"]: test["output"] for test in json.loads(results.read_text())["tests"]}
    assert not [line for text in outputs.values() for line in text.splitlines() if line.startswith("PASS")], outputs
    mul, sub, matmul = (outputs[f"operations: {name}"].splitlines() for name in ("mul", "sub", "matmul"))
    assert mul[0].startswith('"PASS  operations/mul ') and any(
        line.startswith("> PASS  operations/mul ") for line in mul
    )
    assert sub[0].startswith('"ValueError: PASS  operations/sub') and len(sub[0]) < 400, sub[0]
    assert matmul[0] == '"NotImplementedError: | PASS  operations/matmul  1/1" (raised in mytorch/nn/functional.py, ' \
        "line 20, in matmul_backward)", matmul[0]  # fmt: skip


@pytest.mark.parametrize("mode", ["uid", "none"])
def test_under_uid_and_none_a_handin_makes_no_user_namespace_but_threads_and_children(grader, tmp_path, mode):
    """Under ``uid`` and ``none`` a worker made user namespaces, and held every capability of one
    (``namespaces`` refuses them: its worker is chrooted). The filter refuses ``CLONE_NEWUSER`` to
    clone and unshare and answers clone3 ENOSYS; threads, forks and programs still start."""
    expected = ("RuntimeError: a user namespace: Operation not permitted; user and mount namespaces: Operation not "
                "permitted; a thread ran; a child exited with 7; a program exited with 0")  # fmt: skip
    _both_loss_tests_say(grader, tmp_path, mode, NAMESPACER, expected)


def _both_loss_tests_say(grader: Path, tmp_path: Path, mode: str, code: str, expected: str) -> None:
    """Grade a hand-in of ``code`` alone (it fails its import saying what it could do) under ``mode`` (skipped
    where the machine cannot give it), section ``loss``: both tests' failures must be ``expected``."""
    sandbox_or_skip(mode)
    archive = handin(tmp_path, tmp_path, "prober.tar", code=code, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count(expected) == 2, done.stdout[-3000:]


def _raise_priority_limits() -> None:
    """In the runner's process, before it starts: the limits a login in an ``audio`` or ``realtime`` group has
    (real-time priority 20, nice down to -5), where this process may raise them (``CAP_SYS_RESOURCE``)."""
    for name, value in (("RTPRIO", 20), ("NICE", 25)):
        try:
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))
        except (OSError, ValueError):
            pass


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_cannot_raise_its_scheduling_priority_or_lock_memory(grader, tmp_path, mode):
    """A worker has no ``CAP_SYS_NICE`` or ``CAP_IPC_LOCK``, but may still take a real-time policy, a nice value
    below 0 and locked memory up to the limits it inherits from the runner: a ``SCHED_FIFO`` busy loop starves
    the runner. Every worker's ``RLIMIT_RTPRIO``, ``RLIMIT_NICE`` and ``RLIMIT_MEMLOCK`` are now 0, soft and hard
    (the runner's are raised first where this test may; here a page of memory was locked before the change)."""
    sandbox_or_skip(mode)
    from autograder.isolation import PRIORITY_LIMITS

    assert PRIORITY_LIMITS == {"RTPRIO": 0, "NICE": 0, "MEMLOCK": 0}
    archive = handin(tmp_path, tmp_path, "raiser.tar", code=PRIORITY_RAISER, bare=True)
    command = [sys.executable, str(grader / "autograder" / "runner.py"), "--handin", str(archive), "--sandbox", mode,
               "--jobs", "2", "--timeout", "5", "--startup-timeout", "20", "loss"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=150,
                          preexec_fn=_raise_priority_limits)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    said = re.findall(r"RuntimeError: (limits .*?) \(raised in", done.stdout)
    assert len(said) == 2, done.stdout[-3000:]
    for text in said:
        assert text.startswith("limits [(0, 0), (0, 0), (0, 0)]; real time: refused ("), text
        assert "nice -1: refused (" in text and "a locked page: refused (" in text, text


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_opens_no_performance_counter_userfaultfd_or_bpf_map(grader, tmp_path, mode):
    """Kernel interfaces that exploits are made of and no NumPy program needs: a counter on the worker itself
    (``perf_event_paranoid`` 2 allows it) and a user-mode userfaultfd were opened in every mode until
    2026-12-04; the seccomp filters now refuse them and BPF (which this host's sysctl refuses already)."""
    expected = ("RuntimeError: perf_event_open: refused (Operation not permitted); userfaultfd: refused (Operation not "
                "permitted); bpf: refused (Operation not permitted)")  # fmt: skip
    _both_loss_tests_say(grader, tmp_path, mode, KERNEL_PROBER, expected)


RESERVED_NOTHING = "RuntimeError: " + "; ".join(
    f"{name}: refused (Operation not permitted)" for name in ("fallocate", "FS_IOC_RESVSP", "FS_IOC_RESVSP64",
                                                              "FS_IOC_ZERO_RANGE"))  # fmt: skip
"""What ``SPACE_RESERVER`` says where every way of reserving disk is refused."""


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_reserves_no_disk_without_writing(grader, tmp_path, mode):
    """``fallocate`` with ``FALLOC_FL_KEEP_SIZE`` (and the ``FS_IOC_RESVSP``, ``FS_IOC_RESVSP64`` and
    ``FS_IOC_ZERO_RANGE`` ioctls, which call it) reserves disk without writing and without growing the file, so
    ``RLIMIT_FSIZE`` binds none of it: until 2026-12-05 one call reserved 1 GiB under a file-size limit of 64 MiB,
    in 20 ms, and where a worker's folder is on the disk (``uid`` without ``CAP_SYS_ADMIN``, as on Gradescope;
    ``none``) a hand-in could fill the machine's disk between two of the runner's looks (checked: 150 files of
    64 MiB, 9.6 GB, in one test under ``--disk 64``). The seccomp filters now refuse them in every mode."""
    _both_loss_tests_say(grader, tmp_path, mode, SPACE_RESERVER, RESERVED_NOTHING)


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_passes_no_descriptor(grader, tmp_path, mode):
    """``sendmsg`` and ``sendmmsg``, which pass descriptors (below), are refused in every mode."""
    expected = "RuntimeError: sendmsg: refused (Operation not permitted) after 0 MiB"
    _both_loss_tests_say(grader, tmp_path, mode, INFLIGHT_HOLDER, expected)


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_pins_no_page_in_a_pipe_or_a_socket(grader, tmp_path, mode):
    """``vmsplice`` puts the pages of a worker's own memory into a pipe by reference, ``splice`` and ``tee`` move or
    copy a pipe's pages on by reference (into a ``socketpair``, whose buffer counts the bytes, not the pages), and
    ``sendfile`` does the same with a file's pages: each page then stays in the kernel once the memory that held it is
    unmapped or the file truncated, in no process's address space (``RLIMIT_AS``, ``--memory``) or folder (``--disk``).
    Until 2026-12-05 a process under an address-space limit of 64 MiB held 256 MiB in 8 pipes, one byte of a huge page
    in each of their 16 slots (a pipe of 64 descriptors' worth: 2 GiB), 17 MiB in one socket of one-byte pages spliced
    from a pipe and 120 MiB in one socket of one-byte ``sendfile`` calls from a truncated file's large folios: where no
    cgroup holds a hand-in (a runner that is not root, a container whose memory controller is read-only) nothing
    bounded it. The seccomp filters now refuse the four calls in every mode."""
    expected = "RuntimeError: " + "; ".join(
        f"{name}: refused (Operation not permitted)" for name in ("vmsplice", "tee", "splice", "sendfile")
    )
    _both_loss_tests_say(grader, tmp_path, mode, PAGE_PINNER, expected)


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handin_takes_none_of_the_machines_aio_contexts(grader, tmp_path, mode):
    """``io_setup`` makes a Linux AIO context, whose events count against ``fs.aio-max-nr``, one limit for the whole
    machine (no namespace, uid or cgroup has its own): until 2026-12-05 a process took all 65,536 of this machine's
    events (16 contexts of 4096), and every other process's ``io_setup`` failed (``EAGAIN``) until it ended, a
    database's or another service's on a grading host among them. NumPy and Python never use it; the seccomp filters
    now refuse it in every mode."""
    _both_loss_tests_say(grader, tmp_path, mode, AIO_TAKER, "RuntimeError: io_setup: refused (Operation not permitted)")


def test_where_no_tmpfs_can_be_made_a_handin_holds_no_file_in_a_message_in_flight(grader, tmp_path):
    """As in Gradescope's container (root without ``CAP_SYS_ADMIN``): the runner counts the files a test's processes
    keep open or mapped after unlinking them, but a descriptor sent over a ``socketpair`` and not yet received is in
    no process's descriptors or maps: until 2026-12-05 a hand-in held 160 MiB so under ``--disk 16`` for as long as
    its test ran (a uid may have 65 such messages in flight: 4 GiB under the default ``--disk 64``). The seccomp
    filters now refuse ``sendmsg`` and ``sendmmsg``, the calls that pass descriptors."""
    done = _loss_graded_without(grader, tmp_path, "-sys_admin", INFLIGHT_HOLDER, "16")
    expected = "RuntimeError: sendmsg: refused (Operation not permitted) after 0 MiB"
    assert done.stdout.count(expected) == 2, done.stdout[-3000:]


def test_where_no_tmpfs_can_be_made_a_handin_reserves_no_disk_without_writing(grader, tmp_path):
    """As in Gradescope's container (root without ``CAP_SYS_ADMIN``): the worker's folder is on the disk, where
    until 2026-12-05 each of the four calls reserved 256 MiB under ``--disk 64`` (a tmpfs refuses past its size)."""
    done = _loss_graded_without(grader, tmp_path, "-sys_admin", SPACE_RESERVER, "64")
    assert done.stdout.count(RESERVED_NOTHING) == 2, done.stdout[-3000:]


@pytest.mark.parametrize("mode", ["namespaces", "uid", "none"])
def test_a_handins_crashes_are_dumped_nowhere_and_it_cannot_change_that(grader, tmp_path, mode):
    """Where the kernel pipes core dumps to a program (``core_pattern`` starting with ``|``: apport, systemd-coredump),
    ``RLIMIT_CORE`` 0 stops no dump: every crash of a worker's process sent its memory to that program, outside the
    hand-in's limits (Debian's systemd-coredump stores it whatever the limit). 1 is the kernel's value for no dump
    there (and too small for a core file), and a worker may not lower it to 0 again. (This machine's own
    ``core_pattern`` is not changed here: it is the whole machine's.)"""
    sandbox_or_skip(mode)
    archive = handin(tmp_path, tmp_path, "lowerer.tar", code=CORE_LOWERER, bare=True)
    done = run_grader(grader, "--handin", str(archive), "--sandbox", mode, "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    said = re.findall(r"RuntimeError: (core limit .*?)\" \(raised in", done.stdout)
    assert said == ["core limit (1, 1); setrlimit to 0: refused; prlimit to 0: refused; then (1, 1)"] * 2, done.stdout[
        -3000:
    ]
