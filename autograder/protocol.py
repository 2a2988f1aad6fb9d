"""The only thing a worker may send back to the runner: named arrays, as an uncompressed .npz.

A worker (untrusted: it runs the student's code) writes to its result pipe one byte ``C`` once it
is contained, before the hand-in's code runs, one byte ``R`` when it has imported the hand-in and
is about to run the test, then ``D``, the payload's length
(8 bytes, big-endian) and the payload: an .npz archive of named arrays. The runner reads at
most ``MAX_RESULT_BYTES`` and decodes the payload with ``decode_arrays``, which accepts a zip
directory of at most ``_MAX_DIRECTORY_ENTRIES`` entries and ``_MAX_DIRECTORY_BYTES`` (both
known before ``zipfile`` reads it) and only stored (uncompressed) .npy members of numeric or
boolean dtype, no pickles, no object arrays, whose sizes add up to no more than the payload
(members may not share bytes), so nothing the worker sends can run code or expand in the
runner's memory; whatever it cannot read is refused (``ProtocolError``), never raised as
another error.

A student-side function that raises is reported as the array ``ERROR_KEY``: the UTF-8 text
of the exception, at most ``MAX_ERROR_BYTES``.
"""

from __future__ import annotations

import io
import math
import struct
import zipfile

import numpy as np

__all__ = [
    "DATA",
    "ERROR_KEY",
    "MAX_ERROR_BYTES",
    "CONTAINED",
    "MAX_RESULT_BYTES",
    "READY",
    "ProtocolError",
    "cut",
    "decode_arrays",
    "encode_arrays",
    "error_text",
    "frame",
]

CONTAINED = b"C"
"""Sent once the worker is contained (``jail.contain``), before anything of the hand-in's runs: from then on every
process of the test is readable by the runner (a ``uid`` worker has made itself dumpable again after switching uid),
and one it cannot read is the hand-in's doing (``isolation._too_full``). The test's own time limit (``--timeout``)
starts then: the hand-in's import counts."""
READY = b"R"
"""Sent once the hand-in is imported. (Until 2026-12-05 the test's own time limit started here, and a hand-in, whose
code runs in the worker, kept it back to run its test on ``--startup-timeout``'s time; it starts at ``CONTAINED``.)"""
DATA = b"D"
"""Precedes the payload's length and the payload."""
MAX_RESULT_BYTES = 8 * 2**20
"""The largest payload the runner reads; a graded test's arrays take a few kilobytes."""
MAX_ERROR_BYTES = 4000
ERROR_KEY = "__error__"
_MAX_ARRAYS = 64
_MAX_DIRECTORY_ENTRIES = 4 * _MAX_ARRAYS
"""The most central-directory signatures a payload may hold: ``zipfile`` reads every entry of
the directory, in Python, before the number of members can be checked."""
_DIRECTORY_SIGNATURE = b"PK\x01\x02"
_END_SIGNATURE, _END_BYTES = b"PK\x05\x06", 22
_ZIP64_LOCATOR_SIGNATURE, _ZIP64_LOCATOR_BYTES = b"PK\x06\x07", 20
_MAX_DIRECTORY_BYTES = 64 * 2**10
"""The largest zip directory a payload may have (64 arrays' entries take about 10 KiB): ``zipfile`` decodes
each entry's extra field in time that grows with the square of its size (it slices the rest of the field
once per record), so 60 entries of 16,383 empty records each cost the runner 0.6 s of CPU per test, outside
every time limit (until 2026-12-03). ``np.savez`` ends a payload with the end record, without a comment
or a Zip64 record, which tells ``zipfile`` the directory's size."""
_ALLOWED_KINDS = "biuf"  # bool, signed and unsigned integers, floats


class ProtocolError(ValueError):
    """The worker's payload is not an acceptable set of named arrays."""


def encode_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays as the bytes of an uncompressed .npz archive."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def frame(payload: bytes) -> bytes:
    """``D``, the payload's length, the payload: what a worker writes after ``READY``."""
    return DATA + struct.pack(">Q", len(payload)) + payload


def error_text(text: str) -> dict[str, np.ndarray]:
    """A student-side failure as a payload: the text, cut to ``MAX_ERROR_BYTES``."""
    data = text.encode("utf-8", errors="replace")[-MAX_ERROR_BYTES:]
    return {ERROR_KEY: np.frombuffer(data, dtype=np.uint8)}


def _read_array(data: bytes) -> np.ndarray:
    """One .npy member, its header checked before memory is set aside for its values: a
    header may claim any shape, and NumPy allocates what the shape needs before it reads.

    Raises:
        ValueError: not a .npy array of format 1.0 or 2.0, a shape that needs more bytes than
            the member holds, or an object array (it would need pickle).
    """
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"format version {version[0]}.{version[1]}; 1.0 or 2.0 only")
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(stream)
    needed = math.prod(shape) * dtype.itemsize
    if not dtype.hasobject and needed > len(data) - stream.tell():
        raise ValueError(f"its header claims shape {shape} of {dtype}, {needed} bytes, more than it holds")
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def cut(text: str, limit: int) -> str:
    """``text`` for a message, cut to ``limit`` characters (the cut ends in "...")."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(name: str) -> str:
    """A member's name for a message: quoted, cut to 100 characters (a zip name may have 64 KiB)."""
    return repr(cut(name, 100))


def _reason(error: Exception) -> str:
    """An error of ``zipfile`` or NumPy for a message: its type and text, cut to 300 characters."""
    return cut(f"{type(error).__name__}: {error}", 300)


def decode_arrays(payload: bytes) -> dict[str, np.ndarray]:
    """The named arrays of an .npz payload, checked member by member.

    Raises:
        ProtocolError: too large, a zip directory of more than ``_MAX_DIRECTORY_ENTRIES`` entries
            (counted before zipfile reads them) or ``_MAX_DIRECTORY_BYTES``, not a zip archive ending
            as ``np.savez`` ends one (an end record without a comment or a Zip64 record) or one
            Python's zipfile cannot read,
            members claiming more bytes in all than the payload holds (overlapping members),
            a compressed member, a member that is not a readable .npy array (or whose header
            claims more values than it holds), an object or string dtype, or too many arrays.
    """
    if len(payload) > MAX_RESULT_BYTES:
        raise ProtocolError(f"the result is {len(payload)} bytes, over the limit of {MAX_RESULT_BYTES}")
    # Every entry zipfile accepts starts with the signature, so its count bounds zipfile's work. (Until
    # 2026-12-03 a payload of 8 MiB holding 150,000 directory entries and no member cost the runner 4 to
    # 15 s of CPU and 67 MB, per test and outside every time limit, before it was refused.)
    if payload.count(_DIRECTORY_SIGNATURE) > _MAX_DIRECTORY_ENTRIES:
        raise ProtocolError(f"the result's zip directory has over {_MAX_DIRECTORY_ENTRIES} entries")
    end, zip64 = payload[-_END_BYTES:], payload[-_END_BYTES - _ZIP64_LOCATOR_BYTES : -_END_BYTES][:4]
    ends_as_savez = len(end) == _END_BYTES and end[:4] == _END_SIGNATURE and end[-2:] == b"\0\0"
    if not ends_as_savez or zip64 == _ZIP64_LOCATOR_SIGNATURE:  # (zipfile reads the directory this record gives)
        raise ProtocolError("the result is not an .npz archive (it does not end as np.savez ends one)")
    (directory_bytes,) = struct.unpack("<I", end[12:16])
    if directory_bytes > _MAX_DIRECTORY_BYTES:
        raise ProtocolError(f"the result's zip directory has {directory_bytes} bytes, over {_MAX_DIRECTORY_BYTES}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        members = archive.infolist()
    except Exception as error:  # noqa: BLE001 - zipfile also raises NotImplementedError (an unknown version)
        raise ProtocolError(f"the result is not an .npz archive ({_reason(error)})") from None
    if len(members) > _MAX_ARRAYS:
        raise ProtocolError(f"the result holds {len(members)} arrays, over the limit of {_MAX_ARRAYS}")
    for member in members:
        if member.compress_type != zipfile.ZIP_STORED:
            raise ProtocolError(f"result member {_shown(member.filename)} is compressed")
        if not member.filename.endswith(".npy"):
            raise ProtocolError(f"result member {_shown(member.filename)} is not a .npy array")
    claimed = sum(max(member.file_size, member.compress_size) for member in members)
    if claimed > len(payload):  # members whose data overlap: 64 of them made 7 MiB into 448 MiB of arrays
        raise ProtocolError(f"the result's members claim {claimed} bytes in all, more than its {len(payload)}")
    arrays = {}
    for member in members:
        try:
            with archive.open(member) as stream:
                array = _read_array(stream.read(member.file_size))
        except Exception as error:  # noqa: BLE001 - also RuntimeError (encrypted), NotImplementedError (flags)
            raise ProtocolError(
                f"result member {_shown(member.filename)} is not a readable array ({_reason(error)})"
            ) from None
        if array.dtype.kind not in _ALLOWED_KINDS:
            raise ProtocolError(f"result array {_shown(member.filename[:-4])} has dtype {array.dtype}; numbers only")
        arrays[member.filename[:-4]] = array
    return arrays
