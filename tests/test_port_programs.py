"""PyTorch programs as learners and course staff write them (``tests/port_programs/``: a char-level
LSTM/GRU, custom autograd Functions and higher-order gradients, an iterable data set, an optimizer
subclass with ``self.state``, Grad-CAM with module hooks, a mixed-precision loop with
``GradScaler``, seq2seq with attention, d2l.ai's lazy modules, skip-gram with ``max_norm``, and
forty-eight float64 ones: a CNN on the bundled digits, packed sequences, a Transformer encoder, LBFGS,
a training loop with checkpoints, torch.func per-sample gradients, a VAE with distributions, tensor
idioms, a GAN, module surgery, gradient accumulation, ensembles and weight averaging, a
convolutional autoencoder, a CRNN with CTC, a ResNet resumed from a checkpoint and fine-tuned
with strict=False, distillation with KLDivLoss, a physics-informed network with forward_ad and
saved_tensors_hooks, a torch.fft filter, a gradient penalty through a custom Function, a Gaussian
process, a zoo of losses, a small vision transformer, a zoo of optimizers and schedulers, a graph
convolutional network on a sparse adjacency, contrastive learning and adversarial attacks, a
RealNVP flow and k-means, a GRUCell/LSTMCell language model with truncated backpropagation, a
U-Net with MaxUnpool2d, REINFORCE and a double DQN, an LSTM forecaster, pruning, second-order MAML, an nn.Transformer
reversing sequences, low-rank Gaussians in a mixture density network, word2vec with SparseAdam, an implicit
layer by Newton and LU, a Gumbel-softmax VAE, style transfer, an orthogonal-recurrence language model
with an adaptive softmax and a von Mises fit, and six of a learner's everyday habits: a CNN saved
and loaded, padded LSTM/GRU classifiers, an einsum regression, a convolutional VAE, causal
attention with masks, freezing and evaluation idioms, a text CNN with a weighted loss, and
softmax regression from scratch, a Siamese network with metrics; two replicas of a multi-process
script averaged by hand, BPR matrix factorisation, a Hamiltonian network, a tabular model with
missing values, a squashed-Normal likelihood trained by Adafactor, maximum-likelihood and MAP fits with
FisherSnedecor, Kumaraswamy, GeneralizedPareto, LogisticNormal, Wishart and LKJCholesky, and four
first-course scripts: a tabular regression from a TensorDataset, a module with buffers and two
schedulers, a tiny autoencoder with BCEWithLogitsLoss, gradient descent by hand) run on
MyTorch with only their imports changed; where PyTorch is installed they print the same (the
weights are loaded from NumPy draws in both; numbers agree to 1e-4, as float32 and PyTorch's
4-digit printing allow, or to what a float64 program's ``# tolerance:`` line asks;
``torch.Size([2, 3])`` and ``(2, 3)`` print the same shape)."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

import mytorch

PROGRAMS = sorted((Path(__file__).parent / "port_programs").glob("*.py"))
IMPORTS = [
    (re.compile(r"^import torch$", re.M), "import mytorch as torch"),
    (re.compile(r"^import torch\.(\S+) as (\w+)$", re.M), r"import mytorch.\1 as \2"),
    (re.compile(r"^from torch(\.\S+)? import", re.M), r"from mytorch\1 import"),
]
NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf"


def ported(text: str) -> str:
    """The program with its imports naming MyTorch."""
    for pattern, replacement in IMPORTS:
        text = pattern.sub(replacement, text)
    return text


def output(text: str, name: str, save_dir: Path) -> str:
    """What the program prints, run in this process; the print options and the default dtype it
    sets (``torch.set_printoptions(precision=3)``, ``torch.set_default_dtype(torch.float64)``) are
    put back after it, for MyTorch and PyTorch alike, so that the later tests run as they expect."""
    save_dir.mkdir(exist_ok=True)
    printed = io.StringIO()
    libraries = [mytorch] + ([sys.modules["torch"]] if "torch" in sys.modules else [])
    dtypes = [library.get_default_dtype() for library in libraries]
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(text.replace("SAVE_DIR/", f"{save_dir}/"), name, "exec"), {"__name__": "__main__"})
    finally:
        for library, dtype in zip(libraries, dtypes):
            library.set_printoptions(profile="default")
            library.set_default_dtype(dtype)
    return printed.getvalue()


def tokens(text: str) -> list[str]:
    """Words, numbers and marks of a printout, with PyTorch's and MyTorch's spellings of shapes and
    dtypes made one."""
    text = text.replace("mytorch", "torch")
    text = re.sub(
        r"torch\.Size\(\[([^\]]*)\]\)", lambda m: f"({m.group(1)}{',' if m.group(1).isdigit() else ''})", text
    )
    text = re.sub(r"dtype\('(\w+)'\)", r"\1", text)
    text = re.sub(r"torch\.((?:b?float|u?int|bool|complex)\d*)\b", r"\1", text)
    return re.findall(NUMBER + r"|[A-Za-z_]+|\S", text)


def tolerance(text: str) -> float:
    """How near MyTorch's printed numbers must be to PyTorch's: 1e-4 (float32 and PyTorch's
    4-digit printing), or what a float64 program's ``# tolerance: 1e-9`` line asks."""
    found = re.search(r"^# tolerance: (\S+)$", text, re.M)
    return float(found.group(1)) if found else 1e-4


def same(a: str, b: str, within: float = 1e-4) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= within * max(1.0, abs(x), abs(y)) or (x != x and y != y)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_the_program_runs_with_only_its_imports_changed(path, tmp_path):
    text = path.read_text()
    changed = [(a, b) for a, b in zip(text.splitlines(), ported(text).splitlines()) if a != b]
    assert changed and all("import" in a and "mytorch" in b for a, b in changed)
    assert output(ported(text), path.name, tmp_path).strip()


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_the_program_prints_what_it_prints_on_torch(path, tmp_path):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    text = path.read_text()
    mine = tokens(output(ported(text), path.name, tmp_path / "mytorch"))
    theirs = tokens(output(text, path.name, tmp_path / "torch"))
    assert len(mine) == len(theirs), (mine, theirs)
    within = tolerance(text)
    for i, (a, b) in enumerate(zip(mine, theirs)):
        context = " ".join(theirs[max(0, i - 12) : i + 3])
        assert same(a, b, within), f"token {i}: MyTorch {a!r}, PyTorch {b!r}: ... {context}"


def test_a_float64_program_leaves_the_default_dtype_as_it_was(tmp_path):
    path = next(p for p in PROGRAMS if p.stem == "lbfgs_logreg")
    assert "set_default_dtype(torch.float64)" in path.read_text() and tolerance(path.read_text()) == 1e-8
    output(ported(path.read_text()), path.name, tmp_path)
    assert mytorch.get_default_dtype() == mytorch.float32 and mytorch.zeros(1).dtype == mytorch.float32


def test_a_program_setting_print_options_leaves_them_as_they_were(tmp_path):
    # mixed_precision_loop.py ends with torch.set_printoptions(precision=3): run in this process,
    # it set every later test's printing to 3 digits
    before = repr(mytorch.tensor([0.123456789]))
    path = next(p for p in PROGRAMS if p.stem == "mixed_precision_loop")
    assert "set_printoptions(precision=3)" in path.read_text()
    output(ported(path.read_text()), path.name, tmp_path)
    assert repr(mytorch.tensor([0.123456789])) == before != "tensor([0.123])"
