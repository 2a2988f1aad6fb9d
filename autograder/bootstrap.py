"""Import the grader as the package ``autograder`` from this file's folder.

``runner.py`` and ``child.py`` are run as scripts, so Python puts their folder first on
``sys.path``. ``load_grader`` takes it off again (nothing in it should shadow a module of the
code being graded) and imports the folder as the package ``autograder``, whatever the folder
is called and wherever Python was started. Nothing is imported from the folder being graded.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def load_grader() -> ModuleType:
    """The package ``autograder`` (this folder), imported once."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    if "autograder" in sys.modules:
        return sys.modules["autograder"]
    spec = importlib.util.spec_from_file_location(
        "autograder", HERE / "__init__.py", submodule_search_locations=[str(HERE)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["autograder"] = package
    spec.loader.exec_module(package)
    return package
