"""Broken copies of ``mytorch``, to check that the grader catches what it should.

``broken_copy(source, destination, "mul_backward", code)`` copies ``source/mytorch`` to
``destination/mytorch`` and, in ``nn/functional.py``, defines ``code`` (a new ``mul_backward``)
right after the original function, so every later use (the kernel table too) gets the broken
one. Course staff can grade such a copy to see which tests a mistake costs; MyTorch's own tests
use it for a kernel with the wrong sign, one that never returns and one that crashes.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

__all__ = ["CRASH", "HANG", "WRONG_SIGN", "broken_copy"]

WRONG_SIGN = """
_correct_{name} = {name}


def {name}(grad_output, *inputs, **params):
    return tuple(None if g is None else -g for g in _correct_{name}(grad_output, *inputs, **params))
"""
"""A kernel returning every gradient with the wrong sign."""

HANG = """

def {name}(grad_output, *inputs, **params):
    while True:
        pass
"""
"""A kernel that never returns."""

CRASH = """

def {name}(grad_output, *inputs, **params):
    import os

    os._exit(3)
"""
"""A kernel that ends the interpreter abruptly."""


def broken_copy(source: Path, destination: Path, name: str, template: str, module: str = "nn/functional.py") -> Path:
    """Copy ``source/mytorch`` to ``destination/mytorch`` with function ``name`` of ``module``
    replaced by ``template.format(name=name)``; returns ``destination``.

    Raises:
        ValueError: ``module`` has no top-level function ``name``.
    """
    target = Path(destination) / "mytorch"
    shutil.copytree(Path(source) / "mytorch", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    path = target / module
    lines = path.read_text().splitlines(keepends=True)
    body = ast.parse("".join(lines)).body
    starts = [i for i, node in enumerate(body) if isinstance(node, ast.FunctionDef) and node.name == name]
    if not starts:
        raise ValueError(f"broken_copy: {module} has no top-level function {name!r}")
    # After the lines that set attributes on the original (``name.partials = ...``), if any.
    last = max([starts[0]] + [i for i in range(starts[0], len(body)) if _sets_attribute_of(body[i], name)])
    lines.insert(body[last].end_lineno, template.format(name=name))
    path.write_text("".join(lines))
    return Path(destination)


def _sets_attribute_of(node: ast.stmt, name: str) -> bool:
    """Whether ``node`` is ``name.attribute = ...``."""
    return isinstance(node, ast.Assign) and all(
        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == name for t in node.targets
    )
