"""What the runner prints and writes: one line per test, the reasons for failures, a summary
table, the Autolab line ``{"scores": {...}}`` and Gradescope's ``results.json``."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from .grading import SECTIONS, Outcome

__all__ = [
    "INDENT",
    "SectionScore",
    "autolab_line",
    "gradescope_results",
    "outcome_line",
    "section_scores",
    "summary_table",
]


def _number(value: float) -> float | int:
    """3.0 -> 3 (scores read better without a trailing .0)."""
    return int(value) if float(value).is_integer() else round(value, 4)


INDENT = "      | "
"""What begins each line of a test's reason and output under its verdict line."""


def outcome_line(outcome: Outcome) -> str:
    """``PASS  linear/forward  2/2  (0.01 s)``, then the indented reason for a failure (or a
    passing test's note)."""
    test = outcome.test
    verdict = "PASS" if outcome.passed else "FAIL"
    line = f"{verdict}  {test.id:<45} {_number(outcome.score):>3}/{_number(test.points):<3} ({outcome.seconds:.2f} s)"
    if outcome.passed and not outcome.output:
        return line
    return line + "\n" + textwrap.indent(outcome.output.rstrip(), INDENT)


@dataclass
class SectionScore:
    """A section's points: earned, possible, and the counts of tests."""

    name: str
    score: float
    max_score: float
    passed: int
    tests: int


def section_scores(outcomes: list[Outcome]) -> list[SectionScore]:
    """One entry per section that ran, in report order."""
    scores: dict[str, SectionScore] = {}
    for outcome in outcomes:
        name = outcome.test.section
        entry = scores.setdefault(name, SectionScore(name, 0.0, 0.0, 0, 0))
        entry.score += outcome.score
        entry.max_score += outcome.test.points
        entry.passed += outcome.passed
        entry.tests += 1
    return [scores[name] for name in SECTIONS if name in scores]


def summary_table(outcomes: list[Outcome]) -> str:
    """Section, tests passed, score and maximum; a subtotal for the course's sections and for
    MyTorch's extras when both ran, and a TOTAL row."""
    rows = section_scores(outcomes)
    width = max([len("Course sections (50)")] + [len(r.name) for r in rows])
    rule = "-" * (width + 30)
    lines = [f"{'Section':<{width}}  {'passed':>8}  {'score':>7}  {'max':>6}", rule]

    def row(label: str, group: list[SectionScore]) -> str:
        passed = sum(r.passed for r in group)
        count = sum(r.tests for r in group)
        score = _number(sum(r.score for r in group))
        best = _number(sum(r.max_score for r in group))
        return f"{label:<{width}}  {f'{passed}/{count}':>8}  {score:>7}  {best:>6}"

    lines += [row(r.name, [r]) for r in rows]
    course = [r for r in rows if SECTIONS[r.name].course]
    extras = [r for r in rows if not SECTIONS[r.name].course]
    if course and extras:
        lines += [rule, row("Course sections", course), row("MyTorch extras", extras)]
    lines += [rule, row("TOTAL", rows)]
    return "\n".join(lines)


def autolab_line(outcomes: list[Outcome]) -> str:
    """Autolab's score line: ``{"scores": {"autograd": 10, ...}}``, one key per section."""
    return json.dumps({"scores": {r.name: _number(r.score) for r in section_scores(outcomes)}})


def gradescope_results(
    outcomes: list[Outcome], header: str = "", visibility: str = "visible", stdout_visibility: str | None = None
) -> dict:
    """Gradescope's ``results.json``: the total and one entry per test, in Gradescope's
    documented fields (a test's time in ``extra_data``: Gradescope documents
    ``execution_time`` only for the whole run, which its caller adds).

    The summary in ``output`` counts only the tests shown now (``visibility`` "visible"), and
    the runner's printout, which names every test, is hidden (``stdout_visibility``) when some
    test is not shown, unless ``stdout_visibility`` says otherwise.
    """
    tests = [
        {
            "name": f"{o.test.section}: {o.test.name}",
            "score": _number(o.score),
            "max_score": _number(o.test.points),
            "status": "passed" if o.passed else "failed",
            "output": ("passed\n" + o.output if o.output else "passed") if o.passed else o.output,
            "tags": [o.test.section, "course" if SECTIONS[o.test.section].course else "extra"],
            "visibility": o.test.visibility,
            "extra_data": {"execution_time": round(o.seconds, 3)},
        }
        for o in outcomes
    ]
    shown = [o for o in outcomes if o.test.visibility == "visible"]
    hidden = len(outcomes) - len(shown)
    note = f"\n({hidden} more tests are not shown yet.)" if hidden else ""
    return {
        "score": _number(sum(o.score for o in outcomes)),
        "output": header + (summary_table(shown) if shown else "") + note,
        "visibility": visibility,
        "stdout_visibility": stdout_visibility or ("hidden" if hidden else "visible"),
        # Plain text everywhere: a test's output quotes the hand-in's own words (its errors),
        # which must not be rendered as HTML or Markdown on the student's page.
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "tests": tests,
    }
