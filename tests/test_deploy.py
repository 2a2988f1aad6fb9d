"""The Gradescope and Autolab kits, end to end under a simulated root: a good, a wrong and a
hostile submission; results.json checked against Gradescope's documented fields."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest tests/...` without `python -m`: make `autograder` importable
    sys.path.insert(0, str(ROOT))

from autograder.config import VISIBILITIES, ConfigError  # noqa: E402
from autograder.deploy.build import build_autolab, build_gradescope  # noqa: E402
from autograder.mutants import WRONG_SIGN, broken_copy  # noqa: E402
from autograder.sandbox import extract_handin  # noqa: E402

COURSE = {"autograd": 10, "operations": 6, "linear": 9, "activation": 20, "loss": 5}
OPERATIONS_ONLY = json.dumps({"sections": {s: {"enabled": s == "operations"} for s in COURSE}})

# Gradescope's documented results.json fields (gradescope-autograders.readthedocs.io, "Autograder
# Specifications"), with the types they take.
TOP_FIELDS = {
    "score": (int, float), "execution_time": int, "output": str, "output_format": str,
    "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
    "extra_data": dict, "tests": list, "leaderboard": list,
}  # fmt: skip
TEST_FIELDS = {
    "score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
    "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict,
}  # fmt: skip

FORGER = """import json as _json, os as _os
try:
    _os.makedirs({root!r} + "/results", exist_ok=True)
    with open({root!r} + "/results/results.json", "w") as _f:
        _json.dump({{"score": 1000, "output": "forged"}}, _f)
except OSError:
    pass
print('{{"scores": {{"autograd": 1000}}}}')
"""
"""A hostile ending for ``mytorch/__init__.py`` (format it with the grading root): forges
Gradescope's results.json and Autolab's score line."""


def check_gradescope_results(data: dict) -> None:
    """Fail unless ``data`` uses only Gradescope's documented fields, with their types."""
    for key, value in data.items():
        assert key in TOP_FIELDS, f"results.json: {key!r} is not a documented top-level field"
        assert isinstance(value, TOP_FIELDS[key]), f"results.json: {key} is a {type(value).__name__}"
    for test in data.get("tests", []):
        for key, value in test.items():
            assert key in TEST_FIELDS, f"results.json test {test.get('name')}: {key!r} is not a documented field"
            assert isinstance(value, TEST_FIELDS[key]), f"results.json test {test.get('name')}: {key}"
        assert test.get("visibility", "visible") in VISIBILITIES
        assert test.get("status", "passed") in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITIES
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))


def pack(folder: Path, archive: Path, suffix: str = "") -> Path:
    """``folder/mytorch`` as a tar archive (with ``suffix`` appended to ``__init__.py``)."""
    with tarfile.open(archive, "w") as tar:
        for path in sorted((folder / "mytorch").rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            data = path.read_bytes()
            if path.name == "__init__.py" and path.parent.name == "mytorch":
                data += suffix.encode()
            info = tarfile.TarInfo(path.relative_to(folder).as_posix())
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


@pytest.fixture(scope="module")
def gradescope_kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "autograder.zip"
    names = build_gradescope(out)
    assert names[:2] == ["setup.sh", "run_autograder"] and "autograder/runner.py" in names
    assert not any(name.startswith(("mytorch/", "autograder/mutants", "autograder/make_handout")) for name in names)
    return out


def run_gradescope(kit: Path, root: Path, config: str | None = None) -> dict:
    """Lay out Gradescope's /autograder under ``root``, run run_autograder, return results.json."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(kit) as archive:
        archive.extractall(root / "source")
    if config is not None:
        (root / "source" / "grading.json").write_text(config)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    env = {**os.environ, "MYTORCH_AUTOGRADER_ROOT": str(root)}
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_results(data)
    return data


def test_gradescope_kit_grades_a_good_handin_with_the_course_total(gradescope_kit, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    made = subprocess.run(["sh", str(ROOT / "create_tarball.sh"), str(root / "submission" / "handin.tar")],
                          capture_output=True, text=True)  # fmt: skip
    assert made.returncode == 0, made.stderr
    data = run_gradescope(gradescope_kit, root)
    assert data["score"] == 50 and sum(t["max_score"] for t in data["tests"]) == 50
    assert {t["tags"][0] for t in data["tests"]} == set(COURSE)
    assert all(t["status"] == "passed" and "execution_time" in t["extra_data"] for t in data["tests"])
    assert isinstance(data["execution_time"], int) and data["stdout_visibility"] == "visible"


def test_gradescope_kit_grades_an_uploaded_mytorch_folder_with_a_wrong_kernel(gradescope_kit, tmp_path):
    """The folder is graded, not a handin.tar beside it (here a right one, left from an earlier
    create_tarball.sh: until 2026-12-04 it was graded, 6 points), and the output says so."""
    root = tmp_path / "autograder"
    broken_copy(ROOT, root / "submission", "mul_backward", WRONG_SIGN)
    pack(ROOT, root / "submission" / "handin.tar")
    data = run_gradescope(gradescope_kit, root, OPERATIONS_ONLY)
    failed = {t["name"] for t in data["tests"] if t["status"] == "failed"}
    assert failed == {"operations: mul"} and data["score"] == 5
    assert data["output"].startswith("The upload holds both the folder 'mytorch' and the archive 'handin.tar'")
    assert "differs from the folder in 1 file ('nn/functional.py')" in data["output"].splitlines()[0]


def test_gradescope_kit_overwrites_results_forged_by_a_hostile_submission(gradescope_kit, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    pack(ROOT, root / "submission" / "handin.tar", suffix=FORGER.format(root=str(root)))
    data = run_gradescope(gradescope_kit, root, OPERATIONS_ONLY)
    assert data["score"] == 6 and "forged" not in json.dumps(data)


def test_gradescope_kit_scores_zero_with_the_reason_for_an_unsafe_or_missing_submission(gradescope_kit, tmp_path):
    root = tmp_path / "unsafe"
    (root / "submission").mkdir(parents=True)
    with tarfile.open(root / "submission" / "handin.tar", "w") as tar:
        info = tarfile.TarInfo("../../escaped.py")
        tar.addfile(info)
    data = run_gradescope(gradescope_kit, root)
    assert data["score"] == 0 and "escaped.py" in data["output"]
    assert not list(tmp_path.rglob("escaped.py"))

    root = tmp_path / "empty"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "notes.txt").write_text("hello")
    data = run_gradescope(gradescope_kit, root)
    assert data["score"] == 0 and "create_tarball.sh" in data["output"]


def test_gradescope_kit_scores_zero_with_the_reason_for_an_upload_it_cannot_pack(gradescope_kit, tmp_path):
    """An uploaded mytorch/ 1200 folders deep: packing it (os.walk, tarfile) raised RecursionError,
    and no results.json was written (Gradescope then says only that the autograder failed)."""
    root = tmp_path / "deep"
    package = root / "submission" / "mytorch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    folder = os.open(package, os.O_RDONLY)
    for _ in range(1200):
        os.mkdir("d", dir_fd=folder)
        folder, parent = os.open("d", os.O_RDONLY, dir_fd=folder), folder
        os.close(parent)
    os.close(folder)
    try:
        data = run_gradescope(gradescope_kit, root)
    finally:
        subprocess.run(["rm", "-rf", "--", str(package)], check=False)
    assert data["score"] == 0 and "could not be packed for grading (RecursionError" in data["output"]


def test_gradescope_kit_names_uploaded_archives_whatever_bytes_their_names_hold(gradescope_kit, tmp_path, monkeypatch):
    """Two archives, one named with a byte that is not UTF-8: the refusal naming them put the raw
    byte in the run's output (not UTF-8, which the platform reads) and a lone surrogate in
    results.json; the names are now quoted, escaped."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    root = tmp_path / "two"
    (root / "submission").mkdir(parents=True)
    for name in (b"a.tar", b"b\xff.tar"):
        (root / "submission" / os.fsdecode(name)).write_bytes(b"not graded")
    data = run_gradescope(gradescope_kit, root)
    assert data["score"] == 0 and "several archives ('a.tar', 'b\\udcff.tar')" in data["output"], data["output"]


def test_gradescope_kit_grades_an_uploaded_mytorch_folder_not_an_archive_inside_it(tmp_path):
    """An uploaded mytorch/ holding one archive of its own data (saved runs): that archive was taken
    for the hand-in and graded (refused, 0 points) instead of the folder."""
    from autograder.deploy.gradescope_run import find_submission

    submission = tmp_path / "submission"
    (submission / "mytorch" / "runs").mkdir(parents=True)
    (submission / "mytorch" / "__init__.py").write_text("")
    (submission / "mytorch" / "runs" / "old.tar.gz").write_bytes(b"saved runs")
    (tmp_path / "scratch").mkdir()
    archive = find_submission(submission, tmp_path / "scratch")
    assert archive == tmp_path / "scratch" / "handin.tar"
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["mytorch", "mytorch/__init__.py", "mytorch/runs", "mytorch/runs/old.tar.gz"]
    (submission / "handin.tgz").write_bytes(b"the hand-in")  # an archive beside it: the folder still wins
    assert find_submission(submission, tmp_path / "scratch") == tmp_path / "scratch" / "handin.tar"


def test_gradescope_kit_packs_an_uploaded_folder_as_create_tarball_does(tmp_path):
    """A symbolic link in an uploaded mytorch/ was packed as a link, and the runner refuses the whole
    hand-in for one (0 points), where create_tarball.sh leaves links out; hidden folders (.git) and
    caches went in too. They are left out and named."""
    from autograder.deploy.gradescope_run import find_submission

    package = tmp_path / "submission" / "mytorch"
    (package / ".git").mkdir(parents=True)
    (package / ".git" / "config").write_text("hidden")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "utils.cpython-311.pyc").write_bytes(b"\0")
    (package / "stale.pyc").write_bytes(b"\0")
    (package / "__init__.py").write_text("")
    (package / "data").symlink_to(tmp_path)
    skipped: list[str] = []
    archive = find_submission(tmp_path / "submission", tmp_path, skipped)
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["mytorch", "mytorch/__init__.py"]
    assert sorted(skipped) == ["mytorch/.git", "mytorch/__pycache__", "mytorch/data"]
    extract_handin(archive, tmp_path / "extracted")  # (the runner's check: a link was refused)


def _package(folder: Path, kernel: str = "x = 1\n") -> Path:
    (folder / "nn").mkdir(parents=True)
    for name, text in (("__init__.py", ""), ("autograd_engine.py", "# engine\n"), ("nn/functional.py", kernel)):
        (folder / name).write_text(text)
    return folder


def test_gradescope_kit_grades_the_uploaded_folder_not_a_stale_archive_beside_it(tmp_path):
    """A student who uploaded the starter's folder with the handin.tar an earlier create_tarball.sh
    left in it was graded on that archive, not on the fixed folder (until 2026-12-04). The folder
    wins, and the note says whether the archive holds the same code."""
    from autograder.deploy.gradescope_run import find_submission

    submission = tmp_path / "submission"
    _package(submission / "handout" / "mytorch", "x = 'old'\n")
    subprocess.run(["tar", "-cf", str(submission / "handout" / "handin.tar"), "-C", str(submission / "handout"),
                    "mytorch"], check=True)  # fmt: skip
    (submission / "handout" / "mytorch" / "nn" / "functional.py").write_text("x = 'fixed'\n")
    (submission / "handout" / "mytorch" / "nn" / "losses.py").write_text("")
    for scratch in ("s1", "s2", "s3"):
        (tmp_path / scratch).mkdir()
    notes: list[str] = []
    archive = find_submission(submission, tmp_path / "s1", notes=notes)
    assert archive == tmp_path / "s1" / "handin.tar"
    with tarfile.open(archive) as tar:
        assert tar.extractfile("mytorch/nn/functional.py").read() == b"x = 'fixed'\n"  # type: ignore[union-attr]
    assert notes == [
        "The upload holds both the folder 'handout/mytorch' and the archive 'handout/handin.tar': the folder was "
        "graded (the code Gradescope shows), not the archive, which differs from the folder in 2 files "
        "('nn/functional.py', 'nn/losses.py'): left from an earlier create_tarball.sh? Upload the folder or a "
        "fresh handin.tar, not both."
    ]
    assert not [p for p in (tmp_path / "s1").iterdir() if p.name != "handin.tar"]  # (the copy compared is gone)
    (submission / "handout" / "mytorch" / "nn" / "losses.py").unlink()
    subprocess.run(["tar", "-cf", str(submission / "handout" / "handin.tar"), "-C", str(submission / "handout"),
                    "mytorch"], check=True)  # fmt: skip
    notes.clear()
    find_submission(submission, tmp_path / "s2", notes=notes)
    assert notes[0].endswith("not the archive (they hold the same files).")
    (submission / "handout" / "handin.tar").write_bytes(b"not a tar")
    notes.clear()
    assert find_submission(submission, tmp_path / "s3", notes=notes) == tmp_path / "s3" / "handin.tar"
    assert "not the archive (which the grader would refuse: handin.tar is not a readable tar" in notes[0]


def test_gradescope_kit_finds_the_package_as_students_upload_it(tmp_path):
    """A zip made on macOS (its __MACOSX/mytorch of '._' files), the package's files without their
    folder, a mytorch/ without __init__.py beside the real one; and two packages at one depth,
    refused by name rather than one of them graded."""
    from autograder.deploy.gradescope_run import SubmissionError, find_submission

    def graded(submission: Path) -> list[str]:
        scratch, notes = Path(tempfile.mkdtemp(dir=tmp_path)), []
        with tarfile.open(find_submission(submission, scratch, notes=notes)) as tar:
            names = sorted(tar.getnames())
        assert notes == [
            f"Graded the folder {shown[submission.name]!r} of the upload, packed as create_tarball.sh packs it."
        ]
        return names

    shown = {"mac": "hw/mytorch", "loose": ".", "docs": "hw/mytorch"}

    package = ["mytorch", "mytorch/__init__.py", "mytorch/autograd_engine.py", "mytorch/nn", "mytorch/nn/functional.py"]
    mac = tmp_path / "mac"
    (mac / "__MACOSX" / "mytorch").mkdir(parents=True)
    (mac / "__MACOSX" / "mytorch" / "._functional.py").write_bytes(b"\x00\x05\x16\x07")
    _package(mac / "hw" / "mytorch")
    assert graded(mac) == package
    assert graded(_package(tmp_path / "loose")) == package
    docs = tmp_path / "docs"
    (docs / "docs" / "mytorch").mkdir(parents=True)
    _package(docs / "hw" / "mytorch")
    assert graded(docs) == package
    two = tmp_path / "two"
    shown["two"] = "a/mytorch"
    _package(two / "a" / "mytorch")
    _package(two / "b" / "mytorch")
    with pytest.raises(SubmissionError, match=r"several mytorch/ folders \('a/mytorch', 'b/mytorch'\)"):
        graded(two)


def test_gradescope_kit_runs_one_worker_per_cpu_of_the_containers_quota(tmp_path, monkeypatch):
    """Gradescope gives a submission half a CPU; the kit ran min(4, os.cpu_count()) workers, the
    host's count, so each test (limited in wall time) ran at an eighth of a CPU (until 2026-12-04)."""
    from autograder.deploy import gradescope_run

    monkeypatch.setattr(gradescope_run.os, "sched_getaffinity", lambda pid: set(range(36)), raising=False)
    v2 = tmp_path / "v2"
    v2.mkdir()
    for quota, jobs in (("50000 100000", 1), ("250000 100000", 2), ("max 100000", 4), ("1000000 100000", 4)):
        (v2 / "cpu.max").write_text(quota + "\n")
        assert gradescope_run._jobs(v2) == jobs, quota
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    for quota, jobs in (("50000", 1), ("300000", 3), ("-1", 4)):
        (v1 / "cpu" / "cpu.cfs_quota_us").write_text(quota + "\n")
        assert gradescope_run._jobs(v1) == jobs, quota
    assert gradescope_run._jobs(tmp_path / "none") == 4  # no cgroup files: the CPUs it may run on
    monkeypatch.setattr(gradescope_run.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert gradescope_run._jobs(tmp_path / "none") == 2


def test_gradescope_kit_takes_every_archive_the_runner_reads(tmp_path):
    """A handin.tar.xz or .tar.bz2, which runner.py --handin grades, was passed over: 0 points with
    'the submission holds neither handin.tar nor a mytorch/ folder'."""
    from autograder.cli import ARCHIVE_SUFFIXES
    from autograder.deploy.gradescope_run import ARCHIVES, find_submission

    assert set(ARCHIVES) == set(ARCHIVE_SUFFIXES)
    for suffix in (".tar.xz", ".tar.bz2"):
        submission = tmp_path / suffix.strip(".")
        submission.mkdir()
        (submission / f"handin{suffix}").write_bytes(b"the hand-in")
        assert find_submission(submission, tmp_path) == submission / f"handin{suffix}"
    submission = tmp_path / "upper"  # (from Windows: passed over until 2026-12-05, 'neither handin.tar nor ...')
    submission.mkdir()
    (submission / "HANDIN.TAR").write_bytes(b"the hand-in")
    assert find_submission(submission, tmp_path) == submission / "HANDIN.TAR"


def test_gradescope_kit_names_an_uploaded_archive_of_another_format_and_what_it_reads(tmp_path):
    """An upload of ``handin.7z`` or ``handin.RAR`` (Gradescope unpacks a zip, no other archive) was told
    'the submission holds neither handin.tar nor a mytorch/ folder' (until 2026-12-05), though it held a hand-in:
    now the message names the file and the archives the grader reads. A tar beside it is graded, as before."""
    from autograder.deploy.gradescope_run import SubmissionError, find_submission

    for name in ("handin.7z", "hw/handin.RAR"):
        submission = tmp_path / name.replace("/", "-")
        (submission / name).parent.mkdir(parents=True)
        (submission / name).write_bytes(b"the hand-in")
        (submission / "README.md").write_text("notes")
        suffix = name.lower()[name.index(".") :]
        expected = (f"the submission holds '{name}', and no mytorch/ folder: a {suffix} file is not an archive the "
                    "grader reads; it reads a tar archive (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)")  # fmt: skip
        with pytest.raises(SubmissionError, match=re.escape(expected)):
            find_submission(submission, tmp_path)
        (submission / "handin.tar").write_bytes(b"the hand-in")
        assert find_submission(submission, tmp_path) == submission / "handin.tar"


def run_autolab(out: Path, handin: Path, config: Path | None = None, *make: str) -> list[str]:
    """Autolab's steps: the kit's two files and handin.tar in one folder, then `make`."""
    build_autolab(out, config)
    shutil.move(out / "autograde-Makefile", out / "Makefile")
    shutil.copy(handin, out / "handin.tar")
    done = subprocess.run(["make", "-s", *make], cwd=out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_autolab_kit_prints_the_course_scores_last(tmp_path):
    made = subprocess.run(["sh", str(ROOT / "create_tarball.sh"), str(tmp_path / "good.tar")], capture_output=True)
    assert made.returncode == 0
    lines = run_autolab(tmp_path / "good", tmp_path / "good.tar")
    assert json.loads(lines[-1]) == {"scores": COURSE}


def test_autolab_kit_grades_wrong_and_hostile_handins_by_their_code(tmp_path):
    config = tmp_path / "grading.json"
    config.write_text(OPERATIONS_ONLY)
    broken_copy(ROOT, tmp_path / "wrong", "mul_backward", WRONG_SIGN)
    lines = run_autolab(tmp_path / "lab-wrong", pack(tmp_path / "wrong", tmp_path / "wrong.tar"), config)
    assert json.loads(lines[-1]) == {"scores": {"operations": 5}}
    hostile = pack(ROOT, tmp_path / "hostile.tar", suffix=FORGER.format(root=str(tmp_path / "lab-hostile")))
    lines = run_autolab(tmp_path / "lab-hostile", hostile, config)
    assert json.loads(lines[-1]) == {"scores": {"operations": 6}}


def test_autolab_kit_ends_a_hanging_handin_with_its_score_line_before_autolabs_timeout(tmp_path):
    """Autolab kills a job at the assessment's timeout (180 s by default) and reads its last line as
    the score: with the runner's 300 s for a hand-in, one whose tests hang past it got no score at
    all (until 2026-12-04). The Makefile gives the runner HANDIN_TIMEOUT (140 s); set lower here,
    the hanging test fails, those not done are NOT RUN, and the score line still comes last."""
    config = tmp_path / "grading.json"
    config.write_text(OPERATIONS_ONLY)
    from autograder.mutants import HANG

    hangs = pack(broken_copy(ROOT, tmp_path / "hangs", "mul_backward", HANG), tmp_path / "hangs.tar")
    lines = run_autolab(tmp_path / "lab", hangs, config, "HANDIN_TIMEOUT=3")
    assert json.loads(lines[-1])["scores"]["operations"] < 6  # (what the other slot passed meanwhile counts)
    mul = next(index for index, line in enumerate(lines) if line.startswith("FAIL  operations/mul"))
    assert lines[mul + 1].endswith("TIMEOUT: the hand-in's time limit of 3 s ran out"), lines[mul : mul + 2]
    assert any("the hand-in's time limit of 3 s ran out" in line for line in lines), lines[-12:]


def test_the_kit_scripts_are_valid_shell_and_make():
    deploy = ROOT / "autograder" / "deploy"
    for script in ("gradescope/setup.sh", "gradescope/run_autograder"):
        assert subprocess.run(["bash", "-n", str(deploy / script)]).returncode == 0
        assert os.access(deploy / script, os.X_OK)
    done = subprocess.run(["make", "-n", "-f", str(deploy / "autolab" / "autograde-Makefile")], capture_output=True,
                          text=True, cwd=ROOT)  # fmt: skip
    assert "autograder/runner.py --handin handin.tar --jobs 2 --handin-timeout 140" in done.stdout


@pytest.mark.parametrize("version", ["3.8.10", "3.10.12"])
def test_gradescope_setup_stops_the_image_build_on_a_python_the_grader_cannot_run(tmp_path, version):
    """On an Ubuntu 20.04 base image (Python 3.8) setup.sh built the image, and every submission then
    scored 0 with 'the grader stopped'; the build now fails, saying why, before installing NumPy."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    old = version < "3.10"
    (fake / "python3").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = -c ]; then exit {int(old)}; fi\n'
        f'if [ "$1" = --version ]; then echo "Python {version}"; exit 0; fi\n'
        f'echo "$@" >> "{tmp_path}/pip.log"\n'
    )
    for name in ("apt-get", "python3"):
        (fake / name).chmod(0o755)
    setup = ROOT / "autograder" / "deploy" / "gradescope" / "setup.sh"
    env = {**os.environ, "PATH": f"{fake}:/usr/bin:/bin"}
    done = subprocess.run(["bash", str(setup)], env=env, capture_output=True, text=True, timeout=60)
    if old:
        assert done.returncode == 1 and "needs Python 3.10 or newer, and this image has Python 3.8.10" in done.stderr
        assert not (tmp_path / "pip.log").exists()
    else:
        assert done.returncode == 0, done.stderr
        assert "numpy>=1.26.4" in (tmp_path / "pip.log").read_text()


def test_the_builders_check_the_configuration_and_ship_it_as_json(tmp_path):
    if sys.version_info >= (3, 11):  # the course's TOML; before 3.11 (no tomllib) the same in JSON
        config = tmp_path / "grading.toml"
        config.write_text('[sections.kernels]\nenabled = true\n[tests."linear/backward"]\nvisibility = "hidden"\n')
    else:
        config = tmp_path / "grading.json"
        config.write_text(
            json.dumps(
                {"sections": {"kernels": {"enabled": True}}, "tests": {"linear/backward": {"visibility": "hidden"}}}
            )
        )
    names = build_gradescope(tmp_path / "kit.zip", config)
    with zipfile.ZipFile(tmp_path / "kit.zip") as archive:
        shipped = json.loads(archive.read("grading.json"))
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert "grading.json" in names and shipped["sections"] == {"kernels": {"enabled": True}}
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755
    config.write_text(
        json.dumps({"sections": {"lineer": {"points": 1}}})
        if config.suffix == ".json"
        else "[sections.lineer]\npoints = 1\n"
    )
    with pytest.raises(ConfigError, match="unknown section 'lineer'"):
        build_autolab(tmp_path / "lab", config)
    assert not (tmp_path / "lab" / "autograde.tar").exists()


def test_the_builders_name_the_output_they_cannot_write_not_a_temporary_one(tmp_path, monkeypatch):
    # a folder for the zip: os.replace's error named ".kit.zip.1234.tmp"; a file for autolab's
    # folder: mkdir's bare "File exists"; an unwritable parent: make_handout's ".out-x1y2" folder
    (tmp_path / "kit.zip").mkdir()
    with pytest.raises(IsADirectoryError, match="a folder, not a file") as refused:
        build_gradescope(tmp_path / "kit.zip")
    assert refused.value.filename == str(tmp_path / "kit.zip") and os.listdir(tmp_path / "kit.zip") == []
    (tmp_path / "lab").write_text("a file")
    with pytest.raises(NotADirectoryError, match="a file, not a folder"):
        build_autolab(tmp_path / "lab")
    assert (tmp_path / "lab").read_text() == "a file"
    from autograder import make_handout

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".out-x1y2"))

    monkeypatch.setattr(make_handout.tempfile, "mkdtemp", refuse)
    with pytest.raises(make_handout.HandoutError, match=f"cannot write {tmp_path / 'out'}: Permission denied"):
        make_handout.build_handout(tmp_path / "out")


def test_gradescope_kit_writes_results_through_a_temporary_file_no_one_can_foresee(tmp_path, monkeypatch):
    """The kit wrote results.json through ``.results.json.<pid>.tmp``, following a link planted at that name: as
    root it wrote the results over the link's target, and results.json became the link (until 2026-12-05)."""
    from autograder.deploy import gradescope_run

    results, victim = tmp_path / "results", tmp_path / "victim.txt"
    results.mkdir()
    victim.write_text("staff's file\n")
    monkeypatch.setattr(gradescope_run.os, "getpid", lambda: 4242)
    (results / ".results.json.4242.tmp").symlink_to(victim)
    gradescope_run._write_atomic(results / "results.json", {"score": 1})
    assert victim.read_text() == "staff's file\n"
    assert not (results / "results.json").is_symlink()
    assert json.loads((results / "results.json").read_text()) == {"score": 1}
    assert oct((results / "results.json").stat().st_mode & 0o777) == oct(0o644)
