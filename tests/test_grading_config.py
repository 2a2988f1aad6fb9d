"""The grading configuration: the course's 50 points by default, sections reweighted, tests
hidden, and every mistake in the file named before any test runs."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest tests/...` without `python -m`: make `autograder` importable
    sys.path.insert(0, str(ROOT))

from autograder.config import ConfigError, GradingConfig, load_config  # noqa: E402
from autograder.deploy.build import build_gradescope  # noqa: E402
from autograder.grading import SECTIONS, collect  # noqa: E402

COURSE = ["autograd", "operations", "linear", "activation", "loss"]
needs_tomllib = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="TOML configurations are read with Python 3.11's tomllib"
)


def write(tmp_path: Path, text: str, name: str = "grading.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_default_is_the_courses_fifty_points_all_visible():
    config = GradingConfig()
    assert config.section_names() == COURSE
    tests = config.apply(collect(config.section_names()))
    assert sum(t.points for t in tests) == 50
    assert {t.visibility for t in tests} == {"visible"}
    assert GradingConfig(extras=True).section_names() == list(SECTIONS)


@needs_tomllib
def test_sections_are_reweighted_in_proportion_and_tests_hidden(tmp_path):
    path = write(
        tmp_path,
        """
visibility = "after_due_date"
stdout_visibility = "hidden"
[sections.activation]
points = 10
[sections.kernels]
enabled = true
[sections.loss]
enabled = false
[tests."linear/backward"]
points = 5
visibility = "hidden"
""",
    )
    config = load_config(path)
    assert config.section_names() == ["autograd", "operations", "linear", "activation", "kernels"]
    tests = {t.id: t for t in config.apply(collect(config.section_names()))}
    assert tests["activation/Sigmoid backward"].points == 2 and tests["activation/Sigmoid forward"].points == 0.5
    assert sum(t.points for t in tests.values() if t.section == "activation") == 10
    assert tests["linear/backward"].points == 5 and tests["linear/backward"].visibility == "hidden"
    assert tests["linear/forward"].visibility == "after_due_date"
    assert config.stdout_visibility == "hidden"


def test_json_works_as_well(tmp_path):
    path = write(tmp_path, json.dumps({"extras": True, "tests": {"mlp/learns the disc task": {"points": 0}}}), "g.json")
    config = load_config(path)
    assert config.extras and config.tests == {"mlp/learns the disc task": {"points": 0}}


@needs_tomllib
@pytest.mark.parametrize(
    "text, problem",
    [
        ("extra = true", "unknown setting 'extra'; known: extras"),
        ("extras = 1", "extras must be true or false, got 1"),
        (
            "[sections.linear]\npoints = -1",
            "sections.linear.points must be a finite number >= 0 and at most 1,000,000, got -1",
        ),
        ("[sections.linear]\npoints = true", "sections.linear.points must be a number, got True"),
        ("[sections.lineer]\npoints = 1", "unknown section 'lineer'; known: autograd"),
        ('[tests."linear/backwards"]\npoints = 1', "unknown test 'linear/backwards'"),
        ('[tests."linear/backward"]\nvisibility = "secret"', "visibility is 'secret'; Gradescope knows visible"),
        ("sections = 3", "sections must be a table of settings"),
        ("extras = [", "grading.toml: not valid TOML"),
    ],
)
def test_mistakes_are_named_with_file_and_key(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


@pytest.mark.parametrize("points", [1e308, 1_000_001])
def test_points_too_large_for_a_results_file_are_refused(tmp_path, points):
    """1e308 points passed as finite; the tests' points scaled from it overflowed to inf, and
    results.json held ``Infinity``, which is not JSON."""
    path = write(tmp_path, json.dumps({"sections": {"linear": {"points": points}}}), "g.json")
    with pytest.raises(ConfigError, match=r"sections.linear.points must be a finite number >= 0 and at most 1,000,000"):
        load_config(path)
    path = write(tmp_path, json.dumps({"sections": {"linear": {"points": 1_000_000}}}), "ok.json")
    tests = load_config(path).apply(t for t in collect() if t.section == "linear")
    assert sum(t.points for t in tests) == 1_000_000


def test_a_configuration_that_enables_no_section_is_refused(tmp_path):
    """Every course section disabled (and extras off) left no section to run, and an empty list of
    sections is every section to ``collect``: runner.py --list showed all 48 tests, extras included,
    and a run would have graded and published their 98 points."""
    text = json.dumps({"sections": {name: {"enabled": False} for name in COURSE}})
    config = load_config(write(tmp_path, text, "g.json"))
    with pytest.raises(ConfigError, match="g.json: no section is enabled, so nothing would be graded"):
        config.sections_to_run()
    with pytest.raises(ConfigError, match="no section is enabled"):
        build_gradescope(tmp_path / "kit.zip", tmp_path / "g.json")
    assert not (tmp_path / "kit.zip").exists()
    assert dataclasses.replace(config, extras=True).sections_to_run()[0] == "loss_extra"  # (runner.py --extras)
    text = json.dumps({"sections": {**{name: {"enabled": False} for name in COURSE}, "mlp": {"enabled": True}}})
    assert load_config(write(tmp_path, text, "g.json")).sections_to_run() == ["mlp"]


def test_the_builders_refuse_a_configuration_naming_a_test_of_a_section_that_does_not_run(tmp_path):
    """The runner stops on it ('is not graded in this run'), so a kit built around it gave every
    student 0 points with 'the grader stopped'; the builders checked the file but not this."""
    text = json.dumps({"sections": {"linear": {"enabled": False}}, "tests": {"linear/backward": {"points": 5}}})
    with pytest.raises(ConfigError, match=r"tests.'linear/backward' is not graded in this run"):
        build_gradescope(tmp_path / "kit.zip", write(tmp_path, text, "g.json"))
    assert not (tmp_path / "kit.zip").exists()


def test_a_json_key_given_twice_is_refused_as_toml_refuses_it(tmp_path):
    """``json`` keeps the last of two equal keys: the first "sections" table's weights were dropped
    without a word."""
    text = '{"sections": {"linear": {"points": 20}}, "sections": {"loss": {"points": 10}}}'
    with pytest.raises(ConfigError, match="the key 'sections' is given twice"):
        load_config(write(tmp_path, text, "g.json"))
    text = '{"sections": {"linear": {"points": 20, "points": 5}}}'
    with pytest.raises(ConfigError, match="the key 'points' is given twice"):
        load_config(write(tmp_path, text, "g.json"))


def test_fresh_inputs_answer_no_table_of_the_seeded_ones_and_keep_the_references_right(tmp_path):
    """The seeds of every test ship with the starter: a hand-in could carry the right answers to the
    seeded inputs, made beforehand (with PyTorch, say), and look them up. Under ``inputs = "fresh"``
    the runner salts the seeds afresh on every run: no input of a course test is the seeded one, and
    the references still judge the reference solution right."""
    from autograder.checks import salt_inputs
    from autograder.grading import run_in_process

    assert load_config(write(tmp_path, json.dumps({"inputs": "fresh"}), "g.json")).inputs == "fresh"
    assert GradingConfig().inputs == "seeded"
    with pytest.raises(ConfigError, match="inputs is 'random'; it is one of seeded, fresh"):
        load_config(write(tmp_path, json.dumps({"inputs": "random"}), "bad.json"))

    tests = collect(["operations", "linear", "loss"])
    seeded = [t.inputs() for t in tests]
    table = {array.tobytes() for inputs in seeded for array in inputs.values() if array.size > 1}
    try:
        salt_inputs(20261204)
        for test, before in zip(tests, seeded):
            after = test.inputs()
            assert after.keys() == before.keys() and all(after[k].shape == before[k].shape for k in after)
            drawn = [a for a in after.values() if a.dtype.kind == "f" and (a != np.round(a)).any()]  # (not one-hot)
            assert drawn and not any(a.tobytes() in table for a in drawn), test.id
            run_in_process(test)
    finally:
        salt_inputs(None)
    assert all(np.array_equal(a, b) for t, s in zip(tests, seeded) for a, b in zip(t.inputs().values(), s.values()))


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="Python 3.10 only: it has no tomllib")
def test_before_python_3_11_a_toml_configuration_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(ConfigError, match="reading TOML needs Python 3.11 or later; write the configuration as JSON"):
        load_config(write(tmp_path, "extras = true"))


def test_an_unreadable_or_unknown_kind_of_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=r"ends in \.toml or \.json"):
        load_config(write(tmp_path, "x", "grading.yaml"))


@needs_tomllib
def test_a_test_of_a_section_that_does_not_run_is_refused(tmp_path):
    config = load_config(write(tmp_path, '[tests."kernels/neg"]\npoints = 1'))
    with pytest.raises(ConfigError, match="'kernels/neg' is not graded in this run"):
        config.apply(collect(config.section_names()))


def test_the_runner_applies_a_configuration_to_its_reports(tmp_path):
    config = write(tmp_path, json.dumps({
        "sections": {s: {"enabled": s == "operations"} for s in COURSE} | {"operations": {"points": 12}},
        "tests": {"operations/exp": {"visibility": "hidden"}},
    }), "grading.json")  # fmt: skip
    results = tmp_path / "results.json"
    command = [sys.executable, str(ROOT / "autograder" / "runner.py"), "--config", str(config), "--json", str(results)]
    command += ["--jobs", "2", "--timeout", "60"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"scores": {"operations": 12}}, done.stdout
    data = json.loads(results.read_text())
    assert data["score"] == 12 and {t["max_score"] for t in data["tests"]} == {2}
    hidden = [t["name"] for t in data["tests"] if t["visibility"] == "hidden"]
    assert hidden == ["operations: exp"] and data["stdout_visibility"] == "hidden"
    assert "5/5" in data["output"] and "1 more tests are not shown yet" in data["output"]


@needs_tomllib
def test_the_runner_refuses_a_bad_configuration_before_grading(tmp_path):
    config = write(tmp_path, "[sections.lineer]\npoints = 1")
    done = subprocess.run([sys.executable, str(ROOT / "autograder" / "runner.py"), "--config", str(config)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1 and "unknown section 'lineer'" in done.stderr and "PASS" not in done.stdout
