"""Deployment kits: Gradescope (``gradescope/``, ``gradescope_run.py``) and Autolab
(``autolab/``), and ``build.py``, which packs them for upload (see docs/course-staff.md)."""
