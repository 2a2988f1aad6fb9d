"""``python -m hw_bonus.demos``: list the demos, one line each (its command and what it shows)."""

from __future__ import annotations

import ast
from pathlib import Path


def demos() -> list[tuple[str, str]]:
    """``(module, first line of its docstring)`` for every module of this package with a ``main``."""
    found = []
    for path in sorted(Path(__file__).resolve().parent.glob("[!_]*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
            summary = (ast.get_docstring(tree) or "").strip().splitlines() or [""]
            found.append((f"hw_bonus.demos.{path.stem}", summary[0]))
    return found


def main() -> None:
    """Print the list."""
    listed = demos()
    width = max(len(module) for module, _ in listed) + len("python -m ")
    for module, summary in listed:
        print(f"{'python -m ' + module:<{width}}  {summary}")


if __name__ == "__main__":
    main()
