"""The documentation runs as written: every ``python`` block of README.md and docs/*.md.

Blocks of one file run in order in one namespace (a later block may use an earlier one's
names), in a temporary working folder; the blocks of the pages a newcomer reads first
(``FIRST_READS``) must also run each alone, as a reader copies them. A block that must not
run (one that needs a file the reader has, or runs for minutes) is preceded by the line
``<!-- no-run -->``. A block that imports an optional package (PyTorch itself, not
``mytorch as torch``; matplotlib) runs where that package is installed and is skipped where it
is not.

Also checked: the values the pages say a ``print`` gives (``STATED``), and that every relative
link names a file that exists and, after ``#``, a heading of that file.
"""

from __future__ import annotations

import argparse
import builtins
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEFAULT_RNG = np.random.default_rng
BLOCK = re.compile(r"(<!-- no-run -->\n)?```python\n(.*?)```", re.S)


OPTIONAL = ("torch", "matplotlib")
"""Packages a page's block may use that MyTorch does not need: such a block runs only where they are."""


def needs(source: str) -> set[str]:
    """The optional packages that ``source`` imports (``import mytorch as torch`` is not PyTorch)."""
    imported = re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", source, re.M)
    return {name for name in imported if name in OPTIONAL}


def test_a_block_needs_pytorch_only_when_it_imports_pytorch_itself() -> None:
    assert needs("import mytorch as torch\nimport mytorch.nn as nn\n") == set()
    assert needs("import numpy as np\nimport torch\n") == {"torch"}
    assert needs("from torch import nn\n") == {"torch"}
    assert needs("if True:\n    import matplotlib.pyplot as plt\n") == {"matplotlib"}


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line number, source)`` of every block of ``page`` that is meant to run."""
    text = page.read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in BLOCK.finditer(text) if not m.group(1)]


def run_page(page: Path) -> dict[int, str]:
    """Run ``page``'s blocks in order; what each ``print`` printed, by the page's line number."""
    printed: dict[int, str] = {}

    def recording_print(*args: object, sep: str | None = " ", end: str | None = "\n", **kwargs: object) -> None:
        caller = sys._getframe(1)
        if caller.f_code.co_filename.startswith(f"{page.name}:"):
            fence = int(caller.f_code.co_filename.rpartition(":")[2])
            printed[fence + caller.f_lineno] = (" " if sep is None else sep).join(map(str, args))
        builtins.print(*args, sep=sep, end=end, **kwargs)  # type: ignore[call-overload]

    namespace: dict = {"__name__": f"docs_{page.stem}", "print": recording_print}
    for line, source in python_blocks(page):
        run_block(page, line, source, namespace)
    return printed


def run_block(page: Path, line: int, source: str, namespace: dict, how: str = "") -> None:
    """Run one block of ``page`` in ``namespace``; a failure names the page and the line."""
    if any(importlib.util.find_spec(name) is None for name in needs(source)):
        return  # (an optional package this machine lacks)
    try:
        exec(compile(source, f"{page.name}:{line}", "exec"), namespace)
    except Exception as error:  # noqa: BLE001 - report which block failed, then fail
        pytest.fail(f"{page.relative_to(ROOT)} line {line}{how}: {type(error).__name__}: {error}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_block_runs_in_order(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    run_page(page)
    capsys.readouterr()


FIRST_READS = ["README.md", "docs/engine.md", "docs/training.md", "docs/course-staff.md"]
"""The pages a newcomer copies a block from: each of their blocks must run alone."""


@pytest.mark.parametrize("name", FIRST_READS)
def test_every_block_of_a_first_read_page_runs_alone(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # a reader copies one block, not the page: a block using an earlier block's imports fails
    monkeypatch.chdir(tmp_path)
    page = ROOT / name
    for line, source in python_blocks(page):
        run_block(page, line, source, {"__name__": f"docs_{page.stem}_{line}"}, ", run alone")
    capsys.readouterr()


FIRST_EXAMPLE = [  # the tape by hand, in README.md and docs/engine.md
    (
        "print(dW)  # the parameter's gradient, in place: [[0.181 0.361] [0.027 0.053]]",
        r"\[\[0\.1807\d* 0\.3614\d*\]\n \[0\.0265\d* 0\.0531\d*\]\]",
    ),
    (
        "print(autograd.gradient_buffer.get_param(x))  # the data's gradient, from the buffer: [[0.144 -0.174]]",
        r"\[\[ 0\.1435\d* -0\.1740\d*\]\]",
    ),
]
STATED = {
    # page: [(a print line as the page shows it, with its comment; what that print must print)];
    # a group named zero is a loss the comment calls ~0.00
    "docs/engine.md": FIRST_EXAMPLE,
    "README.md": [
        *FIRST_EXAMPLE,
        (
            'print(f"{y.item():.3f}", x1.grad.item(), f"{x2.grad.item():.3f}")  # 11.652 5.5 1.716',
            r"11\.652 5\.5 1\.716",
        ),
        (
            "print(grad(grad(lambda t: t**3))(torch.tensor(2.0)))  # d²/dx² x³ = 6x at x = 2: tensor(12.)",
            r"tensor\(12\.\)",
        ),
        ('print(f"{loss.item():.4f}")  # 0.0000', r"0\.0000"),
    ],
    "docs/tensor.md": [
        ("print(x1.grad.item(), x2.grad.item())  # 5.5 1.716", r"5\.5 1\.716\d*"),
        (
            "print(h.grad, x.grad)  # [2, 2] and 6 e^(3x)",
            r"tensor\(\[2\., 2\.\]\) tensor\(\[\s*120\.51\d*,\s*2420\.57\d*\s*\]\)",
        ),
        ("print(loss.item(), net(x).argmax(dim=1).tolist())  # ~0.00 [0, 0, 0, 1]", r"(?P<zero>\S+) \[0, 0, 0, 1\]"),
        ("print(len(loader), [len(yb) for xb, yb in loader])  # 3 [4, 4, 2]", r"3 \[4, 4, 2\]"),
    ],
    "docs/training.md": [
        ("print(loss, layer2(relu(layer1(x))).argmax(axis=1))  # [~0.00] [0 0 0 1]", r"\[(?P<zero>\S+)\] \[0 0 0 1\]"),
    ],
}


def seeded_only(seed: object = None) -> np.random.Generator:
    """``numpy.random.default_rng`` that refuses to draw fresh entropy.

    A value a page shows must be the value every reader gets: a generator made without a
    seed (for example ``Linear(..., rng=None)``) would make it a matter of luck.
    """
    if seed is None:
        raise AssertionError("a printed value depends on an unseeded generator: give the page's code a seed")
    return DEFAULT_RNG(seed)


@pytest.mark.parametrize("name", sorted(STATED))
def test_what_a_page_says_a_print_gives_is_what_it_prints(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(np.random, "default_rng", seeded_only)
    page = ROOT / name
    lines = page.read_text().splitlines()
    printed = run_page(page)
    capsys.readouterr()
    for shown, pattern in STATED[name]:
        numbers = [i + 1 for i, line in enumerate(lines) if line.strip() == shown]
        assert numbers, f"{name} no longer shows {shown!r}: update STATED with the page"
        for number in numbers:
            match = re.fullmatch(pattern, printed.get(number, ""))
            assert match, f"{name} line {number}: {shown!r} printed {printed.get(number)!r}"
            if "zero" in match.groupdict():
                assert abs(float(match["zero"])) < 0.005, f"{name} line {number}: the loss is {match['zero']}"


HEADING = re.compile(r"^#{1,6} (.+)$", re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCED = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(page: Path) -> set[str]:
    """The ``#fragment`` of each heading of ``page``, as GitHub makes them."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCED.sub("", page.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = sum(1 for a in found if a == slug or re.fullmatch(re.escape(slug) + r"-\d+", a))
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


@pytest.mark.parametrize(
    "page", [*PAGES, *sorted((ROOT / "bench").glob("*.md"))], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in LINK.findall(FENCED.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # a web address: not checked offline
        path, _, fragment = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        assert destination.exists(), f"{page.relative_to(ROOT)} links to {target}, which does not exist"
        if fragment and destination.suffix == ".md":
            assert fragment in anchors(destination), f"{page.relative_to(ROOT)} links to {target}: no such heading"


def test_every_python_m_command_a_page_shows_names_a_module() -> None:
    for page in [*PAGES, *sorted((ROOT / "bench").glob("*.md"))]:
        for name in sorted(set(re.findall(r"python -m ([A-Za-z_][\w.]*\w)", page.read_text()))):
            if any(part.isupper() for part in name.split(".")):
                continue  # a placeholder: python -m examples.NAME
            try:
                found = importlib.util.find_spec(name)
            except ModuleNotFoundError:  # (a missing parent package)
                found = None
            assert found, f"{page.relative_to(ROOT)} shows python -m {name}: no such module"


def test_training_md_lists_each_data_sets_defaults_as_the_runner_has_them() -> None:
    from hw_bonus.mlp_runner import PRESETS

    text = (ROOT / "docs" / "training.md").read_text()
    header = re.search(r"^\| `--dataset` \|(.*)\|$", text, re.M)
    assert header, "docs/training.md lost its table of each data set's defaults"
    options = [cell.strip().strip("`").removeprefix("--").replace("-", "_") for cell in header[1].split("|")]
    table = text[header.end() :].split("\n\n")[0]
    rows = dict(re.findall(r"^\| `([\w-]+)` \|(.*)\|$", table, re.M))
    assert set(rows) == set(PRESETS), "docs/training.md's table names other data sets than PRESETS"
    for dataset, cells in rows.items():
        shown = dict(zip(options, (cell.strip() for cell in cells.split("|"))))
        preset = {k: " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in PRESETS[dataset].items()}
        assert shown == {k: preset[k] for k in options}, f"docs/training.md's {dataset} row"
        assert (preset["optimizer"], preset["momentum"]) == ("sgd", "0.9"), (
            "the table says every set trains with SGD 0.9"
        )


@pytest.mark.parametrize("name", ["README.md", "docs/training.md"])
def test_the_main_job_is_described_with_the_runners_defaults(name: str) -> None:
    from hw_bonus.mlp_runner import PRESETS

    text = " ".join((ROOT / name).read_text().split())
    said = re.search(
        r"trains a 784-([\d-]+)-10 (\w+) network \(SGD, lr ([\d.]+), momentum ([\d.]+), batches of (\d+), "
        r"(\d+) epochs, float32\) on `mnist-5k`",
        text,
    )
    assert said, f"{name} no longer describes the main job in the words this test reads"
    preset = PRESETS["mnist-5k"]
    assert [int(n) for n in said[1].split("-")] == preset["hidden"]
    assert (said[2].lower(), said[3], said[4], said[5], said[6]) == (
        preset["activation"],
        str(preset["lr"]),
        str(preset["momentum"]),
        str(preset["batch_size"]),
        str(preset["epochs"]),
    )
    assert preset["optimizer"] == "sgd"


def test_the_main_job_prints_what_the_readme_and_training_md_show(tmp_path: Path) -> None:
    # the whole main job (about 1.4 s of CPU time) as a reader runs it, in a process of its own
    # (BLAS on one thread: in this process NumPy may have more, and they change the accuracy):
    # the sample's first lines and the test accuracy; its later losses are left out (their
    # last digits vary with the CPU's BLAS kernel)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")} | {"PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "hw_bonus.mlp_runner", "--no-plots"]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    sample = re.search(
        r"^```\n(MyTorch MLP on mnist-5k: .*?)```", (ROOT / "docs" / "training.md").read_text(), re.S | re.M
    )
    assert sample, "docs/training.md lost the main job's sample output"
    shown = sample[1].splitlines()
    speed = re.compile(r"  +[\d,]+ ex/s  left \d+:\d\d$")  # (the clock's share of the line)
    assert printed[:2] == shown[:2]
    assert speed.sub("", printed[2]) == speed.sub("", shown[2])  # epoch 1
    accuracy = re.compile(r"test accuracy [\d.]+% \(\d+/\d+\)")
    result = next(accuracy.match(line)[0] for line in printed if accuracy.match(line))
    assert result == next(accuracy.match(line)[0] for line in shown if accuracy.match(line))
    said = re.search(r"ends\s+with `(test accuracy [^`]*)`", (ROOT / "README.md").read_text())
    assert said and said[1] == result, f"README.md's set-up says the main job ends with {said and said[1]!r}"


def layout_names() -> list[tuple[str, Path]]:
    """What README.md's Layout block names: ``(the name as written, the folder it is in)``."""
    layout = re.search(r"^## Layout\n\n```\n(.*?)```", (ROOT / "README.md").read_text(), re.S | re.M)
    assert layout, "README.md lost its Layout block"
    folder, named = ROOT, []
    for line in layout[1].splitlines():
        names = re.split(r"\s{2,}", line.strip())[0] if line.strip() else ""
        if not names or line.startswith(" " * 20):
            continue  # a description's second line
        top = not line.startswith(" ")
        named += [(name.split(" (")[0], ROOT if top else folder) for name in names.split(", ")]  # "nn/ (other files)"
        if top and names.endswith("/"):
            folder = ROOT / names.rstrip("/")
    return named


def test_every_path_the_readme_layout_names_exists() -> None:
    for name, base in layout_names():
        assert list(base.glob(name.rstrip("/"))), f"README.md's layout names {name}, which {base} lacks"


def test_the_readme_layout_names_every_folder_two_levels_down() -> None:
    named = {(base / name.rstrip("/")).resolve() for name, base in layout_names()}
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout: which folders are the project's is git's list")
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    folders = {ROOT.joinpath(*Path(f).parts[:depth]) for f in listed.stdout.split() for depth in (1, 2)}
    folders = {f for f in folders if f.is_dir() and not f.name.startswith(".")}
    missing = sorted(f.relative_to(ROOT).as_posix() for f in folders - named)
    assert not missing, f"README.md's layout does not name {missing}"


def test_course_staff_md_shows_what_its_three_commands_print(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "course-staff.md").read_text()
    commands = re.search(r"```bash\n(.*?)```\n\n```text\n(.*?)```", text, re.S)
    assert commands, "docs/course-staff.md lost its three commands and their output"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    printed = []
    for line in commands[1].splitlines():
        argv = line.split("#")[0].split()
        assert argv[:2] == ["python", "-m"], line
        done = subprocess.run(
            [sys.executable, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout.strip().splitlines()[-1])
    assert printed == commands[2].strip().splitlines()


def test_the_readmes_where_next_table_lists_every_docs_page_once() -> None:
    section = re.search(r"^## Where next\n(.*?)^## ", (ROOT / "README.md").read_text(), re.S | re.M)
    assert section, "README.md lost its Where next section"
    rows = re.findall(r"^\| (?:.*?, then )?\[(docs/[\w-]+\.md)\]\(\1\) \|", section[1], re.M)
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    assert sorted(rows) == pages, f"README.md's Where next table lists {sorted(rows)}, docs/ holds {pages}"


def test_readme_stays_short_enough_to_read_in_five_minutes() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/"


def _results_ratios() -> tuple[str, dict[tuple[str, str, str], str]]:
    """bench/results.md's run time and its step ratios, by (case, dtype, implementation)."""
    text = (ROOT / "bench" / "results.md").read_text()
    when = re.search(r"^- run: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$", text, re.M)
    assert when, "bench/results.md no longer says when it ran"
    header = re.search(r"^\| case \| dtype \|(.*)\|$", text, re.M)
    assert header, "bench/results.md lost its table"
    impls = [cell.strip() for cell in header[1].split("|")]
    ratios = {}
    for case, dtype, cells in re.findall(r"^\| ([\w-]+) \| (float\d+) \|(.*)\|$", text, re.M):
        for impl, cell in zip(impls, cells.split("|")):
            found = re.search(r"\((\d+\.\d+)×\)", cell)
            if found:
                ratios[case, dtype, impl] = found[1]
    return when[1], ratios


def test_performance_md_shows_the_numbers_of_bench_results_md() -> None:
    when, ratios = _results_ratios()
    text = (ROOT / "docs" / "performance.md").read_text()
    assert f"the full run of {when} UTC" in text, f"docs/performance.md's How fast is not the run of {when}"
    columns = {"dynamic modules": "mytorch", "replay": "replay", "`Tensor`": "tensor", "`nn`": "nn"}
    columns |= {"`nn` replayed": "nn-replay", "PyTorch": "torch"}
    header = re.search(r"^\| case \| dynamic modules \|(.*)\|$", text, re.M)
    assert header, "docs/performance.md lost its How fast table"
    shown = ["dynamic modules", *(cell.strip() for cell in header[1].split("|"))]
    rows = re.findall(r"^\| `([\w-]+)` \| (\d.*)\|$", text[header.end() :].split("\n\n")[0], re.M)
    assert len(rows) >= 6, rows
    for case, cells in rows:
        for column, cell in zip(shown, cells.split("|")):
            expected = [ratios.get((case, dtype, columns[column])) for dtype in ("float64", "float32")]
            assert cell.strip() == f"{expected[0]}× / {expected[1]}×", f"docs/performance.md: {case}, {column}"
    # the summary at the top: the small networks' ranges
    summary = re.search(r"the run of ([\d-]+ [\d:]+)\) \| ([\d.]+)–([\d.]+)× [^|]*\| ([\d.]+)–([\d.]+)× ", text)
    assert summary, "docs/performance.md lost its summary of the small networks"
    small = [(case, dtype) for case in ("tiny-b1", "tiny-b64", "course", "deep") for dtype in ("float64", "float32")]
    for impl, low, high in (("mytorch", summary[2], summary[3]), ("replay", summary[4], summary[5])):
        values = sorted(float(ratios[case, dtype, impl]) for case, dtype in small)
        assert (float(low), float(high)) == (values[0], values[-1]), f"docs/performance.md's summary of {impl}"
    assert summary[1] == when, "docs/performance.md's summary is of another run"


class _Parsed(Exception):
    """Raised in place of parsing: carries the parser a command built."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def _parser_of(command: str, monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    """The argument parser of ``command`` as a page spells it, built in this process, nothing run."""

    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise _Parsed(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    monkeypatch.setattr(sys, "argv", [command])
    if command == "autograder/runner.py":
        from autograder.cli import _parser

        return _parser()
    if command == "hw_bonus.mlp_runner":
        from hw_bonus.mlp_runner import build_parser

        return build_parser()
    entry = {"bench": "bench.cli:_parse", "scripts/bench_grader_batch.py": "scripts.bench_grader_batch:main"}
    module, _, function = entry.get(command, f"{command}:main").partition(":")
    with pytest.raises(_Parsed) as parsed:
        getattr(importlib.import_module(module), function)(*([] if module.startswith("scripts") else [None]))
    return parsed.value.parser


def _shown_commands() -> dict[str, set[str]]:
    """Each ``python`` command the pages show (in a bash block or as inline code) and the options it is given."""
    shown: dict[str, set[str]] = {}
    for page in [*PAGES, *sorted((ROOT / "bench").glob("*.md"))]:
        text = page.read_text()
        lines = [line for block in re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()]
        lines += re.findall(r"`(python [^`]+)`", text)
        for line in lines:
            for part in line.split("#")[0].split("&&"):
                argv = part.split()
                if argv[:1] != ["python"] or len(argv) < 2:
                    continue
                command = argv[2] if argv[1] == "-m" and len(argv) > 2 else argv[1]
                options = {arg.strip("[]").split("=")[0] for arg in argv if arg.strip("[").startswith("--")}
                shown.setdefault(command.rstrip(":"), set()).update(options)
    return shown


WITH_OPTIONS = [
    "autograder/runner.py",
    "autograder.deploy.build",
    "autograder.make_handout",
    "bench",
    "hw_bonus.mlp_runner",
    "hw_bonus.demos.lab_trace",
    "scripts/bench_grader_batch.py",
]


def test_the_commands_whose_options_are_checked_are_the_ones_shown_with_options() -> None:
    shown = {command for command, options in _shown_commands().items() if options}
    assert shown - {"pytest"} <= set(WITH_OPTIONS), f"add {sorted(shown - set(WITH_OPTIONS))} to WITH_OPTIONS"


@pytest.mark.parametrize("command", WITH_OPTIONS)
def test_every_option_a_page_gives_a_command_is_one_it_takes(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = _parser_of(command, monkeypatch)
    takes = {option for action in parser._actions for option in action.option_strings}
    unknown = _shown_commands().get(command, set()) - takes
    assert not unknown, f"the docs give {command} {sorted(unknown)}, which it does not take"


def test_training_md_documents_every_option_of_the_runner_and_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = _parser_of("hw_bonus.mlp_runner", monkeypatch)
    takes = {option for action in parser._actions for option in action.option_strings} - {"-h", "--help"}
    named = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", (ROOT / "docs" / "training.md").read_text()))
    assert named - takes == set(), f"docs/training.md names {sorted(named - takes)}, which the runner does not take"
    assert takes - named == set(), f"docs/training.md does not document {sorted(takes - named)}"


def _code_spans(page: Path) -> list[str]:
    return re.findall(r"`([^`\n]+)`", FENCED.sub("", page.read_text()))


def _resolves(name: str) -> bool:
    """Whether a dotted name is a module of the project or an attribute of one."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            if not hasattr(found, part):
                return False
            found = getattr(found, part)
        return True
    return False


DOTTED = re.compile(r"(?<![\w./-])((?:mytorch|hw_bonus|autograder)(?:\.[A-Za-z_]\w*)+)")
PATH = re.compile(r"(?<![\w/.-])((?:mytorch|hw_bonus|autograder|tests|bench|scripts|examples|docs)/[\w./*-]*)")
NOT_HERE = {
    # the handout's files, named beside MyTorch's in docs/course-staff.md's table of names
    "mytorch/nn/functional_hw1.py",
    "autograder/runner_hw1.py",
    "autograder/helpers.py",
    "autograder/test_basic_functional.py",
    "bench/results-quick.md",  # written by python -m bench --quick, not committed
}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_name_and_path_a_page_quotes_is_in_the_code(page: Path) -> None:
    spans = _code_spans(page)
    names = {n for span in spans for n in DOTTED.findall(span) if not re.search(r"\.(zip|tar|py|md|X)$", n)}
    missing = sorted(name for name in names if not _resolves(name))
    assert not missing, f"{page.relative_to(ROOT)} quotes {missing}, which the code does not have"
    paths = {p for span in spans for p in PATH.findall(span)} - NOT_HERE
    missing = sorted(p for p in paths if not list(ROOT.glob(p.rstrip("/"))))
    assert not missing, f"{page.relative_to(ROOT)} quotes {missing}, which the checkout does not have"
