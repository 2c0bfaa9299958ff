"""The trusted side's language adapter (sandbox/grading/languages.py), on plain values."""

from __future__ import annotations

from typing import Any

import numpy as np

from sandbox.grading import languages, messages
from sandbox.grading.plans import Plan
from sandbox.grading.tasks import LanguageVariant, TaskSpec
from sandbox.runners import RunOutcome, Termination
from sandbox.wire import Result

R = LanguageVariant("r", "", "", "", one_based=("y",))


def _outcome(outputs: dict[str, np.ndarray[Any, Any]]) -> RunOutcome:
    return RunOutcome(
        termination=Termination.EXITED,
        result=Result(status="ok", outputs=outputs),
        protocol_error=None,
        exit_code=0,
        signal=None,
        cpu_seconds=0.1,
        wall_seconds=0.1,
        peak_memory_bytes=None,
        stderr_tail="",
    )


def test_one_based_inputs_go_to_r_plus_one_and_nothing_else_moves(
    tasks: dict[str, TaskSpec],
) -> None:
    y = np.array([0, 2, 1], dtype=np.int64)
    x = np.ones((3, 2))
    plan = Plan(arrays={"p0:y": y, "t@1:y": y, "p0:x": x, "p0/u/dout/y": x}, steps=[], calls={})
    job = languages.job(tasks["softmax_loss"], R, "f <- 1", plan)
    assert job.language == "r"
    assert job.source == "f <- 1"  # no Python fixtures appended
    np.testing.assert_array_equal(job.arrays["p0:y"], y + 1)
    np.testing.assert_array_equal(job.arrays["t@1:y"], y + 1)
    np.testing.assert_array_equal(job.arrays["p0:x"], x)
    np.testing.assert_array_equal(job.arrays["p0/u/dout/y"], x)
    np.testing.assert_array_equal(plan.arrays["p0:y"], y)  # the plan itself is untouched


def test_r_outputs_read_back_as_python_would_send_them() -> None:
    reference = {
        "p0/u/out/loss": np.array(1.5),
        "p0/u/grad/b": np.array([0.5]),
        "p0/u/grad/x": np.array(2.0),
    }
    got = _outcome(
        {
            "p0/u/out/loss": np.array([1.5]),  # a length-1 vector for a scalar loss
            "p0/u/out/loss#rep": np.array([1.5]),
            "p0/u/grad/b": np.array([0.5]),  # a genuine length-1 vector stays one
            "p0/u/gradrep/x": np.array([2.0]),
            "p0/u/after/y": np.array([1.0, 3.0, 2.0]),  # the one-based copy, back to 0-based
            "p0/u/after/x": np.array([1.0, 3.0]),
        }
    )
    outputs = languages.outcome(R, got, reference).result.outputs  # type: ignore[union-attr]
    assert outputs["p0/u/out/loss"].shape == ()
    assert outputs["p0/u/out/loss#rep"].shape == ()
    assert outputs["p0/u/grad/b"].shape == (1,)
    assert outputs["p0/u/gradrep/x"].shape == ()
    np.testing.assert_array_equal(outputs["p0/u/after/y"], [0.0, 2.0, 1.0])
    np.testing.assert_array_equal(outputs["p0/u/after/x"], [1.0, 3.0])
    python = LanguageVariant("python", "", "", "")
    assert languages.outcome(python, got, reference) is got


def test_what_a_function_should_return_is_said_in_the_candidates_language() -> None:
    functions = [
        "affine_forward(x, w, b) -> (out, cache)",
        "relu_backward(dout, cache) -> dx",
        "TwoLayerNet.loss(X, y=None) -> scores | (loss, grads)",
        "TwoLayerNet(input_dim, hidden_dim)",
    ]
    in_r = messages.expectations(functions, "r")
    assert in_r == {
        "affine_forward": "affine_forward should return list(out, cache)",
        "relu_backward": "relu_backward should return dx",
        "TwoLayerNet.loss": "TwoLayerNet's loss should return scores or list(loss, grads)",
        "TwoLayerNet": "Expected: TwoLayerNet(input_dim, hidden_dim)",
    }
    in_python = messages.expectations(functions, "python")
    assert in_python["affine_forward"] == "Expected: affine_forward(x, w, b) -> (out, cache)"
