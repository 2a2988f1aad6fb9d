"""Safe extraction of a student's ``handin.tar`` into a fresh folder.

Two passes, each with bounded memory, before anything is written:

1. ``scan_archive`` reads the raw tar stream block by block (through the gzip, bzip2 or xz
   decompressor): a truncated archive, a bad header checksum, a pax or GNU long-name header
   over ``Limits.max_header_bytes`` (read with that bound, never whole), pax headers holding
   over ``max_pax_records`` records in all (``max_global_pax_records`` the global ones), more than
   ``max_members`` members, a member over ``max_file_bytes``, more than ``max_total_bytes``
   in all (files and pax or long-name headers together), more than 8 such headers in a row,
   a GNU sparse member whose map ``tarfile`` would read from beyond its header (extension
   blocks, or sparse format 1.0's map in its data), a compression ratio over ``max_ratio``,
   a compressed stream running ahead of the tar it yields (``_RUN_AHEAD``), or a member named more than
   once by those headers or a pax record given twice (``_names_given``) make the archive refused;
   it notes where each member ends, and its size;
2. ``tarfile`` then lists the members (their headers are now known to be small), each of which
   must end where the first pass found it to, and have the size it found (``tarfile`` reads some
   headers another way, such as
   an old-style regular file named ``x/``, taken for a folder without data, and would go on
   reading headers the first pass took for file data or never read): an absolute
   path, a ``..`` component, a name component over 255 bytes, a path over ``max_path_bytes`` or of
   more than ``max_depth`` components, a link (symbolic or hard), a device file, a FIFO or a
   sparse file (whose holes extraction would write out: the size the first pass counted is
   not the size written), more than ``max_folders`` folders (those the paths imply counted), or
   sizes as ``tarfile`` reads them over the limits, make it refused.

Files are then written one by one, each opened with ``O_EXCL`` under the destination folder,
so nothing is ever written outside it or over an earlier member; a member that collides with
another (a file and a folder of the same name) is refused too. Every refusal is a
``HandinError`` with a one-line reason naming the member.
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["HandinError", "Limits", "extract_handin", "find_package", "scan_archive"]

_BLOCK = 512
_EXTENSION_TYPES = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                    tarfile.SOLARIS_XHDTYPE)  # fmt: skip
_MAX_EXTENSIONS_IN_A_ROW = 8
"""Pax and GNU long-name headers before one member (a pax header, a long name and a long link
name are three)."""
try:  # A Python built without libbz2 or liblzma (pyenv warns, and goes on) has no bz2 or lzma: until
    # 2026-12-04 importing them here stopped every run of the runner there, a student's check of their own code
    # included; now only a hand-in in that compression is refused, saying why.
    import bz2
except ImportError:
    bz2 = None  # type: ignore[assignment]
try:
    import lzma
except ImportError:
    lzma = None  # type: ignore[assignment]

_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, ValueError, UnicodeError) + (
    (lzma.LZMAError,) if lzma is not None else ()
)


class HandinError(Exception):
    """The hand-in cannot be graded: the archive is unreadable, unsafe, or lacks ``mytorch/``."""


@dataclass(frozen=True)
class Limits:
    """What an archive may hold.

    Attributes:
        max_members: the number of files and folders.
        max_folders: the folders, those the members' paths imply included (``tarfile`` needs no member
            for a folder: a path makes every folder above it).
        max_total_bytes: the files' total size.
        max_file_bytes: one file's size.
        max_header_bytes: one pax or GNU long-name header.
        max_pax_records: the records of all pax headers but the global ones, together.
        max_global_pax_records: the records of all global pax headers together (``tarfile`` copies
            each into every later member's ``pax_headers``).
        max_ratio: uncompressed bytes per byte of the archive (beyond a first MiB).
        max_archive_bytes: the archive file itself.
        max_depth: components of a member's path (a package's are a few; Python's own
            ``shutil.rmtree`` and ``copytree`` recurse once per level and fail at about 1000).
        max_path_bytes: bytes of a member's path. It is extracted under the runner's temporary folder and copied
            for every worker under another, so the path must leave room below ``PATH_MAX`` (4096 bytes) for both:
            until 2026-12-05 the limit was 4096, and a path of 4060 bytes passed it, then made every test ``CRASH``
            (under ``namespaces``, where the worker copies it) or the runner fail on the hand-in ('File name too
            long', under ``uid`` and ``none``), and one of 4090 bytes was refused for a name the runner made, not
            the student's.
    """

    max_members: int = 2000
    max_folders: int = 2000
    max_total_bytes: int = 50 * 2**20
    max_file_bytes: int = 20 * 2**20
    max_header_bytes: int = 64 * 2**10
    max_pax_records: int = 16384
    max_global_pax_records: int = 64
    max_ratio: int = 200
    max_archive_bytes: int = 60 * 2**20
    max_depth: int = 32
    max_path_bytes: int = 1024


def _compression(path: Path) -> str:
    """The archive's compression by its magic number: ``gz``, ``bz2``, ``xz`` or "" (none). Both
    passes read the archive so: ``tarfile``'s own guess tries every decompressor before a plain
    tar, and a plain tar whose first member's name is a small LZMA stream (the legacy .lzma
    format has no magic number) was listed and extracted as the tar inside that stream, which
    the first pass never read (until 2026-12-02)."""
    with open(path, "rb") as raw:
        magic = raw.read(6)
    if magic[:2] == b"\x1f\x8b":
        return "gz"
    if magic[:3] == b"BZh":
        return "bz2"
    if magic == b"\xfd7zXZ\x00":
        return "xz"
    return ""


_OTHER_FORMATS = {
    b"PK\x03\x04": "a zip archive",
    b"PK\x05\x06": "a zip archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!\x1a\x07": "a RAR archive",
    b"\x28\xb5\x2f\xfd": "compressed with zstd",
    b"\x04\x22\x4d\x18": "compressed with lz4",
    b"LZIP\x01": "compressed with lzip",
    b"\x1f\x9d": "compressed with compress (.Z)",
}
"""Formats a hand-in comes in that are not a tar (or a compression the runner reads), by their magic
number: refused saying so (until 2026-12-04 a zip named handin.tar was refused for 'a tar header has an
invalid checksum field b'[o\\xdbF...'', which told a student nothing; an lz4, lzip or ``.Z`` one so until
2026-12-05)."""


def _other_format(path: Path) -> str | None:
    """What ``path`` is, when its first bytes say it is no tar archive the runner reads; else None."""
    with open(path, "rb") as raw:
        magic = raw.read(8)
    return next((what for start, what in _OTHER_FORMATS.items() if magic.startswith(start)), None)


_RUN_AHEAD = {"gz": (2**19, 1024), "xz": (2**19, 1024), "bz2": (2**21, 64)}
"""How many bytes a compressed stream may hold beyond the tar read from it so far, and what share of
that tar more: what its decompressor reads ahead (128 KiB at most), the tar a read may ask for at once
(64 KiB), a whole bzip2 block (900 kB, read before any of it comes out) and what a compressor adds to data
it cannot shrink (bzip2: 0.8% at level 1; gzip and xz: a few bytes per 64 KiB)."""


class _Taken:
    """The archive file as a decompressor reads it, counting the bytes it takes. Empty gzip members or
    bzip2 and xz streams, or a gzip header's name or comment, yield no tar, so the compression ratio
    never counted them, and the decompressors read them in Python, member by member or byte by byte:
    until 2026-12-04 3.1 million empty gzip members before a tar (a 60 MiB archive) cost the runner
    17.4 s of CPU, a gzip header naming a file of 62 MB 8.7 s, outside every time limit. ``read``
    refuses a stream that runs more than ``_RUN_AHEAD`` ahead of the tar read from it, so that both
    passes, which read the same part of the stream, do at most that much such work."""

    def __init__(self, raw, compression: str, reader: _Reader):
        self.raw, self.reader, self.taken = raw, reader, 0
        self.ahead, self.share = _RUN_AHEAD[compression]

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.taken += len(data)
        tar = self.reader.read_bytes
        if self.taken > tar + tar // self.share + self.ahead:
            raise HandinError(
                f"refused: the archive's compressed stream holds more than the tar it expands to ({self.taken} "
                f"bytes read for {tar} bytes of tar: empty compressed members, or a gzip name or comment?)"
            )
        return data


@contextmanager
def _open_stream(path: Path, reader: _Reader):
    """The archive's tar stream, decompressed on the fly (see ``_compression``), its compressed
    bytes taken no further ahead of what ``reader`` has read than ``_RUN_AHEAD`` allows (``_Taken``)."""
    compression = _compression(path)
    with open(path, "rb") as raw:
        if not compression:
            yield raw
            return
        module = {"gz": gzip, "bz2": bz2, "xz": lzma}[compression]
        if module is None:
            raise HandinError(
                f"{path.name} is compressed with {compression}, and this Python was built without its module "
                f"({'bz2' if compression == 'bz2' else 'lzma'}): hand in a plain tar or a .tar.gz, or grade with "
                "another Python"
            )
        taken = _Taken(raw, compression, reader)
        opened = {"gz": lambda: gzip.GzipFile(fileobj=taken, mode="rb"), "bz2": lambda: bz2.BZ2File(taken),
                  "xz": lambda: lzma.LZMAFile(taken)}[compression]  # fmt: skip
        with opened() as stream:
            yield stream


def _octal_or_binary(field: bytes, what: str) -> int:
    """A numeric header field: octal text, or GNU base-256 (first byte 0x80)."""
    if field[:1] == b"\x80":
        return int.from_bytes(field[1:], "big")
    text = field.split(b"\x00", 1)[0].strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise HandinError(f"refused: a tar header has an invalid {what} field {text[:20]!r}") from None


_PAX_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_MOST_DIGITS = 32
_TOO_MANY_DIGITS = re.compile(rb"[0-9]{%d}" % (_MOST_DIGITS + 1))


def _pax_records(data: bytes, most: int, what: str) -> tuple[dict[bytes, bytes], int]:
    """The records of a pax header (``LENGTH keyword=value\\n``, each ``LENGTH`` bytes), read in one
    pass. Refused: records that do not follow one another exactly (NUL bytes may follow the last),
    a run of more than ``_MOST_DIGITS`` digits, and more than ``most`` records (with ``what`` as the
    reason: ``scan_archive`` counts an archive's records across its headers); returns the records by
    keyword and how many there were. ``tarfile`` before CPython 3.10.15, 3.11.10 and
    3.12.6 (CVE-2024-6232) reads a pax header with regular expressions whose work grows with the
    square of such text: a header of 64 KiB whose keywords all ran to one far ``=`` cost the runner
    528 MB (a global header's keywords stay for the rest of the archive: three of 32 KiB, 403 MB),
    and 64 KiB of digits 3 s of CPU, per header, within the limits of the first pass (until
    2026-12-03; the Python it was found on, 3.11.7, is one of those)."""
    if _TOO_MANY_DIGITS.search(data):
        raise HandinError(f"refused: a pax header holds a run of more than {_MOST_DIGITS} digits")
    records, position, end, count = {}, 0, len(data.rstrip(b"\x00")), 0
    while position < end:
        count += 1
        if count > most:
            raise HandinError(what)
        space = data.find(b" ", position, position + 21)
        digits = data[position:space] if space > position else b""
        stop = position + int(digits) if digits.isdigit() else -1
        key, equals, value = data[space + 1 : stop - 1].partition(b"=")
        if stop < position + 5 or stop > end or data[stop - 1 : stop] != b"\n" or not key or not equals:
            raise HandinError(f"refused: a pax header's records are malformed (at byte {position})")
        if key in records:  # (no archiver repeats one; readers differ on which counts)
            raise HandinError(f"refused: a pax header gives the record {key[:40]!r} twice")
        records[key] = value
        position = stop
    return records, count


def _pax_size(records: dict[bytes, bytes]) -> int | None:
    """The ``size`` record of a pax header, if any (it overrides the next member's size)."""
    value = records.get(b"size")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise HandinError(f"refused: a pax header has an invalid size {value[:20]!r}") from None


class _Reader:
    """Reads the tar stream (``stream``, set once it is open) in blocks, counting bytes against the limits."""

    def __init__(self, archive_bytes: int, limits: Limits):
        self.stream: Any = None
        self.archive_bytes, self.limits = archive_bytes, limits
        self.read_bytes = 0

    def read(self, count: int) -> bytes:
        data = self.stream.read(count)
        self.read_bytes += len(data)
        allowed = self.limits.max_ratio * self.archive_bytes + 2**20
        if self.read_bytes > allowed:
            raise HandinError(
                f"refused: the archive expands more than {self.limits.max_ratio} times its size (a compression bomb?)"
            )
        if len(data) < count:
            raise HandinError("refused: the archive is truncated (it ends inside a member)")
        return data

    def skip(self, count: int) -> None:
        while count > 0:
            count -= len(self.read(min(count, 2**16)))


def _global_records(limits: Limits) -> str:
    """The refusal of global pax headers holding too many records. ``tarfile`` copies the records of
    every global header into each later member's ``pax_headers`` (and a member's own records, at most
    ``_all_records``, into its own): until 2026-12-04 a global header of 10,524 records before 1,990
    members, 770 of them after 64 KiB of records of their own, made an xz archive of 322 KB cost the
    runner 979 MB and 14.6 s of CPU while it listed the members. (``git archive`` writes one record.)"""
    return f"refused: global pax headers hold over {limits.max_global_pax_records} records in all"


def _all_records(limits: Limits) -> str:
    """The refusal of pax headers holding too many records in all: each costs the first pass and
    ``tarfile`` a step in Python (until 2026-12-04 800 headers of 64 KiB of five-byte records, a gzip
    archive of 424 KB within the 50 MiB, cost the runner 12.4 s of CPU). GNU tar's ``--format=posix``
    writes three per member (``atime``, ``ctime``, ``mtime``): 6,000 for 2,000 members."""
    return f"refused: the archive's pax headers hold over {limits.max_pax_records} records in all"


def _over_the_total(limits: Limits) -> str:
    """The refusal of an archive whose files and long-name headers, counted as they come, pass the
    limit: one message whichever of the two passes it (the order is the packing tar's)."""
    return f"refused: the archive's files and headers exceed {limits.max_total_bytes} bytes in total"


def _check_archive_size(size: int, limits: Limits) -> None:
    """Refuse an archive of ``size`` bytes over ``limits.max_archive_bytes``."""
    if size > limits.max_archive_bytes:
        raise HandinError(f"refused: the archive is {size} bytes, over the limit of {limits.max_archive_bytes}")


def scan_archive(path: str | os.PathLike, limits: Limits = Limits()) -> list[tuple[int, int]]:
    """Check the raw tar stream of ``path`` against ``limits``, in bounded memory.

    Returns:
        For each member, where it ends in the (decompressed) stream (the offset of the header after
        it) and its size: ``tarfile`` must find the same (``_checked_members``).

    Raises:
        HandinError: the archive is unreadable, truncated or over a limit (one-line reason).
    """
    path = Path(path)
    size = path.stat().st_size
    _check_archive_size(size, limits)
    other = _other_format(path)
    if other is not None:
        raise HandinError(
            f"{path.name} is {other}, not a tar archive (optionally compressed with gzip, bzip2 or xz): make "
            "the hand-in with `sh create_tarball.sh`, or `tar -cf handin.tar mytorch`"
        )
    members, total, next_size, in_a_row, ends, global_bytes = 0, 0, None, 0, [], 0
    names, folder_named, given = 0, False, b""  # the names its extension headers give a member (_names_given)
    records_left = {"own": limits.max_pax_records, "global": limits.max_global_pax_records}
    refusals = {"own": _all_records(limits), "global": _global_records(limits)}
    try:
        reader = _Reader(size, limits)
        with _open_stream(path, reader) as stream:
            reader.stream = stream
            while True:
                header = reader.stream.read(_BLOCK)
                reader.read_bytes += len(header)
                if members == 0 and (len(header) < _BLOCK or header == bytes(_BLOCK)):
                    raise HandinError(f"{path.name} is not a readable tar archive (it holds no member)")
                if len(header) < _BLOCK and header.strip(b"\x00"):
                    raise HandinError("refused: the archive is truncated (it ends inside a header)")
                if len(header) < _BLOCK or header == bytes(_BLOCK):
                    return ends
                if _octal_or_binary(header[148:156], "checksum") not in _checksums(header):
                    raise HandinError(f"{path.name} is not a readable tar archive (bad header checksum)")
                kind = header[156:157]
                length = _octal_or_binary(header[124:136], "size")
                if kind in _EXTENSION_TYPES:
                    if length > limits.max_header_bytes:
                        raise HandinError(
                            f"refused: a pax or GNU long-name header of {length} bytes, over the limit of "
                            f"{limits.max_header_bytes}"
                        )
                    # Counted as files are: 12 GiB of headers fit in the ratio of a 60 MiB archive (minutes
                    # to read), and over 330 in a row made tarfile recurse until RecursionError.
                    total, in_a_row = total + length, in_a_row + 1
                    if in_a_row > _MAX_EXTENSIONS_IN_A_ROW:
                        raise HandinError(
                            f"refused: more than {_MAX_EXTENSIONS_IN_A_ROW} pax or long-name headers in a row"
                        )
                    if total > limits.max_total_bytes:
                        raise HandinError(_over_the_total(limits))
                    data = reader.read(-(-length // _BLOCK) * _BLOCK)[:length]
                    if b"GNU.sparse.major" in data:  # (format 1.0: tarfile reads the map from the data, whole)
                        raise HandinError(f"refused: {_SPARSE_MAP} (sparse format 1.0; create_tarball.sh makes none)")
                    if kind == tarfile.XGLTYPE:  # its records stay for every later member: a bound for all
                        global_bytes += length
                        if global_bytes > limits.max_header_bytes:
                            raise HandinError(
                                f"refused: global pax headers of over {limits.max_header_bytes} bytes in all"
                            )
                    if kind in _PAX_TYPES:  # (counted before tarfile reads and copies them: _global_records)
                        scope = "global" if kind == tarfile.XGLTYPE else "own"
                        records, count = _pax_records(data, records_left[scope], refusals[scope])
                        records_left[scope] -= count
                    if kind in (tarfile.XHDTYPE, tarfile.SOLARIS_XHDTYPE):
                        next_size = _pax_size(records)
                    names += _names_given(kind, records if kind in _PAX_TYPES else {})
                    if kind == tarfile.GNUTYPE_LONGNAME or (kind in _PAX_TYPES and b"path" in records):
                        given = data.split(b"\x00", 1)[0] if kind == tarfile.GNUTYPE_LONGNAME else records[b"path"]
                        folder_named = given.endswith(b"/")
                    continue
                if header[345] and header[257:263] != b"ustar\x00" and kind not in tarfile.GNU_TYPES:
                    name = header[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")
                    raise HandinError(f"refused: member {_shown(name)} has a name prefix outside a ustar header "
                                      "(Python's tarfile uses it, GNU tar does not)")  # fmt: skip
                if kind == tarfile.GNUTYPE_SPARSE and header[482]:  # its map goes on in blocks after the header
                    raise HandinError(f"refused: {_SPARSE_MAP} (extension blocks; create_tarball.sh makes none)")
                if next_size is not None:
                    length, next_size = next_size, None
                if folder_named and kind != tarfile.DIRTYPE:  # (tarfile strips the / from a pax path: a file)
                    raise HandinError(
                        f"refused: member {_shown(given.decode('utf-8', 'replace'))} is not a folder and its name "
                        "ends in '/' (a folder to GNU tar)"
                    )
                if names > 1:
                    name = header[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")
                    raise HandinError(
                        f"refused: member {_shown(name)} is named more than once by the long-name and pax headers "
                        "before it (tar programs would unpack it under different names)"
                    )
                in_a_row, names, folder_named = 0, 0, False
                members += 1
                if members > limits.max_members:
                    raise HandinError(f"the archive has more than {limits.max_members} members")
                if length > limits.max_file_bytes:
                    name = header[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")
                    raise HandinError(
                        f"refused: member {_shown(name)} is {length} bytes, over the limit of "
                        f"{limits.max_file_bytes} bytes per file"
                    )
                total += length
                if total > limits.max_total_bytes:
                    raise HandinError(_over_the_total(limits))
                if kind not in (tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE):
                    reader.skip(-(-length // _BLOCK) * _BLOCK)
                ends.append((reader.read_bytes, length))
    except HandinError:
        raise
    except _READ_ERRORS as error:
        raise HandinError(f"{path.name} is not a readable tar archive ({_one_line(error)})") from None


_NAMING = (b"path", b"GNU.sparse.name")


def _names_given(kind: bytes, records: dict[bytes, bytes]) -> int:
    """How many names an extension header of ``kind`` (holding pax ``records``) gives the next member;
    refused: a name in a global pax header. A member may have one (``scan_archive``): Python's ``tarfile``
    and GNU tar, with which staff unpack a hand-in to read it or check it for plagiarism, take different
    ones of two (``tarfile`` the first of two long names or pax paths, GNU tar the last; ``tarfile`` a long
    name over a later pax ``path``): until 2026-12-05 the graded ``mytorch/nn/functional.py`` could hold code
    that GNU tar unpacked under another name, and GNU tar's ``functional.py`` other code. (A global ``path``,
    which both take, names every later member alike; no archiver writes one.)"""
    if kind == tarfile.XGLTYPE and any(key in records for key in _NAMING):
        raise HandinError("refused: a global pax header names members (a path record)")
    return 1 if kind == tarfile.GNUTYPE_LONGNAME else sum(key in records for key in _NAMING)


_SPARSE_MAP = "a GNU sparse member keeps its map of holes outside its header"
"""Refused by the first pass: ``tarfile`` reads such a map whole before it lists the member (extension
blocks for as long as each says another follows; as many numbers as the map's first line says), so the
listing's memory and time were bounded by the archive's stream only: 16 MiB of numbers in one member cost
the runner 5 s of CPU and 79 MB (until 2026-12-03)."""


def _checksums(header: bytes) -> tuple[int, int]:
    """The header's checksum computed with unsigned and with signed bytes (both are in use)."""
    blanked = header[:148] + b" " * 8 + header[156:]
    return sum(blanked), sum(b - 256 if b > 127 else b for b in blanked)


def _shown(name: str) -> str:
    """A member's name for a message: quoted, cut to 120 characters."""
    return repr(name if len(name) <= 120 else name[:117] + "...")


def _one_line(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())[:200]


def _member_problem(member: tarfile.TarInfo, limits: Limits) -> str | None:
    """Why ``member`` may not be extracted, or None."""
    name = member.name
    path = PurePosixPath(name)
    if not name or "\x00" in name:
        return "has an empty or invalid name"
    if "\\" in name:
        return "has a backslash in its path"
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in path.parts:
        return "has a '..' component (it would be written outside the hand-in folder)"
    if len(name.encode("utf-8", "surrogateescape")) > limits.max_path_bytes:
        return f"has a path over {limits.max_path_bytes} bytes"
    if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in path.parts):
        return "has a name component over 255 bytes"
    if len(path.parts) > limits.max_depth:
        return f"has {len(path.parts)} components in its path, over the limit of {limits.max_depth}"
    if member.issym() or member.islnk():
        return f"is a {'symbolic' if member.issym() else 'hard'} link to {member.linkname[:200]!r}"
    if member.isdev():
        return "is a device file or a FIFO"
    if member.issparse():  # its holes are written out as zeros: 3 KB of archive made a file of 200 MiB
        return f"is a sparse file of {member.size} bytes (create_tarball.sh makes none)"
    if not (member.isfile() or member.isdir()):
        return "is neither a regular file nor a folder"
    if member.isfile() and name.endswith("/"):  # (GNU tar makes a folder of it, and fails: not what was graded)
        return "is a file whose name ends in '/' (a folder to GNU tar)"
    return None


def _checked_members(archive: tarfile.TarFile, limits: Limits, ends: list[tuple[int, int]]) -> list[tarfile.TarInfo]:
    """The members, each checked, and their sizes as ``tarfile`` reads them (what extraction
    writes) counted against the limits again. Each must end where the first pass found it to end
    (``ends``) before ``tarfile`` reads the next header: where the two disagree, ``tarfile`` would
    read headers the first pass never checked. (Until 2026-12-03 an old-style regular file named
    ``mytorch/d/``, which ``tarfile`` takes for a folder without data, made it read the file's data
    as headers: there, a pax header of 256 MiB of zeros lying past the archive's end as the first
    pass saw it, which ``tarfile`` read whole into the runner's memory, from 255 KB of gzip. A
    60 MiB archive could ask for tens of GiB, and the kernel would end the runner of a batch.) Each must
    also have the size the first pass found: extraction reads that many bytes from where its data
    begins, and a pax record can change the size without moving the end (``GNU.sparse.realsize``, or
    ``size`` in a global header): until 2026-12-05 a file of 6 bytes was extracted as 1 MiB read past
    the archive's end marker, where the first pass never looked (through 2 million empty gzip members
    there, a 40 MB archive, 6.7 s of CPU). The folders the members' paths imply count too (``_count_folders``)."""
    members, total, folders = [], 0, set()
    for member in archive:
        members.append(member)
        if len(members) > limits.max_members:
            raise HandinError(f"the archive has more than {limits.max_members} members")
        end, size = ends[len(members) - 1] if len(members) <= len(ends) else (-1, -1)
        if archive.offset != end:
            raise HandinError(
                f"refused: member {_shown(member.name)} ends at another place for Python's tarfile than in "
                "the archive's stream (its type or size can be read two ways)"
            )
        problem = _member_problem(member, limits)
        if problem:
            raise HandinError(f"refused: member {_shown(member.name)} {problem}")
        if member.size != size:  # (after a sparse file's own refusal: tarfile gives it its size unpacked)
            raise HandinError(
                f"refused: member {_shown(member.name)} is {member.size} bytes for Python's tarfile and {size} in "
                "the archive's stream (a pax record such as GNU.sparse.realsize, or a global size)"
            )
        _count_folders(member, folders, limits)
        if member.size > limits.max_file_bytes:
            raise HandinError(
                f"refused: member {_shown(member.name)} is {member.size} bytes, over the limit of "
                f"{limits.max_file_bytes} bytes per file"
            )
        total += member.size if member.isfile() else 0
        if total > limits.max_total_bytes:
            raise HandinError(f"refused: the archive's files exceed {limits.max_total_bytes} bytes in total")
    return members


def _count_folders(member: tarfile.TarInfo, folders: set[tuple[str, ...]], limits: Limits) -> None:
    """Add the folders ``member`` makes (those above it, and itself if a folder) to ``folders``; refuse
    more than ``limits.max_folders``. No member is needed for a folder, so until 2026-12-04 2000 files each
    31 folders deep under a folder of its own made 60,000 folders from a 10 KB archive: under ``uid`` and
    ``none`` the runner copies, hands over and removes them for every test, and two tests took it 6 minutes
    (29 s of CPU) before each failed anyway, over the 8192 entries a worker's folder may hold."""
    parts = PurePosixPath(member.name).parts
    folders.update(parts[:end] for end in range(1, len(parts) + (0 if member.isfile() else 1)))
    if len(folders) > limits.max_folders:
        raise HandinError(
            f"refused: the archive makes more than {limits.max_folders} folders (member {_shown(member.name)}; "
            "the folders above a member count without a member of their own)"
        )


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise HandinError(f"refused: member {_shown(relative)} resolves outside the hand-in folder")
    return target


def extract_handin(archive_path: str | os.PathLike, destination: str | os.PathLike, limits: Limits = Limits()) -> Path:
    """Check every member of the tar archive, then extract it into ``destination``.

    Args:
        archive_path: the hand-in (a tar archive, optionally gzip/bz2/xz compressed).
        destination: an empty folder, created if missing.
        limits: the size and count limits.

    Returns:
        The destination folder, resolved.

    Raises:
        HandinError: the archive is unreadable, unsafe or over a limit (nothing is extracted
            then, except for a member colliding with an earlier one).
        FileNotFoundError: ``archive_path`` does not exist.
    """
    archive_path = Path(archive_path)
    if not os.path.lexists(archive_path):  # (a link, a pipe or a folder: refused by ``_snapshot``, saying why)
        raise FileNotFoundError(f"hand-in archive {archive_path} does not exist")
    root = Path(destination)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    if any(root.iterdir()):
        raise HandinError(f"the extraction folder {root} is not empty")
    with tempfile.TemporaryDirectory(prefix="mytorch-archive-") as private:
        archive_path = _snapshot(archive_path, Path(private), limits)
        ends = scan_archive(archive_path, limits)
        try:
            with tarfile.open(archive_path, f"r:{_compression(archive_path)}") as archive:
                for member in _checked_members(archive, limits, ends):
                    _extract(archive, member, root)
        except HandinError:
            raise
        except _READ_ERRORS as error:
            raise HandinError(f"{archive_path.name} is not a readable tar archive ({_one_line(error)})") from None
    return root


def _snapshot(archive_path: Path, folder: Path, limits: Limits) -> Path:
    """A copy of the archive, under its own name in the private ``folder``: what both passes read. Each
    pass opened the archive by its path until 2026-12-04, so an archive its student could still write
    (a shared drop folder graded with ``--handin-dir``) could be swapped for another between them, and
    the second pass read one the first never checked: a gzip of 10 MiB of zeros, whose compression
    ratio the first pass alone refuses, was extracted (pax headers that cost ``tarfile`` time and memory
    growing with their square's size, another). Opened without blocking (a path swapped for a named
    pipe stopped the runner for good), a file only, at most ``max_archive_bytes`` and one byte (a file
    that grows meanwhile is then refused by its size). An archive that is a symbolic link is refused:
    until 2026-12-04 one to another student's archive (``cp -a`` or ``rsync -a`` of the students'
    folders into the one graded keeps links) had that student's code graded, as root, under the name of
    the one who made the link."""
    try:
        fd = os.open(archive_path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise HandinError(
                f"refused: {archive_path.name} is a symbolic link, not an archive (it may point to another's "
                "hand-in); hand in the archive itself"
            ) from None
        raise HandinError(f"{archive_path.name} cannot be read ({_one_line(error)})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # (a named pipe, a folder: checked before fdopen, which refuses a folder)
        os.close(fd)
        raise HandinError(f"{archive_path.name} is not a regular file")
    with os.fdopen(fd, "rb") as source:
        _check_archive_size(info.st_size, limits)
        copy = folder / archive_path.name
        with open(copy, "xb") as out:
            left = limits.max_archive_bytes + 1
            while left > 0 and (chunk := source.read(min(left, 2**16))):
                out.write(chunk)
                left -= len(chunk)
    return copy


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, root: Path) -> None:
    """Create one folder, or copy one regular file's bytes to a new file (never over an
    existing one, never through a link)."""
    target = _inside(root, member.name)
    try:
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            return
        _inside(root, str(Path(member.name).parent)).mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise HandinError(
            f"refused: member {_shown(member.name)} collides with an earlier member of the same name "
            "(the same file twice, or a file and a folder)"
        ) from None
    except OSError as error:
        raise HandinError(f"refused: member {_shown(member.name)} cannot be written ({_one_line(error)})") from None
    source = archive.extractfile(member)
    with os.fdopen(fd, "wb") as out:
        if source is not None:
            shutil.copyfileobj(source, out)


def find_package(root: Path, package: str = "mytorch") -> Path:
    """The folder that holds ``<package>/__init__.py``: ``root`` itself (as ``create_tarball.sh``
    packs it), or the shallowest folder below that holds one (an archive made from outside the
    hand-out folder: ``handout/mytorch/...``, or ``home/alice/hw1/handout/mytorch/...`` from ``tar -cf
    handin.tar /home/alice/hw1/handout/mytorch``, which GNU tar stores without its leading ``/``: until
    2026-12-04 a package more than one level down was not looked for, and the hand-in scored 0). A
    macOS zip's ``__MACOSX/`` is not searched.

    Raises:
        HandinError: no such package, or more than one at the shallowest depth holding one.
    """
    found: list[Path] = []
    level = [root]
    while level and not found:  # breadth first: the shallowest depth holding one, whole
        found = [where for where in level if (where / package / "__init__.py").is_file()]
        level = [
            Path(entry.path)
            for where in level
            for entry in sorted(os.scandir(where), key=lambda e: e.name)
            if entry.is_dir(follow_symlinks=False) and entry.name not in ("__MACOSX", package)
        ]
    if len(found) > 1:
        folders = ", ".join(_shown(p.relative_to(root).as_posix() if p != root else ".") for p in found)
        raise HandinError(f"the archive holds several {package}/ packages: {folders}")
    if found:
        return found[0]
    raise HandinError(
        f"the archive has no {package}/ package ({package}/__init__.py at its top level, as create_tarball.sh makes it)"
    )
