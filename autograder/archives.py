"""Hand-in archives by their names: those the grader reads, and those of other formats it refuses.

Standard library only (``deploy/gradescope_run`` imports it on the platform's Python). Names are
compared whatever the case of their suffix (``ALICE.TAR``, ``bob.ZIP``).
"""

from __future__ import annotations

__all__ = ["ARCHIVE_SUFFIXES", "OTHER_ARCHIVE_SUFFIXES", "is_archive", "other_format", "wrong_format"]

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
"""The hand-in archives the grader reads: a tar, plain or compressed with gzip, bzip2 or xz."""

OTHER_ARCHIVE_SUFFIXES = (
    ".zip", ".zipx", ".7z", ".rar", ".tar.zst", ".tzst", ".zst", ".tar.lz4", ".lz4", ".tar.lz", ".lz",
    ".tar.lzma", ".tlz", ".lzma", ".tbz", ".tbz2", ".tb2", ".txz", ".tar.z", ".taz", ".z", ".gz", ".bz2", ".xz",
    ".cpio", ".jar", ".cab", ".arj", ".lzh", ".dmg", ".iso",
)  # fmt: skip
"""Suffixes of archives and compressed files the grader does not read (or not under that name): a file so named
in a ``--handin-dir`` folder is a hand-in it refuses by name, with a row in ``scores.csv`` saying what it takes.
Until 2026-12-05 such a file (``alice.zip``, ``bob.7z``, ``carol.RAR``) got no row at all, and its student read
as one who handed nothing in."""


def is_archive(name: str) -> bool:
    """Whether the file ``name`` is named as an archive the grader reads (``ARCHIVE_SUFFIXES``)."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def other_format(name: str) -> str | None:
    """The suffix (lower case) that names ``name`` as an archive of a format the grader does not read, or None
    (an archive it reads, or no archive)."""
    lower = name.lower()
    if lower.endswith(ARCHIVE_SUFFIXES):
        return None
    return next((suffix for suffix in OTHER_ARCHIVE_SUFFIXES if lower.endswith(suffix)), None)


def wrong_format(suffix: str) -> str:
    """Why a file named with ``suffix`` (``other_format``'s) is not graded, and what to hand in instead."""
    return (
        f"a {suffix} file is not an archive the grader reads; it reads a tar archive ({', '.join(ARCHIVE_SUFFIXES)}): "
        "make the hand-in with `sh create_tarball.sh`, or `tar -cf handin.tar mytorch`"
    )
