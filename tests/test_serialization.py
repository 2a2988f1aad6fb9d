"""``mytorch.save`` / ``mytorch.load``: round trips, atomic writes, no pickle, clear refusals."""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import zipfile

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch import serialization


def test_a_tensor_round_trips_with_dtype_shape_and_requires_grad(tmp_path):
    for value in (mt.tensor([1.5, -2.0], requires_grad=True), mt.tensor(3, dtype=mt.int64), mt.tensor([[True, False]])):
        path = tmp_path / "t.pt"
        mt.save(value, path)
        back = mt.load(path)
        assert isinstance(back, mt.Tensor) and back.dtype == value.dtype and back.shape == value.shape
        assert back.requires_grad == value.requires_grad
        np.testing.assert_array_equal(back.numpy(), value.numpy())
    assert sorted(os.listdir(tmp_path)) == ["t.pt"]  # the name as given, no .npz added, no temporary left


def test_a_state_dict_with_buffers_round_trips_into_a_fresh_model(tmp_path):
    def built():  # float64 throughout (a float32 layer refuses float64 input, as in PyTorch)
        f64 = mt.float64
        return nn.Sequential(nn.Linear(3, 4, dtype=f64), nn.BatchNorm1d(4, dtype=f64), nn.Linear(4, 2, dtype=f64))

    model = built()
    model(mt.randn(5, 3, dtype=mt.float64))  # running statistics move
    path = str(tmp_path / "model.pt")
    mt.save(model.state_dict(), path)
    state = mt.load(path)
    assert list(state) == list(model.state_dict())  # the order kept
    assert state["1.num_batches_tracked"].dtype == np.int64 and state["2.weight"].dtype == np.float64
    fresh = built()
    fresh.load_state_dict(state)
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    x = mt.randn(2, 3, dtype=mt.float64)
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), fresh(x).detach().numpy())


def test_arrays_and_numbers_in_a_dict_come_back_as_they_were(tmp_path):
    path = tmp_path / "mixed.pt"
    mt.save({"w": np.arange(3.0), "step": 7, "lr": 0.5, "done": True, "any name / with spaces": mt.zeros(1)}, path)
    back = mt.load(path, map_location="cpu", weights_only=True)
    assert isinstance(back["w"], np.ndarray) and back["step"] == 7 and type(back["step"]) is int
    assert back["lr"] == 0.5 and back["done"] is True and isinstance(back["any name / with spaces"], mt.Tensor)


def test_the_file_is_a_plain_npz_that_numpy_reads_without_pickle(tmp_path):
    path = tmp_path / "w.pt"
    mt.save({"a": mt.ones(2)}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive["__names__"].tolist() == ["a"]
        np.testing.assert_array_equal(archive["0"], [1.0, 1.0])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    mt.save({"a": mt.ones(2)}, path)

    def broken(stream, **arrays):
        stream.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(serialization.np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        mt.save({"a": mt.zeros(2)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(mt.load(path)["a"].numpy(), [1.0, 1.0])
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_a_folder_that_cannot_be_written_is_named_not_the_temporary_file(tmp_path, monkeypatch):
    # the error named ".ckpt.pt.x1y2.tmp", a file the user never asked for
    def refuse(*args, prefix="", dir=None, **kwargs):  # noqa: A002 - tempfile.mkstemp's keyword
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "x1y2.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as refused:
        mt.save({"a": mt.ones(2)}, tmp_path / "ckpt.pt")
    assert refused.value.filename == str(tmp_path / "ckpt.pt") and "Permission denied" in str(refused.value)


def _written(save, *args, **arrays):
    """A writer of ``save(stream, *args, **arrays)`` into a path (np.save would add .npy to a name)."""

    def write(path):
        with open(path, "wb") as stream:
            save(stream, *args, **arrays)

    return write


def _torch_like(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"x")


HEADER = {"__mytorch__": np.array(["mytorch.save 1", "dict"]), "__names__": np.array(["a"])}


@pytest.mark.parametrize(
    "write, why",
    [
        (lambda p: p.write_bytes(b"not a checkpoint" * 4), "reading it would need pickle"),
        (_written(np.save, np.ones(2)), "a single .npy array"),
        (_written(np.savez, a=np.ones(2)), r"without MyTorch's header; it holds \['a'\]"),
        (_written(np.savez, **HEADER, __kinds__=np.array(["array"]), **{"0": np.array([{}])}), "would need pickle"),
        (_written(np.savez, **HEADER, __kinds__=np.array(["array"])), "its entries do not match its header"),
        (  # a single tensor without an entry (was an IndexError), and kinds that are not a list
            _written(
                np.savez,
                __mytorch__=np.array(["mytorch.save 1", "single"]),
                __names__=np.array([], dtype=str),
                __kinds__=np.array([], dtype=str),
            ),
            "its entries do not match its header",
        ),
        (_written(np.savez, **HEADER, __kinds__=np.array("array"), **{"0": np.ones(2)}), "do not match its header"),
        (_torch_like, "PyTorch's torch.save format"),
        # each of these was NumPy's or Python's own error far from the file, or a wrong value:
        (_written(np.savez, __mytorch__=np.array(5)), "an unknown header 5"),  # TypeError: not subscriptable
        (_written(np.savez, **HEADER, __kinds__=np.array(["int"]), **{"0": np.array(2.5)}), "'int' stored as float64"),
        (  # names of another shape: TypeError unhashable list
            _written(np.savez, **{**HEADER, "__names__": np.array([["a"]])}, __kinds__=np.array(["array"]), **{"0": 1}),
            "its entries do not match its header",
        ),
        (  # a reference to array -1: the last array, silently
            _written(
                np.savez,
                __mytorch__=np.array(["mytorch.save 2", "tree"]),
                __kinds__=np.array(["array"]),
                __tree__=np.array('{"list": [{"ref": -1}]}'),
                **{"0": np.ones(2)},
            ),
            "a reference to array -1 of 1",
        ),
        (  # a size of negative or non-whole lengths
            _written(
                np.savez,
                __mytorch__=np.array(["mytorch.save 2", "tree"]),
                __kinds__=np.array([], dtype=str),
                __tree__=np.array('{"size": [2, -1]}'),
            ),
            r"a size of \[2, -1\], not of whole numbers from 0 up",
        ),
    ],
)
def test_a_bad_file_is_a_value_error_naming_it(tmp_path, write, why):
    path = tmp_path / "bad.pt"
    write(path)
    with pytest.raises(ValueError, match=rf"mytorch.load: '.*bad.pt' is not a file mytorch.save wrote \(.*{why}"):
        mt.load(path)


def test_a_truncated_file_is_a_value_error(tmp_path):
    path = tmp_path / "cut.pt"
    mt.save({"a": mt.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="cut.pt' is not a file mytorch.save wrote"):
        mt.load(path)


def test_a_nested_checkpoint_round_trips_as_format_2(tmp_path):
    """PyTorch's checkpoint: model and optimizer state dicts, numbers, a list, a string, None,
    a tuple, integer keys and a key ending in NUL (kept by the JSON structure), in order."""
    net = nn.Linear(3, 2)
    optimizer = mt.optim.Adam(net.parameters())
    net(mt.ones(1, 3)).sum().backward()
    optimizer.step()
    checkpoint = {"epoch": 5, "model": net.state_dict(), "optimizer": optimizer.state_dict(), "loss": np.float64(0.25)}
    checkpoint |= {"losses": [1.0, float("nan")], "name": "mlp", "none": None, "pair": (2, mt.ones(2)), 3: "three"}
    checkpoint["a\0"] = mt.zeros(1, requires_grad=True)
    path = tmp_path / "checkpoint.pt"
    mt.save(checkpoint, path)
    back = mt.load(path)
    assert list(back) == list(checkpoint) and back["epoch"] == 5 and back["loss"] == 0.25 and back[3] == "three"
    assert back["losses"][0] == 1.0 and math.isnan(back["losses"][1]) and back["name"] == "mlp" and back["none"] is None
    assert back["pair"][0] == 2 and back["pair"][1].tolist() == [1.0, 1.0] and back["a\0"].requires_grad
    fresh, fresh_optimizer = nn.Linear(3, 2), None
    fresh.load_state_dict(back["model"])
    fresh_optimizer = mt.optim.Adam(fresh.parameters())
    fresh_optimizer.load_state_dict(back["optimizer"])
    np.testing.assert_array_equal(fresh.weight.data, net.weight.data)
    np.testing.assert_array_equal(fresh_optimizer.m[0], optimizer.m[0])
    with np.load(path, allow_pickle=False) as archive:  # plain arrays and a JSON text
        assert archive["__mytorch__"].tolist() == ["mytorch.save 2", "tree"] and "__tree__" in archive.files
    mt.save([mt.ones(2)], path)
    assert mt.load(path)[0].tolist() == [1.0, 1.0]
    mt.save({"seed": 2**70, "step": 3}, path)  # (was refused as "Python objects": NumPy has no such int)
    assert mt.load(path) == {"seed": 2**70, "step": 3}


def test_what_save_refuses(tmp_path):
    path = tmp_path / "x.pt"
    with pytest.raises(TypeError, match="the object\\['state'\\]\\[0\\] is a object"):
        mt.save({"state": [object()]}, path)
    with pytest.raises(TypeError, match="keys must be strings or integers"):
        mt.save({1.5: mt.ones(1)}, path)
    with pytest.raises(TypeError, match="dtype object"):
        mt.save(np.array([{}], dtype=object), path)
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="nests too deep to save, or contains itself"):  # was a RecursionError
        mt.save({"losses": loop}, path)
    with pytest.raises(TypeError, match="give a file path .* or a binary file object with a write"):
        mt.save(mt.ones(1), 3)
    with pytest.raises(FileNotFoundError):
        mt.load(tmp_path / "missing.pt")
    assert not path.exists()


def test_pytorch_cannot_read_it_nor_mytorch_pytorchs(tmp_path):
    torch = pytest.importorskip("torch")
    ours, theirs = tmp_path / "ours.pt", tmp_path / "theirs.pt"
    mt.save({"w": mt.ones(2)}, ours)
    with pytest.raises(Exception):  # noqa: B017 - whichever error torch raises: it is not its format
        torch.load(ours, weights_only=True)
    torch.save({"w": torch.ones(2)}, theirs)
    with pytest.raises(ValueError, match="torch.save format"):
        mt.load(theirs)
    # the way across: arrays
    mt.save({k: mt.tensor(v.numpy()) for k, v in torch.load(theirs, weights_only=True).items()}, ours)
    np.testing.assert_array_equal(mt.load(ours)["w"].numpy(), [1.0, 1.0])


def test_load_state_dict_refuses_values_that_are_not_numbers_changing_nothing():
    # strings for the bias raised copy_'s conversion error after the weight had been copied
    net = nn.Linear(3, 2)
    before = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    with pytest.raises(TypeError, match=r"Linear.load_state_dict: 'bias' holds <U1, not numbers"):
        net.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.array(["a", "b"])})
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), before[key])


@pytest.mark.parametrize(
    ("module", "key", "value", "error", "message"),
    [
        (lambda: nn.Linear(3, 2), "weight", np.ones((2, 3)) + 1j, TypeError, "holds complex numbers (complex128)"),
        (
            lambda: nn.Linear(3, 2).half(),
            "bias",
            np.array([1e6, 0.0]),
            ValueError,
            "holds 1000000.0, beyond float16's range",
        ),
        (lambda: nn.BatchNorm1d(2), "num_batches_tracked", np.array(2.5), ValueError, "holds 2.5, which int64 cannot"),
        (lambda: nn.BatchNorm1d(2), "num_batches_tracked", np.array(np.nan), ValueError, "holds nan, which int64"),
    ],
    ids=["complex", "float16 overflow", "fractional count", "nan count"],
)
def test_load_state_dict_refuses_values_the_cast_would_change_changing_nothing(module, key, value, error, message):
    # complex weights lost their imaginary part (a warning), 1e6 became inf in float16, 2.5 batches became 2
    net = module()
    before = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    state = {k: np.ones_like(v) if k != "num_batches_tracked" else v for k, v in before.items()}
    with pytest.raises(error, match=re.escape(f"{type(net).__name__}.load_state_dict: {key!r} {message}")):
        net.load_state_dict({**state, key: value})
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])
    net.load_state_dict(state)  # the same state without the bad value loads
    assert all((v.numpy() == state[k]).all() for k, v in net.state_dict().items())
    with pytest.raises(TypeError, match="Linear.load_state_dict: expected a dict of names to tensors, got list"):
        nn.Linear(3, 2).load_state_dict([1, 2])  # (read as its keys: KeyError "unexpected keys [1, 2]")
    whole = nn.BatchNorm1d(2)
    whole.load_state_dict({**whole.state_dict(), "num_batches_tracked": np.array(3.0)})  # a whole float is a count
    assert whole.num_batches_tracked.item() == 3


def test_a_longdouble_scalar_is_refused_in_words_and_its_array_round_trips(tmp_path):
    # json's "Object of type longdouble is not JSON serializable", naming neither save nor the key
    if np.dtype(np.longdouble).itemsize <= 8:
        pytest.skip("longdouble is float64 here")
    with pytest.raises(TypeError, match=r"mytorch.save: the object\['a'\] is a float128 scalar"):
        mt.save({"a": np.longdouble(1) / 3}, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()
    third = np.asarray(np.longdouble(1) / 3)
    mt.save({"a": third}, tmp_path / "x.pt")
    loaded = mt.load(tmp_path / "x.pt")["a"]
    assert loaded.dtype == np.longdouble and loaded == third


def _damaged_zips(tmp_path):
    """Archives whose zip structure is damaged in ways zipfile reports with errors other than
    BadZipFile: a version needed that zipfile does not know (NotImplementedError), the flag of an
    encrypted member (RuntimeError), a deflated member whose stream is garbage (zlib.error)."""
    import io

    def central(payload: bytes, offset: int, value: int) -> bytes:
        at = payload.index(b"PK\x01\x02") + offset
        return payload[:at] + value.to_bytes(2, "little") + payload[at + 2 :]

    stream = io.BytesIO()
    mt.save({"w": mt.ones(3)}, tmp := tmp_path / "good.pt")
    good = tmp.read_bytes()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive, zipfile.ZipFile(tmp) as source:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
    deflated = bytearray(stream.getvalue())
    local = deflated.index(b"PK\x03\x04")
    field = lambda at, n: int.from_bytes(deflated[local + at : local + at + n], "little")  # noqa: E731
    size, start = field(18, 4), local + 30 + field(26, 2) + field(28, 2)  # (compressed size; name, extra lengths)
    deflated[start : start + size] = b"\xff" * size  # a block of the reserved type 3: "invalid block type"
    return {
        "version": central(good, 6, 64),
        "encrypted": central(good, 8, 1),
        "deflate": bytes(deflated),
    }


@pytest.mark.parametrize("damage", ["version", "encrypted", "deflate"])
def test_a_damaged_zip_structure_is_a_value_error_naming_the_file(tmp_path, damage):
    # each was zipfile's or zlib's own error (NotImplementedError, RuntimeError, zlib.error),
    # naming neither load nor the file
    from hw_bonus.npz import load_npz

    path = tmp_path / "damaged.pt"
    path.write_bytes(_damaged_zips(tmp_path)[damage])
    with pytest.raises(ValueError, match=r"mytorch.load: '.*damaged.pt' is not a file mytorch.save wrote"):
        mt.load(path)
    with pytest.raises(ValueError, match=r"damaged.pt: not a readable .npz file"):
        load_npz(path)


def test_a_tensor_stored_in_the_other_byte_order_loads_in_the_native_one(tmp_path):
    # a file written where the other byte order is native: its tensors load as the same numbers
    swapped = np.array([1.5, -2.0], dtype=np.dtype(np.float32).newbyteorder("S"))
    path = tmp_path / "swapped.pt"
    _written(np.savez, **HEADER, __kinds__=np.array(["tensor"]), **{"0": swapped})(path)
    loaded = mt.load(path)["a"]
    assert loaded.dtype == mt.float32 and loaded.tolist() == [1.5, -2.0]


def test_a_masked_array_is_refused_not_saved_without_its_mask(tmp_path):
    # np.savez writes a masked array's data alone: its masked entries loaded back as numbers
    from hw_bonus.npz import save_npz

    values = np.ma.array([1.0, -999.0], mask=[0, 1])
    for obj in ({"a": values}, {"epoch": 1, "arrays": [values]}):
        with pytest.raises(TypeError, match=r"mytorch.save: .* is a masked array, whose masked entries"):
            mt.save(obj, tmp_path / "masked.pt")
    with pytest.raises(TypeError, match=r"save_npz: array 'a' is a masked array"):
        save_npz(tmp_path / "masked.npz", {"a": values})
    assert not list(tmp_path.iterdir())  # nothing written


def test_save_and_load_take_binary_file_objects_as_pytorchs_do(tmp_path):
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    checkpoint = {"epoch": 4, "model": net.state_dict(), "losses": [0.5, 0.25]}
    for obj in (mt.tensor([1.5, -2.0], requires_grad=True), net.state_dict(), checkpoint):
        buffer = io.BytesIO()
        buffer.write(b"header")  # written at the current position, not from the start
        mt.save(obj, buffer)
        buffer.seek(6)
        back = mt.load(buffer)
        assert buffer.tell() == len(buffer.getvalue())  # (read to its end)
        flat = back["model"] if isinstance(back, dict) and "model" in back else back
        if isinstance(flat, dict):
            assert list(flat) == list(net.state_dict())
            for key, value in net.state_dict().items():
                np.testing.assert_array_equal(flat[key].numpy(), value.numpy())
        else:
            assert flat.requires_grad and flat.tolist() == [1.5, -2.0]
    assert back["epoch"] == 4 and back["losses"] == [0.5, 0.25]
    path = tmp_path / "net.pt"
    with open(path, "wb") as stream:  # (not closed by save: the with closes it)
        mt.save(net.state_dict(), stream)
        assert not stream.closed
    with open(path, "rb") as stream:
        assert list(mt.load(stream)) == list(mt.load(path)) == list(net.state_dict())


def test_file_objects_save_refuses_or_load_cannot_read_are_named():
    buffer = io.BytesIO()
    with pytest.raises(TypeError, match="the StringIO is open in text mode; open it in binary mode"):
        mt.save(mt.ones(1), io.StringIO())
    with pytest.raises(TypeError, match="is a object"):  # refused before anything is written
        mt.save({"w": object()}, buffer)
    assert buffer.getvalue() == b""
    mt.save(mt.ones(1), buffer)
    with pytest.raises(ValueError, match="the BytesIO is not a file .*after save, rewind it with seek\\(0\\)"):
        mt.load(buffer)  # (not rewound: nothing left to read)
    with pytest.raises(ValueError, match="the BytesIO is not a file mytorch.save wrote"):
        mt.load(io.BytesIO(b"not an archive"))
    with pytest.raises(TypeError, match="binary file object with a read"):
        mt.load(b"bytes")


def test_a_torch_save_stream_is_refused_and_arrays_cross_over():
    torch = pytest.importorskip("torch")
    theirs = io.BytesIO()
    torch.save({"w": torch.ones(2)}, theirs)
    theirs.seek(0)
    with pytest.raises(ValueError, match="torch.save format"):
        mt.load(theirs)
    ours = io.BytesIO()
    theirs.seek(0)
    mt.save({k: v.numpy() for k, v in torch.load(theirs, weights_only=True).items()}, ours)
    ours.seek(0)
    np.testing.assert_array_equal(mt.load(ours)["w"], [1.0, 1.0])


def test_a_shape_comes_back_as_a_size(tmp_path):
    """``t.shape`` saved in a checkpoint came back as a plain tuple until 2026-12-05 (PyTorch's
    ``torch.load`` gives a ``torch.Size``); tuples stay tuples."""
    t = mt.ones(2, 3)
    path = tmp_path / "shapes.pt"
    mt.save({"shape": t.shape, "sizes": [t.size(), mt.Size([])], "pair": (2, 3)}, path)
    loaded = mt.load(path)
    assert type(loaded["shape"]) is mt.Size and loaded["shape"] == (2, 3)
    assert [type(s) for s in loaded["sizes"]] == [mt.Size, mt.Size] and loaded["sizes"][1] == ()
    assert type(loaded["pair"]) is tuple
    mt.save(t.shape, path)
    assert repr(mt.load(path)) == "torch.Size([2, 3])"
