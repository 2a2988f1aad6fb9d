"""Bad input fails loudly: the exception's type, and a message naming the op and the shapes."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch
from mytorch import NO_GRAD, Autograd
from mytorch.nn import functional as F


# --------------------------------------------------------------------------- add_operation
def test_lengths_of_inputs_and_gradients_to_update_differ(engine: Autograd) -> None:
    a, b = np.ones(2), np.ones(2)
    message = r"add_operation\(add_backward\): 2 inputs but 1 entries in gradients_to_update"
    with pytest.raises(ValueError, match=message):
        engine.add_operation([a, b], a + b, [None], F.add_backward)


def test_gradient_array_of_the_wrong_shape(engine: Autograd) -> None:
    x, W = np.ones((4, 3)), np.ones((2, 3))
    dW = np.zeros_like(W)
    message = r"matmul_backward.*gradients_to_update\[1\] has shape \(2, 3\) but input 1 has shape \(3, 2\)"
    with pytest.raises(ValueError, match=message):
        engine.add_operation([x, W.T], x @ W.T, [None, dW], F.matmul_backward)


def test_non_array_input(engine: Autograd) -> None:
    with pytest.raises(TypeError, match=r"add_operation\(exp_backward\): input 0 must be a numpy.ndarray, got list"):
        engine.add_operation([[1.0, 2.0]], np.ones(2), [None], F.exp_backward)


def test_non_array_output(engine: Autograd) -> None:
    with pytest.raises(TypeError, match=r"add_operation\(exp_backward\): output must be a numpy.ndarray, got float"):
        engine.add_operation([np.ones(2)], 1.0, [None], F.exp_backward)


def test_an_output_buffer_an_earlier_operation_read(engine: Autograd) -> None:
    # y = sin(exp(2 x)) computed through one out= buffer: the third operation writes the array
    # the second one read; the tape keys gradients by array, so backward mixed the gradient of
    # 2 x with that of the result (x.grad [2.19, -0.29, 1.38], not cos(e) e 2 with e = exp(2 x))
    x, buffer = np.array([1.0, 2.0, 3.0]), np.empty(3)
    engine.add_operation([x, np.array(2.0)], np.multiply(x, 2.0, out=buffer), [None, NO_GRAD], F.mul_backward)
    e = np.exp(buffer)
    engine.add_operation([buffer], e, [None], F.exp_backward, {"out": e})
    message = r"add_operation\(sin_backward\): the output \(shape \(3,\)\) is an input of an operation already"
    with pytest.raises(ValueError, match=message):
        engine.add_operation([e], np.sin(e, out=buffer), [None], F.sin_backward)
    # recorded out of the order they ran: the consumer first, then the op making its input
    engine.zero_grad()
    h = x * 2.0
    engine.add_operation([h], np.exp(h), [None], F.exp_backward)
    with pytest.raises(ValueError, match=r"recorded out of the order they ran"):
        engine.add_operation([x, np.array(2.0)], h, [None, NO_GRAD], F.mul_backward)
    engine.zero_grad()  # a new tape: the buffer may be written again
    engine.add_operation([x, np.array(2.0)], np.multiply(x, 2.0, out=buffer), [None, NO_GRAD], F.mul_backward)
    engine.backward(1.0)
    np.testing.assert_array_equal(engine.gradient_buffer.get_param(x), 2.0)


@pytest.mark.parametrize("read_as", ["parameter", "constant"])
def test_an_output_written_into_a_parameter_or_constant_an_earlier_operation_read(engine: Autograd, read_as) -> None:
    # z = x @ W (W with its own gradient array dW, or a NO_GRAD constant), then tanh(z) written
    # into W itself: the buffer's spots hold only inputs whose gradient the buffer keeps, so this
    # was recorded, and backward read the overwritten W for x's gradient, silently
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    z = x @ w
    engine.add_operation([x, w], z, [None, np.zeros_like(w) if read_as == "parameter" else NO_GRAD], F.matmul_backward)
    message = r"add_operation\(tanh_backward\): the output \(shape \(3, 3\)\) is an input of an operation already"
    with pytest.raises(ValueError, match=message):
        engine.add_operation([z], np.tanh(z, out=w), [None], F.tanh_backward)
    engine.zero_grad()  # a new tape: W may be written again
    engine.add_operation([z], np.tanh(z, out=w), [None], F.tanh_backward)


def test_integer_array_that_needs_a_gradient(engine: Autograd) -> None:
    x = np.arange(3)
    message = rf"add_operation\(neg_backward\): input 0 has dtype {x.dtype} and needs a gradient"
    with pytest.raises(TypeError, match=message):
        engine.add_operation([x], -x, [None], F.neg_backward)
    engine.add_operation([x], -x, [NO_GRAD], F.neg_backward)  # fine when it needs none
    assert len(engine.operation_list) == 1


def test_bad_gradients_to_update_entry(engine: Autograd) -> None:
    with pytest.raises(TypeError, match=r"gradients_to_update\[0\] must be None, NO_GRAD or a numpy.ndarray, got str"):
        engine.add_operation([np.ones(2)], np.ones(2), ["dW"], F.exp_backward)


def test_kernel_not_callable(engine: Autograd) -> None:
    with pytest.raises(TypeError, match="backward_operation 'exp' is not callable"):
        engine.add_operation([np.ones(2)], np.ones(2), [None], "exp")


# --------------------------------------------------------------------------- backward
def test_backward_on_an_empty_tape(engine: Autograd) -> None:
    with pytest.raises(ValueError, match="backward: the tape is empty"):
        engine.backward()
    F.apply(engine, "exp", np.ones(2))
    engine.zero_grad()
    with pytest.raises(ValueError, match="backward: the tape is empty"):
        engine.backward()


def test_divergence_that_cannot_broadcast(engine: Autograd) -> None:
    F.apply(engine, "exp", np.ones((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"divergence of shape \(2,\) cannot broadcast to the output's shape \(2, 3\) "
        r"\(exp_backward",
    ):
        engine.backward(np.ones(2))


def test_kernel_returning_the_wrong_number_of_gradients(engine: Autograd) -> None:
    def half_backward(grad_output, a, b):
        return (grad_output,)

    a, b = np.ones(2), np.ones(2)
    engine.add_operation([a, b], a + b, [None, None], half_backward)
    with pytest.raises(
        ValueError,
        match=r"operation 0 \(half_backward\(\(2,\), \(2,\)\) -> \(2,\)\) returned 1 "
        r"gradients for 2 inputs",
    ):
        engine.backward()


def test_kernel_returning_a_wrongly_shaped_gradient(engine: Autograd) -> None:
    def sum_all_backward(grad_output, x):
        return (grad_output,)  # forgot to spread g back to x's shape

    x = np.ones((2, 3))
    engine.add_operation([x], np.asarray(x.sum()), [None], sum_all_backward)
    message = r"operation 0 .*returned a gradient of shape \(\) for an input of shape \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        engine.backward()


def test_kernel_returning_something_that_is_not_an_array(engine: Autograd) -> None:
    def text_backward(grad_output, x):
        return ("oops",)

    x = np.ones(2)
    engine.add_operation([x], x.copy(), [None], text_backward)
    with pytest.raises(TypeError, match=r"operation 0 \(text_backward.*returned a str as a gradient"):
        engine.backward()


def test_wrong_shape_raises_even_into_a_parameter(engine: Autograd) -> None:
    def flat_backward(grad_output, w):
        return (grad_output.ravel(),)

    w = np.ones((2, 2))
    dw = np.zeros_like(w)
    engine.add_operation([w], w.copy(), [dw], flat_backward)
    with pytest.raises(ValueError, match=r"gradient of shape \(4,\) for an input of shape \(2, 2\)"):
        engine.backward()
    np.testing.assert_array_equal(dw, 0)  # nothing was written


def test_backward_from_an_output_not_on_the_tape(engine: Autograd) -> None:
    F.apply(engine, "exp", np.ones(2))
    stranger = np.ones((5, 1))
    with pytest.raises(
        ValueError,
        match=r"backward: the given output \(shape \(5, 1\)\) is not the output of any "
        "operation on this tape",
    ):
        engine.backward(output=stranger)


def test_anomaly_on_a_wrong_shape_names_the_op(engine: Autograd) -> None:
    def wide_backward(grad_output, x):
        return (np.ones(3),)

    x = np.ones(2)
    F.apply(engine, "exp", x)
    engine.add_operation([engine.operation_list[-1].output], np.ones(2), [None], wide_backward)
    message = r"operation 1 \(wide_backward\(\(2,\)\) -> \(2,\)\)"
    with mytorch.detect_anomaly(), pytest.raises(ValueError, match=message):
        engine.backward()


@pytest.mark.parametrize("divergence", [1.0, 0.0])  # g / (2 sqrt(0)): inf, and 0 / 0: NaN
def test_anomaly_on_inf_or_nan_names_the_op(engine: Autograd, divergence: float) -> None:
    x = np.array([4.0, 0.0])
    F.apply(engine, "sqrt", x)
    with (
        mytorch.detect_anomaly(),
        np.errstate(divide="ignore", invalid="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"operation 0 \(sqrt_backward\(\(2,\)\) -> \(2,\)\) produced a non-finite gradient",
        ),
    ):
        engine.backward(divergence)


# --------------------------------------------------------------------------- forward mode
def test_jvp_with_a_wrongly_shaped_tangent(engine: Autograd) -> None:
    x = np.ones((2, 3))
    F.apply(engine, "exp", x)
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has shape \(3, 2\), its input \(2, 3\)"):
        engine.jvp([x], [np.ones((3, 2))])
    with pytest.raises(TypeError, match=r"jvp: tangent 0 must hold numbers, got dtype <U3"):
        engine.jvp([x], [np.full((2, 3), "1.5")])  # (was read as the number 1.5)


def test_jvp_with_unequal_lengths_or_an_empty_tape(engine: Autograd) -> None:
    x = np.ones(2)
    with pytest.raises(ValueError, match="jvp: the tape is empty"):
        engine.jvp([x], [x])
    F.apply(engine, "exp", x)
    with pytest.raises(ValueError, match="jvp: 1 inputs but 2 tangents"):
        engine.jvp([x], [x, x])


def test_jvp_through_a_kernel_without_a_rule(engine: Autograd) -> None:
    def custom_backward(grad_output, x):
        return (grad_output,)

    x = np.ones(2)
    engine.add_operation([x], x.copy(), [None], custom_backward)
    with pytest.raises(ValueError, match=r"operation 0 \(custom_backward.*has no JVP rule"):
        engine.jvp([x], [np.ones(2)])


# --------------------------------------------------------------------------- the kernel table's front door
def test_apply_unknown_kernel_or_wrong_arity(engine: Autograd) -> None:
    with pytest.raises(ValueError, match="apply: no kernel named 'exq'"):
        F.apply(engine, "exq", np.ones(2))
    with pytest.raises(TypeError, match=r"apply\(mul\): takes 2 array input\(s\), got 1"):
        F.apply(engine, "mul", np.ones(2))


def test_inputs_or_gradients_not_given_as_a_list(engine: Autograd) -> None:
    # an array for inputs was read as its rows ("2 inputs but 1 entries"); None for
    # gradients_to_update was Python's "'NoneType' object is not iterable"
    x, c = np.ones((2, 3)), np.array(2.0)
    with pytest.raises(TypeError, match=r"add_operation\(mul_backward\): inputs must be a list .* got ndarray \(wrap"):
        engine.add_operation(x, x * 2, [None], F.mul_backward)
    with pytest.raises(
        TypeError, match=r"add_operation\(mul_backward\): gradients_to_update must be a list .* NoneType"
    ):
        engine.add_operation([x, c], x * 2, None, F.mul_backward)
    assert not engine.operation_list
    engine.add_operation((x, c), x * 2, (None, NO_GRAD), F.mul_backward)  # tuples are taken, as before
    assert len(engine.operation_list) == 1


@pytest.mark.parametrize("divergence", [1e300, np.full((2, 3), 1e300)], ids=["number", "array"])
def test_a_finite_divergence_beyond_a_float32_output_says_so(divergence) -> None:
    # the message said the divergence "holds NaN or inf" of a divergence of finite numbers
    engine = Autograd()
    x = np.ones((2, 3), np.float32)
    out = np.tanh(x)
    engine.add_operation([x], out, [NO_GRAD], F.tanh_backward)
    with pytest.raises(ValueError, match=r"the divergence holds NaN or inf, beyond the output's float32 range"):
        with np.errstate(over="ignore"):
            engine.backward(divergence, output=out)
    with pytest.raises(ValueError, match=r"the divergence holds NaN or inf \("):
        engine.backward(np.nan, output=out)
