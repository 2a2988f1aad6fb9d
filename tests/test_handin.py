"""Hand-ins: create_tarball.sh, safe extraction, and grading an archive in sandboxed processes
(a kernel that never returns or crashes costs only its own tests)."""

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import random
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "autograder" / "runner.py"
if str(ROOT) not in sys.path:  # `pytest tests/...` without `python -m`: make `autograder` importable
    sys.path.insert(0, str(ROOT))

from autograder.mutants import CRASH, HANG, broken_copy  # noqa: E402
from autograder.sandbox import HandinError, Limits, extract_handin, find_package  # noqa: E402


def run(command: list, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run([sys.executable, str(RUNNER), "--jobs", "2", *args], cwd=cwd)


def tar_of(folder: Path, archive: Path) -> Path:
    """``folder/mytorch`` as a tar archive with ``mytorch/`` at its top level."""
    with tarfile.open(archive, "w") as tar:
        tar.add(folder / "mytorch", arcname="mytorch", filter=lambda m: None if "__pycache__" in m.name else m)
    return archive


def scores_of(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])["scores"]


def failed_ids(done: subprocess.CompletedProcess) -> set:
    return {line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAIL")}


# --------------------------------------------------------------------------- create_tarball.sh
def test_create_tarball_then_handin_gives_full_marks(tmp_path):
    made = run(["sh", str(ROOT / "create_tarball.sh"), str(tmp_path / "handin.tar")], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "packed  mytorch/autograd_engine.py" in made.stdout
    # (under --sandbox auto: namespaces where they work; tests/test_grader_security.py grades the same under uid)
    done = grade("--handin", str(tmp_path / "handin.tar"), "--course", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert scores_of(done) == {"autograd": 10, "operations": 6, "linear": 9, "activation": 20, "loss": 5}
    assert not list(tmp_path.glob("mytorch*")), "grading wrote outside its temporary folder"


def required_files() -> list[str]:
    """The files create_tarball.sh requires in mytorch/ (its ``required=`` list)."""
    script = (ROOT / "create_tarball.sh").read_text()
    return script.split('required="', 1)[1].split('"', 1)[0].split()


def _handout(tmp_path: Path) -> Path:
    """A hand-out folder with the script and a mytorch/ holding caches, hidden files and a link."""
    handout = tmp_path / "handout"
    (handout / "mytorch" / "nn" / "__pycache__").mkdir(parents=True)
    shutil.copy(ROOT / "create_tarball.sh", handout)
    for name in required_files():
        (handout / name).parent.mkdir(parents=True, exist_ok=True)
        (handout / name).write_text("# code\n")
    (handout / "mytorch/nn/__pycache__/functional.cpython-311.pyc").write_bytes(b"\0")
    (handout / "mytorch/stale.pyc").write_bytes(b"\0")
    (handout / "mytorch/.notes.swp").write_text("hidden")
    (handout / "mytorch/.git").mkdir()
    (handout / "mytorch/.git/config").write_text("hidden")
    (handout / "mytorch/link.py").symlink_to(handout / "mytorch/__init__.py")
    return handout


def test_create_tarball_packs_only_the_package_sources(tmp_path):
    handout = _handout(tmp_path)
    made = run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path)  # from another folder
    assert made.returncode == 0, made.stderr
    with tarfile.open(handout / "handin.tar") as tar:
        assert sorted(tar.getnames()) == sorted(required_files())
    assert f"{len(required_files())} files" in made.stdout
    assert "warning: symbolic links are not packed (the autograder refuses them): mytorch/link.py" in made.stderr


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_create_tarball_with_windows_line_endings_packs_as_without_them(tmp_path, shell):
    """A script checked out with CRLF endings (git's core.autocrlf on Windows) stopped at its first
    command ("set: Illegal option -"), nothing packed (until 2026-12-04): it now runs its own text
    without them, from any folder, with a path given or not, and says so."""
    handout = _handout(tmp_path)
    script = handout / "create_tarball.sh"
    script.write_bytes(script.read_bytes().replace(b"\n", b"\r\n"))
    made = run([shell, str(script)], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stderr.startswith("create_tarball.sh: note: this script has Windows line endings (CRLF)")
    assert "not found" not in made.stderr and "\r" not in made.stdout
    with tarfile.open(handout / "handin.tar") as tar:
        assert sorted(tar.getnames()) == sorted(required_files())
    made = run([shell, str(script), str(tmp_path / "given path.tar")], cwd=handout / "mytorch")
    assert made.returncode == 0 and (tmp_path / "given path.tar").is_file(), made.stderr


@pytest.mark.parametrize("link", ["mytorch/nn/functional.py", "mytorch/nn", "mytorch"])
def test_create_tarball_refuses_a_required_file_that_is_a_link_in_one_line(tmp_path, link):
    """A required file that is a symbolic link (an editor's or a student's working copy elsewhere), or
    lies in a linked folder, passed the script's check that it exists and was left out of the archive:
    exit 0, and the hand-in scored 0 (checked: 0/50). A linked mytorch/ gave an empty archive."""
    handout = _handout(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (handout / link).rename(elsewhere / "moved")
    (handout / link).symlink_to(elsewhere / "moved")
    made = run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path)
    assert made.returncode == 1 and made.stdout == ""
    assert made.stderr.count("\n") == 1, made.stderr
    if link == "mytorch":
        assert "mytorch is a symbolic link, which the autograder refuses" in made.stderr
    else:
        assert "required files are symbolic links or inside linked folders" in made.stderr
        assert "mytorch/nn/functional.py" in made.stderr and "lacks" not in made.stderr
    assert not list(handout.glob("handin.tar*"))


def test_create_tarball_requires_what_the_graded_code_imports_and_the_handouts_files():
    code = (
        "import sys, importlib\n"
        "for m in ['autograd_engine', 'nn.functional', 'nn.modules.linear', 'nn.modules.activation', "
        "'nn.modules.loss']: importlib.import_module('mytorch.' + m)\n"
        "print(' '.join(sorted(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'mytorch')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    imported = {Path(f).relative_to(ROOT).as_posix() for f in done.stdout.split()}
    handout = {f"mytorch/{name}" for name in ["autograd_engine.py", "utils.py", "sandbox.py", "nn/functional.py"]}
    handout |= {f"mytorch/nn/modules/{name}.py" for name in ["activation", "linear", "loss"]}
    assert imported | handout == set(required_files())


def test_create_tarball_refuses_a_package_lacking_required_files_in_one_line(tmp_path):
    handout = _handout(tmp_path)
    (handout / "mytorch/nn/modules/loss.py").unlink()
    (handout / "mytorch/utils.py").unlink()
    made = run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path)
    assert made.returncode == 1
    assert made.stderr.count("\n") == 1 and made.stdout == ""
    assert "mytorch/utils.py mytorch/nn/modules/loss.py" in made.stderr
    assert not (handout / "handin.tar").exists()


def _refused_by_the_grader(handout: Path, kind: str) -> None:
    """Put in ``handout/mytorch`` what the autograder refuses (files of zeros are sparse: no disk)."""
    package = handout / "mytorch"
    if kind == "big file":
        with open(package / "weights.npy", "wb") as out:
            out.truncate(20 * 2**20 + 1)
    elif kind == "big total":
        for index in range(3):
            with open(package / f"data{index}.npy", "wb") as out:
                out.truncate(18 * 2**20)
    elif kind == "many files":
        (package / "runs").mkdir()
        for index in range(2001 - len(required_files())):
            (package / "runs" / f"{index}.txt").write_text("")
    elif kind == "long names":  # 50 MiB less 10000 bytes of files, and 60 names of 205 bytes
        for index, size in enumerate([20 * 2**20, 20 * 2**20, 10 * 2**20 - 10000]):
            with open(package / f"data{index}.npy", "wb") as out:
                out.truncate(size)
        for index in range(60):
            (package / f"{'n' * 190}{index:03d}.txt").write_text("")
    elif kind == "many folders":
        for index in range(67):
            deep = package.joinpath(f"f{index}", *["d"] * 29)
            deep.mkdir(parents=True)
            (deep / "notes.txt").write_text("")
    elif kind == "deep":
        deep = package.joinpath(*["d"] * 31)
        deep.mkdir(parents=True)
        (deep / "notes.txt").write_text("")
    elif kind == "newline":
        (package / "notes\nPASS.txt").write_text("")
    elif kind == "backslash":
        (package / "C:\\notes.txt").write_text("")


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("big file", "mytorch/weights.npy is 20971521 bytes, over the autograder's limit of 20 MiB per file"),
        ("big total", "bytes in all, over the autograder's limit of 50 MiB"),
        ("many files", "mytorch/ holds 2001 files, over the autograder's limit of 2000"),
        ("long names", "mytorch/'s files (with the tar headers of names over 100 bytes) are 524"),  # (without: under)
        ("many folders", "mytorch/ holds 2013 folders, over the autograder's limit of 2000"),
        ("deep", "mytorch/" + "d/" * 31 + "notes.txt has more than 32 parts in its path, over the autograder's limit"),
        ("newline", "holds a newline or a backslash (mytorch/notes?PASS.txt)"),
        ("backslash", "holds a newline or a backslash (mytorch/C:\\notes.txt)"),
    ],
)
def test_create_tarball_refuses_in_one_line_what_the_autograder_would_refuse(tmp_path, kind, reason):
    """The autograder refuses a whole hand-in that holds any of these but a newline (0 points): the
    script packed them, and a student learnt it from the grade; a newline broke the script's own
    list of files (tar failed on two halves of the name)."""
    handout = _handout(tmp_path)
    _refused_by_the_grader(handout, kind)
    made = run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path)
    assert made.returncode == 1 and made.stdout == ""
    assert made.stderr.count("\n") == 1 and reason in made.stderr, made.stderr
    assert not (handout / "handin.tar").exists()


def test_create_tarball_checks_the_archive_as_the_autograder_does_where_it_is_beside_it(tmp_path):
    """Another tar than GNU tar writes other headers (pax ones, here GNU tar's own posix format, with
    each file's times in one), which the autograder counts with the files: the archive it writes is
    checked by the autograder's own code before it is kept."""
    handout = _handout(tmp_path)
    shutil.copytree(ROOT / "autograder", handout / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    with open(handout / "mytorch" / "data.npy", "wb") as out:
        out.truncate(20 * 2**20)
    for index in range(3):
        with open(handout / "mytorch" / f"more{index}.npy", "wb") as out:
            out.truncate(10 * 2**20 - 500)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "tar").write_text(f'#!/bin/sh\nexec {shutil.which("tar")} --format=posix "$@"\n')
    (tools / "tar").chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    made = subprocess.run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert made.returncode == 1 and made.stdout == "", made.stdout[-500:]
    assert made.stderr.count("\n") == 1, made.stderr
    assert "the autograder would refuse the archive: refused: the archive's files and headers exceed" in made.stderr
    assert not (handout / "handin.tar").exists() and not list(handout.glob("handin.tar*"))


def test_create_tarball_checks_the_autograders_own_limits():
    script, limits = (ROOT / "create_tarball.sh").read_text(), Limits()
    assert f"-le {limits.max_file_bytes} ]" in script and f"-le {limits.max_total_bytes} ]" in script
    assert f"-le {limits.max_members} ]" in script and f'"$folders" -le {limits.max_folders} ]' in script


GNU_TAR = "GNU tar" in subprocess.run(["tar", "--version"], capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("bsdtar") is None, reason="no bsdtar (libarchive-tools) here")
def test_create_tarball_with_macos_tar_and_a_bare_bsdtar_archive_are_graded(tmp_path):
    """macOS's tar is bsdtar (libarchive), as is Windows 10's tar.exe: create_tarball.sh with it as
    tar (its pax header for a name over 100 bytes included), and a student's own `tar -cf handin.tar
    --exclude=__pycache__ mytorch`, both give an archive the autograder takes, and the second holds no
    cache. (Run here with Linux's bsdtar, the same library.)"""
    handout = _handout(tmp_path)
    (handout / "mytorch/link.py").unlink()
    (handout / "mytorch" / ("n" * 120 + ".py")).write_text("# a long name\n")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "tar").symlink_to(shutil.which("bsdtar"))
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    made = subprocess.run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    root = extract_handin(handout / "handin.tar", tmp_path / "packed")
    assert (root / "mytorch" / ("n" * 120 + ".py")).read_text() == "# a long name\n"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")) == sorted(
        required_files() + ["mytorch/" + "n" * 120 + ".py"]
    )
    subprocess.run(["bsdtar", "-cf", str(tmp_path / "bare.tar"), "--exclude=__pycache__", "mytorch"], cwd=handout,
                   check=True)  # fmt: skip
    root = extract_handin(tmp_path / "bare.tar", tmp_path / "bare")
    assert find_package(root) == root and not list(root.rglob("__pycache__"))


@pytest.mark.skipif(not GNU_TAR, reason="the system's tar is not GNU tar")
def test_create_tarball_packs_files_that_are_hard_links_to_one_another_as_files(tmp_path):
    """Two names of one file in mytorch/ (cp -al, ln): tar archived the second as a hard link, which
    the autograder refuses whole (checked: 'HAND-IN NOT GRADED: ... is a hard link', 0/50)."""
    handout = _handout(tmp_path)
    os.link(handout / "mytorch/utils.py", handout / "mytorch/utils_copy.py")
    made = run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    with tarfile.open(handout / "handin.tar") as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["mytorch/utils_copy.py"].isfile() and members["mytorch/utils.py"].isfile()
        assert tar.extractfile("mytorch/utils_copy.py").read() == b"# code\n"
    extract_handin(handout / "handin.tar", tmp_path / "extracted")

    tools = tmp_path / "bin"  # a tar that cannot store them as files (bsdtar has no --hard-dereference)
    tools.mkdir()
    (tools / "tar").write_text(
        f'#!/bin/sh\n[ "$1" != --version ] || {{ echo "bsdtar 3.7.2"; exit 0; }}\nexec {shutil.which("tar")} "$@"\n'
    )
    (tools / "tar").chmod(0o755)
    (handout / "handin.tar").unlink()
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    made = subprocess.run(["sh", str(handout / "create_tarball.sh")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert made.returncode == 1 and made.stdout == "" and made.stderr.count("\n") == 1, made.stderr
    assert "are hard links to one another" in made.stderr and "mytorch/utils.py mytorch/utils_copy.py" in made.stderr
    assert not list(handout.glob("handin.tar*"))


@pytest.mark.parametrize("where", ["missing/folder/handin.tar", "create_tarball.sh/handin.tar", "."])
def test_create_tarball_says_in_one_line_when_it_cannot_write_the_output(tmp_path, where):
    handout = _handout(tmp_path)
    made = run(["sh", str(handout / "create_tarball.sh"), where], cwd=handout)
    assert made.returncode == 1
    assert made.stderr.count("\n") == 1 and f"cannot write {where}" in made.stderr
    assert not list(handout.rglob("*.tmp"))


def test_create_tarball_fails_clearly_without_mytorch(tmp_path):
    shutil.copy(ROOT / "create_tarball.sh", tmp_path)
    made = run(["sh", str(tmp_path / "create_tarball.sh")], cwd=tmp_path)
    assert made.returncode != 0
    assert "no mytorch/ package" in made.stderr
    assert not (tmp_path / "handin.tar").exists()


# --------------------------------------------------------------------------- safe extraction
def _member(tar: tarfile.TarFile, name: str, data: bytes = b"x = 1\n", **fields) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if info.isfile() else None)


def _gnu_sparse(name: str, size: int, data: bytes = b"x" * 512) -> bytes:
    """A GNU sparse member (type ``S``): ``data`` at offset 0, then a hole, ``size`` bytes in all."""
    info = tarfile.TarInfo(name)
    info.size, info.type = len(data), tarfile.GNUTYPE_SPARSE
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT)[:512])
    header[386:410] = b"%011o\0%011o\0" % (0, len(data))  # the map: one region of data
    header[483:495] = b"%011o\0" % size  # the real size
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + data + bytes(-len(data) % 512)


def _evil_archive(path: Path, kind: str) -> Path:
    """A hand-in whose first member is fine and whose second is ``kind``."""
    mode = "w:gz" if kind == "oversize" else "w"
    with tarfile.open(path, mode) as tar:
        _member(tar, "mytorch/__init__.py")
        if kind == "dotdot":
            _member(tar, "mytorch/../../evil")
        elif kind == "absolute":
            _member(tar, str(path.parent / "abs" / "path"))
        elif kind == "symlink":
            _member(tar, "mytorch/utils.py", b"", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        elif kind == "hardlink":
            _member(tar, "mytorch/utils.py", b"", type=tarfile.LNKTYPE, linkname="mytorch/__init__.py")
        elif kind == "fifo":
            _member(tar, "mytorch/pipe", b"", type=tarfile.FIFOTYPE)
        elif kind == "device":
            _member(tar, "mytorch/disk", b"", type=tarfile.BLKTYPE)
        elif kind == "oversize":  # 21 MiB of zeros: small compressed, over the 20 MiB per-file limit
            _member(tar, "mytorch/weights.py", bytes(21 * 2**20))
        elif kind == "deep":  # 41 components: Python's own rmtree and copytree recurse once per level
            _member(tar, "mytorch/" + "d/" * 39 + "x.py")
        elif kind == "sparse":  # 512 bytes of data in the archive, a file of 64 MiB once extracted
            raw = _gnu_sparse("mytorch/weights.py", 64 * 2**20)
            tar.fileobj.write(raw)
            tar.offset += len(raw)
        elif kind == "pax sparse":  # the same in pax records (GNU sparse format 0.1)
            info = tarfile.TarInfo("mytorch/weights.py")
            info.size, info.pax_headers = 512, {"GNU.sparse.map": "0,512", "GNU.sparse.size": str(64 * 2**20)}
            tar.format = tarfile.PAX_FORMAT
            tar.addfile(info, io.BytesIO(bytes(512)))
    return path


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("dotdot", "'..' component"),
        ("absolute", "absolute path"),
        ("symlink", "symbolic link"),
        ("hardlink", "hard link"),
        ("fifo", "device file or a FIFO"),
        ("device", "device file or a FIFO"),
        ("oversize", "over the limit"),
        ("deep", "has 41 components in its path, over the limit of 32"),
        ("sparse", "is a sparse file of 67108864 bytes"),
        ("pax sparse", "is a sparse file of 67108864 bytes"),
    ],
)
def test_unsafe_archives_are_refused_and_nothing_is_written(tmp_path, kind, reason):
    archive = _evil_archive(tmp_path / "evil.tar", kind)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(HandinError, match=reason):
        extract_handin(archive, tmp_path / "out")
    assert sorted(tmp_path.rglob("*")) == sorted(before + [tmp_path / "out"])  # out/ exists, empty
    assert not (tmp_path.parent / "evil").exists()


def test_too_many_members_and_too_many_bytes_are_refused(tmp_path):
    archive = tmp_path / "many.tar"
    with tarfile.open(archive, "w") as tar:
        for i in range(10):
            _member(tar, f"mytorch/m{i}.py", bytes(100))
    with pytest.raises(HandinError, match="more than 5 members"):
        extract_handin(archive, tmp_path / "a", Limits(max_members=5))
    with pytest.raises(HandinError, match="exceed 500 bytes in total"):
        extract_handin(archive, tmp_path / "b", Limits(max_total_bytes=500))
    assert not list((tmp_path / "a").iterdir()) and not list((tmp_path / "b").iterdir())


def test_the_folders_a_members_path_implies_count_against_a_limit(tmp_path):
    """No member is needed for a folder: 2000 files each 31 folders deep under a folder of their own
    made 60,000 folders from a 10 KB archive, which the runner copied, handed over and removed for
    every test under uid (6 minutes for two tests). Folders are counted, implied or not, once each."""
    archive = tmp_path / "folders.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _member(tar, "mytorch/__init__.py")
        for index in range(4):
            _member(tar, f"mytorch/a{index}/" + "b/" * 28 + "f.py")
    with pytest.raises(HandinError, match="makes more than 100 folders .member 'mytorch/a3/b/b"):
        extract_handin(archive, tmp_path / "out", Limits(max_folders=100))
    assert not list((tmp_path / "out").iterdir())
    with tarfile.open(archive, "w:gz") as tar:  # the same folder named again, by a member and by paths
        _member(tar, "mytorch/__init__.py")
        _member(tar, "mytorch/a/", b"", type=tarfile.DIRTYPE)
        for index in range(50):
            _member(tar, f"mytorch/a/./f{index}.py")
    assert find_package(extract_handin(archive, tmp_path / "ok", Limits(max_folders=2))) == tmp_path / "ok"
    assert Limits().max_folders == 2000  # with 2000 files, within the 8192 entries of a worker's folder


def _with_pax_headers(path: Path, members: int, headers: int, value: bytes) -> Path:
    """A tar of ``members`` empty files, each after ``headers`` pax headers of a ``comment`` record
    holding ``value`` (made by hand: tarfile writes one pax header per member)."""
    record = b" comment=" + value + b"\n"
    length = len(record) + len(str(len(record)))  # the length counts its own digits
    length = len(record) + len(str(length))  # (one more digit when that crosses a power of ten)
    record = str(length).encode() + record
    info = tarfile.TarInfo("././@PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, len(record)
    pax = info.tobuf(format=tarfile.USTAR_FORMAT)[:512] + record + bytes(-len(record) % 512)
    with open(path, "wb") as out:
        for index in range(members):
            member = tarfile.TarInfo(f"mytorch/m{index}.py" if index else "mytorch/__init__.py")
            out.write(pax * headers + member.tobuf(format=tarfile.USTAR_FORMAT))
        out.write(bytes(1024))
    return path


def test_pax_headers_count_against_the_limits(tmp_path):
    """Pax headers counted for nothing: 12 GiB of them fit in the compression ratio of a 60 MiB
    archive (209 MiB took 7 s to read twice), and over 330 in a row made tarfile recurse until
    RecursionError (the hand-in was 'not graded: the grader failed on it')."""
    with pytest.raises(HandinError, match="exceed 100000 bytes in total"):
        extract_handin(_with_pax_headers(tmp_path / "heavy.tar", 4, 1, b"a" * 30_000), tmp_path / "a",
                       Limits(max_total_bytes=100_000))  # fmt: skip
    with pytest.raises(HandinError, match="more than 8 pax or long-name headers in a row"):
        extract_handin(_with_pax_headers(tmp_path / "many.tar", 1, 9, b"a"), tmp_path / "b")
    assert not list((tmp_path / "a").iterdir()) and not list((tmp_path / "b").iterdir())
    root = extract_handin(_with_pax_headers(tmp_path / "fine.tar", 3, 2, b"a" * 100), tmp_path / "c")
    assert sorted(p.name for p in (root / "mytorch").iterdir()) == ["__init__.py", "m1.py", "m2.py"]


def _lzma_polyglot(path: Path) -> Path:
    """A plain tar of one empty member whose name (the header's first 100 bytes, up to its NUL) is
    the start of a legacy .lzma stream, which has no magic number: the stream holds another tar,
    with ``mytorch/__init__.py``; after it comes what a decompressor ignores as trailing data."""
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("mytorch/__init__.py")
        info.size = len(b"X = 1\n")
        tar.addfile(info, io.BytesIO(b"X = 1\n"))
    stream = lzma.compress(inner.getvalue()[:1024], format=lzma.FORMAT_ALONE, preset=9 | lzma.PRESET_EXTREME)
    assert len(stream) <= 100
    header = bytearray(stream.ljust(100, b"\x00") + bytes(412))
    header[100:108] = b"0000644\x00"  # mode
    header[124:136] = header[136:148] = b"0" * 11 + b"\x00"  # size 0, mtime
    header[156:157] = b"0"  # a regular file
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\x00 ".encode()  # its checksum
    path.write_bytes(bytes(header) + bytes(1024))
    return path


def test_the_archive_listed_and_extracted_is_the_one_the_first_pass_read(tmp_path):
    """``tarfile``'s guess of the compression tries every decompressor before a plain tar: a plain
    tar whose first name began a .lzma stream was checked as that plain tar (one empty file), then
    listed and extracted as the tar inside the stream, which no size, ratio or header limit of the
    first pass had seen."""
    archive = _lzma_polyglot(tmp_path / "polyglot.tar")
    assert tarfile.open(archive).getnames() == ["mytorch/__init__.py"]  # tarfile's own guess
    root = extract_handin(archive, tmp_path / "out")
    assert [p.name for p in root.iterdir()] == ["]"]  # what the first pass read: the plain tar's one member
    with pytest.raises(HandinError, match="no mytorch/ package"):
        find_package(root)


def _ustar(name: str, kind: bytes, size: int) -> bytes:
    """A ustar header of one member."""
    info = tarfile.TarInfo(name)
    info.type, info.size = kind, size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _pax(*records: tuple[str, str], kind: bytes = tarfile.XHDTYPE) -> bytes:
    """A pax header (of ``kind``) holding ``records``, in order, and its data."""
    data = b""
    for key, value in records:
        body = f" {key}={value}\n".encode()
        length = len(body) + len(str(len(body) + len(str(len(body)))))
        data += str(length).encode() + body
    return _extension(data, kind)


def _extension(data: bytes, kind: bytes) -> bytes:
    """An extension header of ``kind`` holding ``data``."""
    return _ustar("pax", kind, len(data)) + data + bytes(-len(data) % 512)


def test_tarfile_reads_no_header_the_first_pass_did_not(tmp_path):
    """Where ``tarfile`` and the first pass disagreed on where a member ends, ``tarfile`` read its
    data as headers, and past what the first pass saw: an old-style regular file named ``x/`` (a
    folder without data to ``tarfile``) hid a pax header of 8 MiB, which it read whole into the
    runner's memory (tens of GiB from a 60 MiB archive). (Two ``size`` records in one pax header,
    of which the first pass took the first and ``tarfile`` the last, did the same.)"""
    hidden = _ustar("big", tarfile.XHDTYPE, 8 * 2**20)
    archive = tmp_path / "two-ways.tar.gz"
    with gzip.open(archive, "wb") as out:
        folder = _ustar("mytorch/d/", tarfile.AREGTYPE, len(hidden))  # its data: the pax header, then the end
        out.write(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + folder + hidden + bytes(1024) + bytes(8 * 2**20))
    tracemalloc.start()
    try:
        with pytest.raises(HandinError, match="ends at another place for Python's tarfile"):
            extract_handin(archive, tmp_path / "out")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("keywords to one far =", "records are malformed"),
        ("digits", "run of more than 32 digits"),
        ("global records", "global pax headers of over 65536 bytes in all"),
    ],
)
def test_pax_headers_are_read_in_one_pass_before_tarfile_reads_them(tmp_path, kind, reason):
    """tarfile before CPython 3.11.10 and 3.12.6 (this machine's 3.11.7 among them) parses a pax
    header with regular expressions whose work grows with the square of its size: 64 KiB of
    keywords running to one far ``=`` cost the runner 528 MB, 64 KiB of digits 3 s; the records of
    global headers stay for the rest of the archive, and every member's own header copies them."""
    if kind == "keywords to one far =":
        headers = _extension(b"4 aa" * 1000 + b"=", tarfile.XGLTYPE)
    elif kind == "digits":
        headers = _pax(("comment", "1" * 1000))
    else:
        records = [[(f"k{i}.{j}", "v" * 1200) for j in range(30)] for i in range(2)]  # (fewer than 64 records)
        headers = b"".join(_pax(*these, kind=tarfile.XGLTYPE) for these in records)
    archive = tmp_path / "pax.tar"
    archive.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + headers
                        + _ustar("mytorch/a.py", tarfile.REGTYPE, 0) + bytes(1024))  # fmt: skip
    with pytest.raises(HandinError, match=reason):
        extract_handin(archive, tmp_path / "out")
    fine = tmp_path / "fine.tar"  # the digits of times, sizes and ids; a global comment, as git archive writes
    own = _pax(("mtime", "1704067200.123456789"), ("path", "mytorch/a.py"), ("uid", "4294967294"))
    comment = _pax(("comment", "c0ffee" * 7), kind=tarfile.XGLTYPE)
    fine.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + comment + own + _ustar("x", tarfile.REGTYPE, 0)
                     + bytes(1024))  # fmt: skip
    root = extract_handin(fine, tmp_path / "fine")
    assert sorted(p.name for p in (root / "mytorch").iterdir()) == ["__init__.py", "a.py"]


def _distinct_records(count: int, prefix: str = "") -> list[tuple[str, str]]:
    """``count`` empty pax records of distinct short keywords (each its own entry in tarfile's dicts)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [(prefix + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26], "") for i in range(count)]


@pytest.mark.parametrize("kind", ["global records", "records in all"])
def test_pax_records_are_bounded_before_tarfile_copies_them_into_every_member(tmp_path, kind):
    """tarfile copies every record of the global pax headers into every later member's dict, and a member's
    own records too: a global header of 10,524 records followed by 1,990 members, 770 of them after a pax
    header of 64 KiB of records of their own, made an xz archive of 322 KB cost the runner 979 MB and 14.6 s
    of CPU; 800 pax headers of 64 KiB of five-byte records, a gzip archive of 424 KB, 12.4 s (until 2026-12-04)."""
    init = _ustar("mytorch/__init__.py", tarfile.REGTYPE, 0)
    if kind == "global records":  # each of 200 members holds a copy of 65 records
        body = _pax(*_distinct_records(65), kind=tarfile.XGLTYPE)
        body += b"".join(_ustar(f"mytorch/m{i}.py", tarfile.REGTYPE, 0) for i in range(200))
    else:  # 4 members after 4,100 records each: 16,400 records in all
        body = b"".join(_pax(*_distinct_records(4100)) + _ustar(f"mytorch/m{i}.py", tarfile.REGTYPE, 0)
                        for i in range(4))  # fmt: skip
    archive = tmp_path / "records.tar"
    archive.write_bytes(init + body + bytes(1024))
    reason = "global pax headers hold over 64 records" if kind == "global records" else "over 16384 records in all"
    start = time.process_time()
    with pytest.raises(HandinError, match=reason):
        extract_handin(archive, tmp_path / "out")
    assert time.process_time() - start < 0.5
    assert not list((tmp_path / "out").iterdir())
    fine = tmp_path / "fine.tar"  # what GNU tar --format=posix writes: atime, ctime, mtime for every member
    times = [("atime", "1704067200.5"), ("ctime", "1704067200.5"), ("mtime", "1704067200.5")]
    members = [_pax(*times) + _ustar(f"mytorch/m{i}.py", tarfile.REGTYPE, 0) for i in range(300)]
    fine.write_bytes(init + _pax(*_distinct_records(64), kind=tarfile.XGLTYPE) + b"".join(members) + bytes(1024))
    assert len(list((extract_handin(fine, tmp_path / "fine") / "mytorch").iterdir())) == 301


def _small_tar() -> bytes:
    return _ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + bytes(1024)


def _gzip_named(name: bytes, data: bytes) -> bytes:
    """One gzip member of ``data`` whose header holds ``name`` (the FNAME field)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    return b"\x1f\x8b\x08\x08\0\0\0\0\x00\x03" + name + b"\0" + body + struct.pack("<II", zlib.crc32(data), len(data))


@pytest.mark.parametrize("record", ["GNU.sparse.realsize", "a global size"])
def test_a_members_size_is_the_same_for_tarfile_as_for_the_first_pass(tmp_path, record):
    """A pax record can give ``tarfile`` another size for a member without moving where it ends
    (``GNU.sparse.realsize`` in its own header, ``size`` in a global one): until 2026-12-05 a file of
    6 bytes for the first pass was extracted as 1 MiB read past its end, past the archive's end marker,
    where the first pass never looked: from 40,000 empty gzip members there here (2 million, a 40 MB
    archive, cost the runner 6.7 s of CPU, outside every time limit)."""
    file = _ustar("mytorch/__init__.py", tarfile.REGTYPE, 6) + b"x = 1\n" + bytes(506)
    if record == "GNU.sparse.realsize":
        tar = _pax(("GNU.sparse.realsize", str(2**20))) + file + bytes(1024)
    else:
        tar = _pax(("size", str(2**20)), kind=tarfile.XGLTYPE) + file + bytes(1024)
    archive = tmp_path / "handin.tar.gz"
    beyond = gzip.compress(b"", mtime=0) * 40_000 + gzip.compress(bytes(2**21))  # (past the end marker)
    archive.write_bytes(gzip.compress(tar, mtime=0) + beyond)
    start = time.process_time()
    with pytest.raises(HandinError, match="is 1048576 bytes for Python's tarfile and 6 in the archive's stream"):
        extract_handin(archive, tmp_path / "out")
    assert time.process_time() - start < 0.5
    assert not list((tmp_path / "out").iterdir())


def _long_name(name: str) -> bytes:
    """A GNU long-name header giving the next member ``name``."""
    return _extension(name.encode() + b"\0", tarfile.GNUTYPE_LONGNAME)


@pytest.mark.parametrize(
    "names",
    ["two long names", "a long name, then a pax path", "two pax paths", "path and GNU.sparse.name", "a path twice",
     "a global path"],
)  # fmt: skip
def test_a_member_is_named_once_so_gnu_tar_extracts_what_was_graded(tmp_path, names):
    """A member named twice by its extension headers was extracted under one name by Python's ``tarfile``
    and under the other by GNU tar (1.34), with which staff unpack a hand-in to read it or check it for
    plagiarism: until 2026-12-05 two long names, the first ``mytorch/nn/functional.py``, graded the code GNU
    tar put in another file, and ``functional.py`` as GNU tar unpacked it held other code."""
    graded, shown = "mytorch/nn/functional.py", "mytorch/notes.py"
    headers = {
        "two long names": _long_name(graded) + _long_name(shown),
        "a long name, then a pax path": _long_name(graded) + _pax(("path", shown)),
        "two pax paths": _pax(("path", graded)) + _pax(("path", shown)),
        "path and GNU.sparse.name": _pax(("GNU.sparse.name", graded), ("path", shown)),
        "a path twice": _pax(("path", shown), ("path", graded)),
        "a global path": _pax(("path", graded), kind=tarfile.XGLTYPE),
    }[names]
    archive = tmp_path / "handin.tar"
    copied = b"def mul_backward(*args):\n    return 'copied'\n"
    member = headers + _ustar("mytorch/x.py", tarfile.REGTYPE, len(copied)) + copied + bytes(-len(copied) % 512)
    archive.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + member + bytes(1024))
    reasons = "member 'mytorch/x.py' is named more than once|the record b'path' twice|global pax header names"
    with pytest.raises(HandinError, match=reasons):
        extract_handin(archive, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("named_by", ["its header", "a long name", "a pax path"])
def test_a_regular_file_whose_name_ends_in_a_slash_is_refused(tmp_path, named_by):
    """GNU tar (1.34) makes a folder of a regular file (type ``0``) named ``mytorch/nn/functional.py/`` and
    fails; Python's ``tarfile`` made it the file ``functional.py``, graded (until 2026-12-05; it strips the
    ``/`` of a pax path)."""
    code, name = b"def mul_backward(*args):\n    return 'graded'\n", "mytorch/nn/functional.py/"
    header = {"its header": b"", "a long name": _long_name(name), "a pax path": _pax(("path", name))}[named_by]
    own = name if named_by == "its header" else "mytorch/x.py"
    member = header + _ustar(own, tarfile.REGTYPE, len(code)) + code + bytes(-len(code) % 512)
    archive = tmp_path / "handin.tar"
    archive.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + member + bytes(1024))
    reason = "member 'mytorch/nn/functional.py/' is (a file whose|not a folder and its) name"
    with pytest.raises(HandinError, match=reason):
        extract_handin(archive, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("magic", [b"ustar  \0", bytes(8)])  # GNU's, and none (v7)
def test_a_name_prefix_outside_a_ustar_header_is_refused(tmp_path, magic):
    """Python's ``tarfile`` puts the ustar prefix field (bytes 345 to 500) before a member's name whatever
    the header's magic; GNU tar (1.34) only in a ustar header (in GNU's own, those bytes hold times). Until
    2026-12-05 a GNU header named ``functional.py`` with the prefix ``mytorch/nn`` was graded as
    ``mytorch/nn/functional.py`` and unpacked by GNU tar as a stray ``functional.py`` beside ``mytorch/``."""
    code = b"def mul_backward(*args):\n    return 'graded'\n"
    header = bytearray(_ustar("functional.py", tarfile.REGTYPE, len(code)))
    header[257:265], header[345:355] = magic, b"mytorch/nn"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    archive = tmp_path / "handin.tar"
    member = bytes(header) + code + bytes(-len(code) % 512)
    archive.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + member + bytes(1024))
    assert tarfile.open(archive).getnames()[1] == "mytorch/nn/functional.py"
    with pytest.raises(HandinError, match="member 'functional.py' has a name prefix outside a ustar header"):
        extract_handin(archive, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("kind", ["empty gzip members", "a gzip name", "empty bzip2 streams", "empty xz streams"])
def test_a_compressed_stream_may_not_hold_much_more_than_its_tar(tmp_path, kind):
    """The decompressors read what yields no tar in Python, member by member or byte by byte, and the
    ratio counts only what comes out: 3.1 million empty gzip members before a tar (a 60 MiB archive)
    cost the runner 17.4 s of CPU to extract, a gzip header naming a file of 62 MB 8.7 s, outside
    every time limit (until 2026-12-04; empty bzip2 and xz streams about 5 s)."""
    tar = _small_tar()
    if kind == "empty gzip members":
        data = gzip.compress(b"", mtime=0) * 40_000 + gzip.compress(tar, mtime=0)
    elif kind == "a gzip name":
        data = _gzip_named(b"n" * 2**21, tar)
    elif kind == "empty bzip2 streams":
        data = bz2.compress(b"") * 200_000 + bz2.compress(tar)
    else:
        data = lzma.compress(b"") * 100_000 + lzma.compress(tar)
    archive = tmp_path / "handin.tar.gz"
    archive.write_bytes(data)
    start = time.process_time()
    with pytest.raises(HandinError, match="compressed stream holds more than the tar it expands to"):
        extract_handin(archive, tmp_path / "out")
    assert time.process_time() - start < 0.5
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_an_archive_of_incompressible_data_still_extracts(tmp_path, compression):
    """What a compressor writes for random data, a little larger than the data for bzip2 (0.8% at
    level 1), its whole first block (900 kB at level 9) before any of it comes out."""
    rng = random.Random(7)
    weights = rng.randbytes(1_200_000)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _member(tar, "mytorch/__init__.py")
        _member(tar, "mytorch/weights.bin", weights)
    archive = tmp_path / f"handin.tar.{compression}"
    compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lambda data: lzma.compress(data, preset=0)}
    archive.write_bytes(compress[compression](buffer.getvalue()))  # (bzip2 at level 9: blocks of 900 kB)
    assert archive.stat().st_size > len(weights)
    root = extract_handin(archive, tmp_path / "out")
    assert (root / "mytorch" / "weights.bin").read_bytes() == weights


@pytest.mark.parametrize("kind", ["extension blocks", "format 1.0"])
def test_a_sparse_map_outside_its_header_is_refused_before_tarfile_reads_it(tmp_path, kind):
    """tarfile reads a GNU sparse member's map whole before listing it: extension blocks as long as
    each says another follows, or (format 1.0) as many numbers from the data as its first line says."""
    if kind == "extension blocks":
        member = bytearray(_gnu_sparse("mytorch/weights.py", 2**20))
        member[482] = 1
        member[148:156] = b" " * 8
        member[148:156] = b"%06o\0 " % sum(member[:512])
        body = bytes(member) + bytes(512)
    else:
        data = b"200000\n" + b"1\n" * 400_000
        body = _pax(("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"))
        body += _ustar("mytorch/weights.py", tarfile.REGTYPE, len(data)) + data + bytes(-len(data) % 512)
    archive = tmp_path / "sparse.tar"
    archive.write_bytes(_ustar("mytorch/__init__.py", tarfile.REGTYPE, 0) + body + bytes(1024))
    with pytest.raises(HandinError, match="sparse member keeps its map of holes outside its header"):
        extract_handin(archive, tmp_path / "out")


def test_a_good_archive_extracts_and_its_package_is_found(tmp_path):
    archive = tar_of(ROOT, tmp_path / "handin.tar")
    root = extract_handin(archive, tmp_path / "out")
    assert find_package(root) == root
    assert (root / "mytorch" / "nn" / "functional.py").read_bytes() == (ROOT / "mytorch/nn/functional.py").read_bytes()
    with pytest.raises(HandinError, match="no mytorch/ package"):
        find_package(tmp_path / "out" / "mytorch")
    # An archive made from outside the hand-out folder: handout/mytorch/...
    nested = tmp_path / "nested.tar"
    with tarfile.open(nested, "w") as tar:
        tar.add(ROOT / "mytorch" / "__init__.py", arcname="handout/mytorch/__init__.py")
    root = extract_handin(nested, tmp_path / "nested")
    assert find_package(root) == root / "handout"


WITHOUT_LZMA_AND_BZ2 = """import os, runpy, sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name in ("lzma", "_lzma", "bz2", "_bz2"):
            raise ImportError("No module named " + repr(name))
sys.meta_path.insert(0, Missing())
for name in ("lzma", "_lzma", "bz2", "_bz2"):  # (a site hook may have imported them)
    sys.modules.pop(name, None)
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_runner_runs_on_a_python_built_without_lzma_and_bz2(tmp_path):
    """pyenv builds such a Python with a warning; importing lzma and bz2 at the top of sandbox.py
    stopped every run there (a traceback, a student's check of their own code included) until
    2026-12-04. Only a hand-in in those compressions is refused now, saying why."""
    launcher = tmp_path / "launch.py"
    launcher.write_text(WITHOUT_LZMA_AND_BZ2)
    made = run(["sh", str(ROOT / "create_tarball.sh"), str(tmp_path / "handin.tar")], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    with open(tmp_path / "handin.tar", "rb") as plain, lzma.open(tmp_path / "handin.tar.xz", "wb") as packed:
        packed.write(plain.read())
    for archive, expected in (("handin.tar", {"loss": 5}), ("handin.tar.xz", {"loss": 0})):
        done = run([sys.executable, str(launcher), str(ROOT / "autograder" / "runner.py"), "--handin", archive,
                    "loss"], cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert scores_of(done) == expected, done.stdout
    assert "handin.tar.xz is compressed with xz, and this Python was built without its module (lzma)" in done.stdout


def test_an_archive_in_another_format_is_refused_saying_what_it_is(tmp_path):
    """A zip named handin.tar (Autolab renames any upload so) was refused for 'a tar header has an
    invalid checksum field', which told the student nothing (until 2026-12-04)."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "handin.tar", "w") as archive:
        archive.writestr("mytorch/__init__.py", "")
    with pytest.raises(HandinError, match=r"handin.tar is a zip archive, not a tar archive .*`sh create_tarball.sh`"):
        extract_handin(tmp_path / "handin.tar", tmp_path / "out")
    (tmp_path / "other.tar").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(2000))
    with pytest.raises(HandinError, match="other.tar is compressed with zstd, not a tar archive"):
        extract_handin(tmp_path / "other.tar", tmp_path / "out")
    # (an lz4, lzip or Unix compress stream was refused for 'a tar header has an invalid checksum field' until
    # 2026-12-05)
    for magic, what in ((b"\x04\x22\x4d\x18", "lz4"), (b"LZIP\x01", "lzip"), (b"\x1f\x9d\x90", r"compress \(\.Z\)")):
        (tmp_path / "other.tar").write_bytes(magic + bytes(2000))
        with pytest.raises(HandinError, match=f"other.tar is compressed with {what}, not a tar archive"):
            extract_handin(tmp_path / "other.tar", tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_package_is_found_at_any_depth_the_shallowest_one_alone(tmp_path):
    """``tar -cf handin.tar /home/alice/hw1/handout/mytorch`` stores home/alice/hw1/handout/mytorch/...
    (GNU tar drops the leading /): a package more than one level down was not looked for, and the
    hand-in scored 0 (until 2026-12-04). The shallowest wins; two there are refused, named; a macOS
    zip's __MACOSX/ is never searched."""
    deep = tmp_path / "deep"
    for name in ("home/alice/hw1/handout/mytorch", "home/alice/hw1/old/copy/mytorch", "__MACOSX/mytorch"):
        (deep / name).mkdir(parents=True)
        (deep / name / "__init__.py").write_text("")
    assert find_package(deep) == deep / "home" / "alice" / "hw1" / "handout"
    (deep / "home" / "alice" / "hw1" / "old" / "mytorch").mkdir()
    (deep / "home" / "alice" / "hw1" / "old" / "mytorch" / "__init__.py").write_text("")
    with pytest.raises(HandinError, match="several mytorch/ packages: 'home/alice/hw1/handout', 'home/alice/hw1/old'"):
        find_package(deep)
    (deep / "mytorch").mkdir()
    (deep / "mytorch" / "__init__.py").write_text("")
    assert find_package(deep) == deep
    only_mac = tmp_path / "mac"
    (only_mac / "__MACOSX" / "mytorch").mkdir(parents=True)
    (only_mac / "__MACOSX" / "mytorch" / "__init__.py").write_text("")
    with pytest.raises(HandinError, match="no mytorch/ package"):
        find_package(only_mac)


def test_the_runner_refuses_an_unsafe_or_unreadable_handin_with_zero_scores(tmp_path):
    evil = _evil_archive(tmp_path / "evil.tar", "dotdot")
    done = grade("--handin", str(evil), "loss", cwd=tmp_path)
    assert done.returncode == 0
    assert "NOT GRADED: refused: member 'mytorch/../../evil'" in done.stdout
    assert scores_of(done) == {"loss": 0}
    (tmp_path / "junk.tar").write_text("not an archive")
    done = grade("--handin", str(tmp_path / "junk.tar"), "loss", cwd=tmp_path)
    assert "not a readable tar archive" in done.stdout and scores_of(done) == {"loss": 0}


# --------------------------------------------------------------------------- sandboxed grading
def test_exp_backward_that_never_returns_costs_only_its_points(tmp_path):
    archive = tar_of(broken_copy(ROOT, tmp_path / "copy", "exp_backward", HANG), tmp_path / "hang.tar")
    start = time.monotonic()
    done = grade("--handin", str(archive), "--timeout", "2", "operations", "autograd", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert failed_ids(done) == {"operations/exp"}
    assert scores_of(done) == {"autograd": 10, "operations": 5}
    assert "TIMEOUT" in done.stdout
    assert time.monotonic() - start < 30


def test_a_kernel_that_kills_the_interpreter_costs_only_its_points(tmp_path):
    archive = tar_of(broken_copy(ROOT, tmp_path / "copy", "log_backward", CRASH), tmp_path / "crash.tar")
    done = grade("--handin", str(archive), "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert failed_ids(done) == {"operations/log"}
    assert "CRASH: the test's process died (exit status 3)" in done.stdout


def test_a_folder_of_handins_gets_one_report_each_and_a_score_table(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    tar_of(ROOT, inbox / "alice.tar")
    _evil_archive(inbox / "mallory.tar", "symlink")
    done = grade("--handin-dir", str(inbox), "--out-dir", str(out), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = (out / "scores.csv").read_text().splitlines()
    assert rows[:2] == ["handin,loss,total,max,not_graded", "alice.tar,5,5,5,"]
    assert rows[2].startswith("mallory.tar,0,0,5,") and "symbolic link" in rows[2] and len(rows) == 3
    assert json.loads((out / "alice.tar.json").read_text())["score"] == 5
    assert "symbolic link" in (out / "mallory.tar.txt").read_text()


def _one_file_tar(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _member(tar, "mytorch/__init__.py", data)
    return buffer.getvalue()


def test_an_archive_swapped_after_the_first_pass_is_not_the_one_extracted(tmp_path, monkeypatch):
    """Both passes opened the archive by its path: one its student could still write (a shared drop folder
    graded with --handin-dir) was swapped between them, and the second extracted a gzip whose compression
    ratio the first pass refuses (its members ending where the checked archive's did). Both read a private
    copy now."""
    from autograder import sandbox

    size = 4 * 2**20
    bomb = tmp_path / "bomb.tar.gz"
    bomb.write_bytes(gzip.compress(_one_file_tar(b"b" * size), mtime=0))
    with pytest.raises(HandinError, match="a compression bomb"):
        extract_handin(bomb, tmp_path / "alone")
    archive = tmp_path / "handin.tar"
    archive.write_bytes(_one_file_tar(b"a" * size))  # a plain tar: the same member, checked and fine
    first_pass = sandbox.scan_archive

    def then_swapped(path, limits=Limits()):
        ends = first_pass(path, limits)
        archive.write_bytes(bomb.read_bytes())
        return ends

    monkeypatch.setattr(sandbox, "scan_archive", then_swapped)
    root = extract_handin(archive, tmp_path / "out")
    assert (root / "mytorch" / "__init__.py").read_bytes() == b"a" * size


def test_an_archive_swapped_for_a_named_pipe_is_refused_not_waited_for(tmp_path, monkeypatch):
    """A path checked as a file and then swapped for a named pipe: the runner's open waited for a writer
    forever."""
    import threading

    fifo = tmp_path / "handin.tar"
    os.mkfifo(fifo)
    monkeypatch.setattr(Path, "is_file", lambda self: True)  # (the check made before the swap)
    raised = []

    def extract() -> None:
        try:
            extract_handin(fifo, tmp_path / "out")
        except HandinError as error:
            raised.append(str(error))

    thread = threading.Thread(target=extract, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # (a writer lets the waiting open return)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
        pytest.fail("the runner waited for a writer to the named pipe")
    assert raised == ["handin.tar is not a regular file"]


def test_an_archive_that_is_a_symbolic_link_is_refused(tmp_path):
    """The students' folders copied into the one graded with ``cp -a`` or ``rsync -a`` keep links: a
    ``handin.tar`` linking to another student's archive had that student's code graded, by a root runner
    that may read it, under the name of the one who made the link."""
    victim = tmp_path / "victim.tar"
    victim.write_bytes(_one_file_tar(b"x = 1\n"))
    (tmp_path / "inbox").mkdir()
    link = tmp_path / "inbox" / "mallory.tar"
    link.symlink_to(victim)
    with pytest.raises(HandinError, match=r"^refused: mallory.tar is a symbolic link, not an archive"):
        extract_handin(link, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_a_folder_of_handins_grades_archives_whatever_the_case_of_their_suffix(tmp_path):
    """An archive from Windows or a student's own naming (``ALICE.TAR``, ``bob.Tar.Gz``) was passed over
    by ``--handin-dir`` without a row (until 2026-12-05): the student read as one who handed nothing in,
    and a folder of such archives alone stopped the run with 'no hand-in archives'."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    tar_of(ROOT, inbox / "ALICE.TAR")
    (inbox / "bob.Tar.Gz").write_bytes(b"not an archive")
    done = grade("--handin-dir", str(inbox), "--out-dir", str(out), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = dict(line.split(",", 1) for line in (out / "scores.csv").read_text().splitlines()[1:])
    assert rows.pop("ALICE.TAR") == "5,5,5,"
    assert rows.pop("bob.Tar.Gz").startswith("0,0,5,") and not rows
    assert (out / "ALICE.TAR.txt").is_file() and (out / "bob.Tar.Gz.json").is_file()


def test_a_folder_entry_named_like_an_archive_that_is_no_file_gets_a_row_saying_why(tmp_path):
    """A dangling link, a named pipe or a folder named ``*.tar`` in ``--handin-dir`` (a student's upload
    gone wrong, or a link to an archive since removed) was left out without a word: no report, no row
    in scores.csv, so the student read as one who handed nothing in. Each is now NOT GRADED, saying why."""
    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    tar_of(ROOT, inbox / "alice.tar")
    (inbox / "gone.tar").symlink_to(tmp_path / "removed.tar")
    os.mkfifo(inbox / "pipe.tar")
    (inbox / "folder.tar.gz").mkdir()
    done = grade("--handin-dir", str(inbox), "--out-dir", str(out), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = dict(line.split(",", 1) for line in (out / "scores.csv").read_text().splitlines()[1:])
    assert rows.pop("alice.tar") == "5,5,5,"
    reasons = {"gone.tar": "is a symbolic link", "pipe.tar": "is not a regular file",
               "folder.tar.gz": "is not a regular file"}  # fmt: skip
    assert set(rows) == set(reasons), rows
    for name, reason in reasons.items():
        assert rows[name].startswith("0,0,5,") and reason in rows[name], rows[name]
        assert reason in (out / f"{name}.txt").read_text()


def test_a_folder_entry_named_as_an_archive_of_another_format_gets_a_row_saying_what_is_read(tmp_path):
    """``alice.zip``, ``bob.7Z``, ``carol.RAR`` or ``dave.tar.zst`` in ``--handin-dir`` got no report and no
    row in scores.csv (until 2026-12-05): staff missed the student, who read as one who handed nothing in, and
    a folder of such files alone stopped the run with 'no hand-in archives'. Each is NOT GRADED now, saying
    which archives the grader reads; a file named as no archive (notes.txt) still gets no row."""
    import zipfile

    inbox, out = tmp_path / "inbox", tmp_path / "grades"
    inbox.mkdir()
    with zipfile.ZipFile(inbox / "alice.zip", "w") as archive:
        archive.writestr("mytorch/__init__.py", "")
    tar_of(ROOT, inbox / "dave.tar.zst")  # (a tar, named otherwise: refused by its name, never read)
    for name in ("bob.7Z", "carol.RAR", "erin.Tar.Lz4"):
        (inbox / name).write_bytes(b"whatever")
    (inbox / "notes.txt").write_text("not a hand-in")
    done = grade("--handin-dir", str(inbox), "--out-dir", str(out), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {row[0]: row[1:] for row in csv.reader((out / "scores.csv").read_text().splitlines()[1:])}
    suffixes = {"alice.zip": ".zip", "bob.7Z": ".7z", "carol.RAR": ".rar", "dave.tar.zst": ".tar.zst",
                "erin.Tar.Lz4": ".tar.lz4"}  # fmt: skip
    assert set(rows) == set(suffixes), rows
    reads = "it reads a tar archive (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)"
    for name, suffix in suffixes.items():
        assert rows[name][:3] == ["0", "0", "5"], rows[name]
        assert rows[name][3].startswith(f"a {suffix} file is not an archive the grader reads; {reads}"), rows[name]
        report = (out / f"{name}.txt").read_text()
        assert report.startswith(f"HAND-IN {name} NOT GRADED: a {suffix} file"), report
        assert json.loads((out / f"{name}.json").read_text())["score"] == 0
        assert f"{name}" in done.stdout and "NOT GRADED" in done.stdout
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "frank.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    done = grade("--handin-dir", str(alone), "loss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = list(csv.reader((alone / "scores.csv").read_text().splitlines()))[1]
    assert row[:4] == ["frank.zip", "0", "0", "5"] and row[4].startswith("a .zip file"), row


@pytest.mark.parametrize("length", [1100, 4060])
def test_a_path_too_long_to_extract_and_copy_for_every_worker_is_refused_by_the_rule(tmp_path, length):
    """A member's path of 4060 bytes passed the rule (4096 bytes), then failed where the runner extracted it or
    copied it for a worker, below folders of its own: every test CRASH under namespaces, 'the grader failed on it
    (OSError: File name too long ...)' under uid and none (until 2026-12-05). Paths over 1024 bytes are refused
    now, saying so; one of 1000 bytes is extracted."""

    def archive(total: int) -> Path:
        parts, left = [], total - len("mytorch/") - len("/x.py")
        while left > 0:
            parts.append("d" * min(250, left))
            left -= len(parts[-1]) + 1
        path = tmp_path / f"{total}.tar"
        with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
            _member(tar, "mytorch/__init__.py", b"")
            _member(tar, "mytorch/" + "/".join(parts) + "/x.py")
        return path

    with pytest.raises(HandinError, match=r"^refused: member 'mytorch/d+\.\.\.' has a path over 1024 bytes$"):
        extract_handin(archive(length), tmp_path / "out")
    extracted = extract_handin(archive(1000), tmp_path / "fine")
    assert len([path for path in extracted.rglob("x.py")]) == 1
