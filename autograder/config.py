"""A grading configuration: which sections run, what each is worth, what students see.

Course staff write it in TOML (Python 3.11+) or JSON and pass it with ``--config FILE``::

    extras = false                  # MyTorch's extra sections too? (default: the course's 50 points only)
    visibility = "visible"          # Gradescope: when students see the results
    stdout_visibility = "hidden"    # Gradescope: when students see the runner's printout
    inputs = "fresh"                # draw the tests' inputs afresh on every run (default "seeded")

    [sections.activation]
    points = 10                     # the section's total; its tests are scaled in proportion

    [sections.kernels]
    enabled = true                  # run one extra section without the others

    [tests."linear/backward"]
    points = 5
    visibility = "after_due_date"   # Gradescope: visible, hidden, after_due_date, after_published

A test's own ``points`` override the scaling of its section. Every key, section, test id and
value is checked: a mistake raises ``ConfigError`` naming the file and the key, before any
test runs. The configuration is data: it is parsed, never executed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .grading import SECTIONS, GradedTest

__all__ = ["INPUTS", "MAX_POINTS", "VISIBILITIES", "ConfigError", "GradingConfig", "load_config", "read_file"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibility values."""

INPUTS = ("seeded", "fresh")
"""How the tests' inputs are drawn: from their seeds (the same numbers on every run, which ship with the
starter), or from a salt the runner draws from the operating system's entropy on every run."""

MAX_POINTS = 1_000_000
"""The most points a section or test may be given: 1e308 passed as finite, and the tests' points scaled
from it overflowed to inf, which ``results.json`` then held as ``Infinity`` (not JSON: Gradescope could
not read any student's result, and the builders shipped such a kit)."""

_TOP = {"extras": bool, "visibility": str, "stdout_visibility": str, "inputs": str, "sections": dict, "tests": dict}
_SECTION = {"points": (int, float), "visibility": str, "enabled": bool}
_TEST = {"points": (int, float), "visibility": str}


class ConfigError(ValueError):
    """The configuration file is unreadable or says something the grader cannot do."""


@dataclass(frozen=True)
class GradingConfig:
    """A parsed and checked configuration (the defaults: the course's 50 points, all visible).

    Attributes:
        extras: also run MyTorch's extra sections.
        visibility: Gradescope's ``visibility`` of the whole result.
        stdout_visibility: Gradescope's ``stdout_visibility``; None lets the runner choose
            (hidden when a test is hidden, since the printout names every test).
        sections: ``{section: {"points"?, "visibility"?, "enabled"?}}``.
        tests: ``{test id: {"points"?, "visibility"?}}``.
        inputs: "seeded" (the tests' inputs from their seeds) or "fresh" (salted afresh on every run).
        source: the file it came from ("" for the defaults).
    """

    extras: bool = False
    visibility: str = "visible"
    stdout_visibility: str | None = None
    inputs: str = "seeded"
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""

    def section_names(self) -> list[str]:
        """The sections that run, in report order."""
        names = []
        for name, section in SECTIONS.items():
            enabled = self.sections.get(name, {}).get("enabled")
            if enabled if enabled is not None else (section.course or self.extras):
                names.append(name)
        return names

    def sections_to_run(self) -> list[str]:
        """``section_names()``, refusing none: an empty list of sections is every section to
        ``collect``, so a configuration disabling the course's five (extras off) graded all nine
        sections and published their 98 points (``runner.py --list`` showed all 48 tests).

        Raises:
            ConfigError: no section is enabled.
        """
        names = self.section_names()
        if not names:
            raise ConfigError(
                f"{self.source or 'the configuration'}: no section is enabled, so nothing would be graded"
            )
        return names

    def apply(self, tests: Iterable[GradedTest]) -> list[GradedTest]:
        """``tests`` with this configuration's points and visibility.

        Raises:
            ConfigError: a test id in the configuration that is not among ``tests`` (a
                test of a section that does not run).
        """
        tests = list(tests)
        known = {t.id for t in tests}
        for test_id in self.tests:
            if test_id not in known:
                raise ConfigError(
                    f"{self.source}: tests.{test_id!r} is not graded in this run (its section does not run)"
                )
        totals: dict[str, float] = {}
        for test in tests:
            totals[test.section] = totals.get(test.section, 0.0) + test.points
        adjusted = []
        for test in tests:
            section, own = self.sections.get(test.section, {}), self.tests.get(test.id, {})
            points = test.points
            if "points" in section and totals[test.section] > 0:
                points = test.points * section["points"] / totals[test.section]
            points = float(own.get("points", points))
            visibility = own.get("visibility", section.get("visibility", self.visibility))
            adjusted.append(dataclasses.replace(test, points=points, visibility=visibility))
        return adjusted


def _check_table(table: Any, allowed: dict[str, Any], path: Path, prefix: str = "") -> dict[str, Any]:
    """``table`` if its keys and values are allowed; ``prefix`` (``sections.linear.``) names it."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'the file'} must be a table of settings, got {table!r}")
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{path}: unknown setting {prefix}{key!r}; known: {', '.join(allowed)}")
        kinds = allowed[key]
        if isinstance(value, bool) and kinds is not bool or not isinstance(value, kinds):
            names = {bool: "true or false", str: "a string", dict: "a table of settings"}.get(kinds, "a number")
            raise ConfigError(f"{path}: {prefix}{key} must be {names}, got {value!r}")
        if key == "inputs" and value not in INPUTS:
            raise ConfigError(f"{path}: {prefix}inputs is {value!r}; it is one of {', '.join(INPUTS)}")
        if key.endswith("visibility") and value not in VISIBILITIES:
            raise ConfigError(f"{path}: {prefix}{key} is {value!r}; Gradescope knows {', '.join(VISIBILITIES)}")
        if key == "points" and not (math.isfinite(value) and 0 <= value <= MAX_POINTS):
            raise ConfigError(
                f"{path}: {prefix}points must be a finite number >= 0 and at most {MAX_POINTS:,}, got {value!r}"
            )
    return table


def _unique(pairs: list[tuple[str, Any]], path: Path) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a key given twice: ``json`` keeps the last silently
    (two ``"sections"`` tables, the first one's weights dropped without a word), where TOML refuses."""
    table: dict[str, Any] = {}
    for key, value in pairs:
        if key in table:
            raise ConfigError(f"{path}: the key {key!r} is given twice; give each setting once")
        table[key] = value
    return table


def read_file(path: Path) -> Any:
    """The parsed content of a ``.toml`` or ``.json`` file (not yet checked).

    Raises:
        ConfigError: the file cannot be read or parsed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the configuration {path}: {error.strerror or error}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text, object_pairs_hook=lambda pairs: _unique(pairs, path))
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}: not valid JSON: {error}") from None
    if path.suffix != ".toml":
        raise ConfigError(f"{path}: a configuration file ends in .toml or .json")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise ConfigError(f"{path}: reading TOML needs Python 3.11 or later; write the configuration as JSON") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def load_config(path: str | Path) -> GradingConfig:
    """Read and check the configuration in ``path`` (``.toml`` or ``.json``).

    Raises:
        ConfigError: the file cannot be read or parsed, or holds an unknown key, section or
            test id, a value of the wrong type, negative points or an unknown visibility.
    """
    from .grading import collect

    path = Path(path)
    data = _check_table(read_file(path), _TOP, path)
    sections = data.get("sections", {})
    for name, table in sections.items():
        if name not in SECTIONS:
            raise ConfigError(f"{path}: unknown section {name!r}; known: {', '.join(SECTIONS)}")
        _check_table(table, _SECTION, path, f"sections.{name}.")
    tests = data.get("tests", {})
    known = {t.id for t in collect()}
    for test_id, table in tests.items():
        if test_id not in known:
            raise ConfigError(f"{path}: unknown test {test_id!r}; `runner.py --list --extras` lists them")
        _check_table(table, _TEST, path, f"tests.{test_id!r}.")
    config = GradingConfig(
        extras=data.get("extras", False),
        visibility=data.get("visibility", "visible"),
        stdout_visibility=data.get("stdout_visibility"),
        inputs=data.get("inputs", "seeded"),
        sections=sections,
        tests=tests,
        source=str(path),
    )
    return config
