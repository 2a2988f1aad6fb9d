"""Packaging: the sdist and the wheel build, the wheel installs and runs, the sdist tests itself.

One module-scoped build (sdist and wheel, without build isolation: the build backend
installed with the test extra is used, so no network is needed) serves every test here.
The wheel goes into a fresh virtual environment that borrows NumPy from the folder this
interpreter imports it from (a ``.pth`` file) and gets no pip of its own (this interpreter's
pip installs into it with ``--python``), so installing it downloads nothing; the tests
check that the installed copy, not this checkout, is what runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
try:
    import tomllib
except ImportError:  # Python 3.10: tomli, which pytest itself needs there, reads TOML the same way
    tomllib = pytest.importorskip("tomli", reason="pyproject.toml is read with tomllib (3.11+) or tomli")


def _env() -> dict[str, str]:
    """The environment for child processes: no PYTHONPATH pointing back at this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    tail = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{tail}"
    return result


JUNK = (  # what a working tree gathers and neither distribution may carry (MANIFEST.in leaves it out)
    "hw_bonus/runs/mnist-5k/metrics.json",  # the runner's output, run from inside a package
    "hw_bonus/demos/demo_output/f.svg",  # a demo's output
    "mytorch/__pycache__/tensor.cpython-311.pyc",
    "bench/results-quick.md",  # python -m bench --quick
    "tests/handin.tar",  # sh create_tarball.sh
    "autograder/partial.tmp",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built from a copy of this checkout."""
    pytest.importorskip("build", reason="the 'build' package (test extra) builds the sdist and wheel")
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "mytorch"
    junk = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")
    shutil.copytree(ROOT, source, ignore=junk)  # the build writes build/ and *.egg-info beside its source
    for name in JUNK:  # (ignored above where this checkout has them: planted here, so the exclusions are tested)
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("left in the working tree\n")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)], out)
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    home = tmp_path_factory.mktemp("venv") / "env"
    venv.create(home)  # no pip of its own (ensurepip was most of this fixture's time): this interpreter's installs
    bin_dir = home / ("Scripts" if os.name == "nt" else "bin")
    python = str(bin_dir / "python")
    # NumPy from the folder this interpreter imports it from (a virtual environment's own
    # site-packages, which system_site_packages would not reach), after the venv's own folders
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], home)
    Path(site.stdout.strip(), "borrowed-numpy.pth").write_text(str(Path(np.__file__).resolve().parents[1]) + "\n")
    wheel = next(dist.glob("mytorch-*.whl"))
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", str(wheel)],
         home)  # fmt: skip
    return bin_dir


def _version() -> str:
    text = (ROOT / "mytorch" / "__init__.py").read_text()
    line = next(row for row in text.splitlines() if row.startswith("__version__"))
    return line.split("=")[1].strip().strip("\"'")


def test_metadata_has_an_spdx_license_classifiers_and_one_version_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "version" in project["dynamic"] and "version" not in project
    assert any(c.startswith("Programming Language :: Python :: 3") for c in project["classifiers"])
    assert set(project["scripts"]) == {"mytorch-train", "mytorch-grade"}
    assert (ROOT / "mytorch" / "py.typed").is_file()


PACKAGES = ("mytorch", "hw_bonus", "autograder")
"""The wheel's top-level packages: bench/ stays in the source tree (a ``bench`` beside NumPy
could be another distribution's), and so do tests/, docs/, examples/ and scripts/."""


def _source_files(folder: Path) -> list[Path]:
    """The files of ``folder`` that the project keeps: tracked by git in a checkout, all of them in an sdist."""
    if shutil.which("git") and (ROOT / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z", folder], cwd=ROOT, capture_output=True, text=True, check=True)
        return [ROOT / name for name in listed.stdout.split("\0") if name and (ROOT / name).is_file()]
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_package_data_lists_every_file_of_the_packages_that_is_not_python():
    # (the slow test below builds the wheel; this one says at once which file a new pattern needs)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == [f"{name}*" for name in PACKAGES]
    for package in PACKAGES:
        listed = set()
        for pattern in config["package-data"].get(package, []):
            listed |= {p for p in (ROOT / package).glob(pattern) if p.is_file()}
        data = {p for p in _source_files(ROOT / package) if p.suffix not in {".py", ".pyi"}}
        assert data, f"{package}: no data files found (py.typed, the digits, the deploy kits)"
        unlisted = sorted(p.relative_to(ROOT).as_posix() for p in data - listed)
        assert not unlisted, f"the wheel would leave out {unlisted}: add them to [tool.setuptools.package-data]"


def test_extras_and_python_versions_are_the_ones_the_docs_and_ci_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {"test", "torch", "plot", "dev"} <= set(extras)  # README.md names test, torch and plot
    assert any(r.startswith("torch") for r in extras["torch"])
    assert any(r.startswith("matplotlib") for r in extras["plot"])
    assert {"pytest", "hypothesis", "build"} <= {r.split(">")[0].split("=")[0] for r in extras["test"]}
    lowest = project["requires-python"].removeprefix(">=")
    named = sorted(
        (c.rsplit(" ", 1)[1] for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    assert named[0] == lowest and named[-1] == "3.13", named  # .ci/run tests the lowest and the newest named
    minors = [int(v.split(".")[1]) for v in named]
    assert minors == list(range(minors[0], minors[-1] + 1)), f"a gap in the classifiers' versions: {named}"
    assert "Typing :: Typed" in project["classifiers"] and (ROOT / "mytorch" / "py.typed").is_file()
    assert project["readme"] == "README.md" and project["license-files"] == ["LICENSE"]


def test_wheel_carries_every_module_of_its_packages_their_data_and_nothing_else(dist: Path):
    wheel = next(dist.glob(f"mytorch-{_version()}-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"mytorch-{_version()}.dist-info"
    assert {n.split("/")[0] for n in names} == {*PACKAGES, info}
    modules = {p.relative_to(ROOT).as_posix() for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    assert modules - names == set()  # (no subpackage left out by the include patterns)
    for member in ("mytorch/py.typed", "hw_bonus/data/mnist_5k.npz", f"{info}/licenses/LICENSE"):
        assert member in names, member
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not names & set(JUNK), f"the wheel carries {sorted(names & set(JUNK))}: see MANIFEST.in"
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "Requires-Dist: numpy" in text


def test_installed_wheel_runs_the_main_job_from_another_folder(installed: Path, tmp_path: Path):
    python = str(installed / "python")
    probe = "import mytorch; print(mytorch.__file__, mytorch.__version__)"
    where = _run([python, "-c", probe], tmp_path).stdout.split()
    assert where[0].startswith(str(installed.parent)), f"the checkout, not the wheel, was imported: {where[0]}"
    assert where[1] == _version()
    probe = (
        "import sys, mytorch; tops = {name.split('.')[0] for name in sys.modules} - set(sys.stdlib_module_names); "
        "print(sorted(n for n in tops if not n.startswith('_') and n not in {'mytorch', 'numpy', 'cython_runtime'}))"
    )
    assert _run([python, "-c", probe], tmp_path).stdout.strip() == "[]"  # NumPy is its only dependency
    probe = "from hw_bonus.datasets import MNIST5K_PATH as p, load_dataset as l; print(p, len(l('mnist-5k').test[0]))"
    data = _run([python, "-c", probe], tmp_path).stdout.split()  # the bundled digits, found in the installed copy
    assert data[0].startswith(str(installed.parent)) and int(data[1]) > 0, data
    out = _run(
        [
            str(installed / "mytorch-train"),
            "--dataset",
            "and",
            "--epochs",
            "1",
            "--out",
            str(tmp_path / "run"),
            "--no-plots",
        ],
        tmp_path,
    ).stdout
    assert "test accuracy" in out and (tmp_path / "run" / "metrics.json").is_file()
    assert "usage" in _run([str(installed / "mytorch-grade"), "--help"], tmp_path).stdout
    # the entry point names itself as called (its usage, errors and resume hint)
    assert _run([str(installed / "mytorch-train"), "--version"], tmp_path).stdout.startswith("mytorch-train (MyTorch")


def test_installed_grader_grades_the_installed_mytorch_from_another_folder(installed: Path, tmp_path: Path):
    # the worker, the graded tests and the sandbox all come from site-packages; the reference solution scores full
    out = _run([str(installed / "mytorch-grade"), "autograd", "linear"], tmp_path).stdout
    assert out.rstrip().splitlines()[-1] == '{"scores": {"autograd": 10, "linear": 9}}', out[-2000:]


def test_unpacked_sdist_has_every_tracked_file_and_runs_the_course_graded_tests(dist: Path, tmp_path: Path):
    sdist = next(dist.glob(f"mytorch-{_version()}.tar.gz"))
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    root = tmp_path / f"mytorch-{_version()}"
    for needed in ("tests/conftest.py", "bench/cli.py", "LICENSE", "create_tarball.sh", "hw_bonus/data/mnist_5k.npz"):
        assert (root / needed).exists(), needed
    shipped = [name for name in JUNK if (root / name).exists()]
    assert not shipped, f"the sdist carries {shipped}: exclude or prune them in MANIFEST.in"
    if shutil.which("git") and (ROOT / ".git").exists():  # (a checkout, not an unpacked sdist)
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
        tracked = set(listed.stdout.split("\0")) - {"", ".ci/run", ".gitignore"}  # (CI's script; git's ignore list)
        missing = sorted(name for name in tracked if not (root / name).exists() and (ROOT / name).exists())
        assert not missing, f"the sdist lacks {missing[:10]}: graft or include them in MANIFEST.in"
    result = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "autograder"], root)
    assert " passed" in result.stdout and " failed" not in result.stdout
