"""MyTorch's course-style autograder: graded tests in sections with points, and their runner.

The same test functions run under ``pytest`` (as ordinary tests) and under
``python autograder/runner.py`` (which adds points, a summary table, Autolab and Gradescope
output, and grading of a student's ``handin.tar`` in sandboxed processes).

Every test imports the part of ``mytorch`` it grades inside its own body, so a file that does
not import costs only the tests that need it.
"""
