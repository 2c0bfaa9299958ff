"""The R child (sandbox/child/r/harness.R) through the real sandbox: a fresh Rscript in bwrap.

Arrays cross the wire in C order and R stores them column-major: every shape below is
non-square so a transposed or reversed layout cannot pass, and each direction is checked on
its own (R reads numpy's indices; numpy reads an array R filled in its own order).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox.isolation import r_runtime
from sandbox.isolation.runtime import ensure_r_harness, install_child_files
from sandbox.runners import IsolatedRunner, Limits, Runner, Termination, UnsafeLocalRunner
from sandbox.wire import Job, Result

Array = np.ndarray[Any, Any]


@pytest.fixture(scope="module")
def fresh() -> Iterator[IsolatedRunner]:
    runner = IsolatedRunner(slots=1)
    yield runner
    runner.close()


def run_r(
    runner: IsolatedRunner,
    source: str,
    plan: list[dict[str, Any]],
    arrays: dict[str, Array] | None = None,
) -> Result:
    outcome = runner.run(Job(source=source, arrays=arrays or {}, plan=plan, language="r"), Limits())
    assert outcome.termination is Termination.EXITED, outcome.stderr_tail
    assert outcome.result is not None, (outcome.protocol_error, outcome.stderr_tail)
    return outcome.result


def call(sid: str, fn: str, *args: str, keep: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"id": sid, "call": fn, "args": [{"array": a} for a in args]}
    return step | ({"keep": keep} if keep else {})


SHAPES = [(3, 5), (2, 3, 4), (2, 3, 4, 5)]

ROUND_TRIP = """
echo <- function(x) x
# R indexing of numpy's entry at zero-based (1, 2, ...): one-based (2, 3, ...).
pick <- function(x) x[matrix(seq_along(dim(x)) + 1, nrow = 1)]
shape <- function(x) dim(x)
# Filled column-major by R itself: entry [i, j, ...] = i + d1 * (j - 1) + ...
filled <- function(x) array(seq_len(length(x)), dim = dim(x))
"""


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_arrays_keep_their_indexing_both_ways(
    fresh: IsolatedRunner, shape: tuple[int, ...]
) -> None:
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) * 1.5 - 7.0
    plan = [
        call("echo", "echo", "x", keep={"echo": []}),
        call("pick", "pick", "x", keep={"pick": []}),
        call("shape", "shape", "x", keep={"shape": []}),
        call("filled", "filled", "x", keep={"filled": []}),
    ]
    result = run_r(fresh, ROUND_TRIP, plan, {"x": x})
    assert result.status == "ok"
    assert not result.errors
    # numpy -> R -> numpy: the same array, shape and bytes.
    assert result.outputs["echo"].shape == shape
    np.testing.assert_array_equal(result.outputs["echo"], x)
    # numpy -> R: x[2, 3, ...] in R is x[1, 2, ...] in numpy; dim(x) is the numpy shape.
    assert float(result.outputs["pick"][0]) == x[tuple(range(1, len(shape) + 1))]
    np.testing.assert_array_equal(result.outputs["shape"], np.array(shape, dtype=np.float64))
    # R -> numpy: an array R filled column-major arrives with R's entry [i, j, ...] at
    # numpy's [i-1, j-1, ...].
    strides = np.cumprod((1, *shape[:-1]))
    expected = 1 + sum(np.indices(shape)[k] * strides[k] for k in range(len(shape)))
    np.testing.assert_array_equal(result.outputs["filled"], expected.astype(np.float64))


SCALARS = """
kinds <- function(y, mask, s, v) {
  list(
    c(is.integer(y), is.logical(mask), is.null(dim(s)), length(s), is.null(dim(v))),
    y + 1L,
    mask,
    s * 2,
    v,
    sum(v)
  )
}
"""


def test_ints_bools_scalars_and_vectors(fresh: IsolatedRunner) -> None:
    arrays = {
        "y": np.array([[3, 0, 2], [1, 1, 4]], dtype=np.int64),
        "mask": np.array([[True, False], [False, True], [True, True]]),
        "s": np.array(2.5),
        "v": np.array([1.0, -2.0, 4.5]),
    }
    keep = {"facts": [0], "y": [1], "mask": [2], "s": [3], "v": [4], "sum": [5]}
    result = run_r(fresh, SCALARS, [call("k", "kinds", "y", "mask", "s", "v", keep=keep)], arrays)
    assert not result.errors
    out = result.outputs
    # int64 arrives as R integer, bool as logical, a 0-d array as a length-1 vector, a rank-1
    # array as a vector without dim.
    assert out["facts"].tolist() == [1.0, 1.0, 1.0, 1.0, 1.0]
    # Integers go back as float64, logicals as bool, each with its shape.
    assert out["y"].dtype == np.float64
    assert out["y"].shape == (2, 3)
    np.testing.assert_array_equal(out["y"], arrays["y"] + 1)
    assert out["mask"].dtype == np.bool_
    np.testing.assert_array_equal(out["mask"], arrays["mask"])
    assert out["s"].shape == (1,)
    assert float(out["s"][0]) == 5.0
    np.testing.assert_array_equal(out["v"], arrays["v"])
    assert out["sum"].shape == (1,)
    assert float(out["sum"][0]) == 3.5


def test_a_syntax_error_is_a_load_error_with_rs_message_and_line(fresh: IsolatedRunner) -> None:
    source = "f <- function(x) {\n  y <- x +\n}\n"
    result = run_r(fresh, source, [call("s", "f", "x")], {"x": np.ones(2)})
    assert result.status == "load_error"
    err = result.module_error
    assert err is not None
    assert err.type == "SyntaxError"
    assert err.line == 3
    assert err.message.startswith("solution.R:3:")
    assert "unexpected" in err.message
    assert "harness" not in err.traceback
    assert "parse(" not in err.traceback


def test_a_runtime_error_names_the_candidates_line_and_the_plan_goes_on(
    fresh: IsolatedRunner,
) -> None:
    source = (
        "helper <- function(x, w) {\n"
        "  x %*% w\n"
        "}\n"
        "f <- function(x, w) {\n"
        "  helper(x, w)\n"
        "}\n"
        "g <- function(x) x * 2\n"
    )
    x = np.ones((2, 3))
    plan = [
        call("bad", "f", "x", "x", keep={"out": []}),
        {"id": "after", "let": {"ref": "bad", "path": []}},
        call("good", "g", "x", keep={"good": []}),
    ]
    result = run_r(fresh, source, plan, {"x": x})
    assert result.status == "ok"
    err = result.errors["bad"]
    assert err.type == "Error"
    assert "non-conformable" in err.message
    assert err.line == 2
    assert "solution.R#5: helper(x, w)" in err.traceback
    assert "solution.R#2" in err.traceback
    assert result.errors["after"].type == "Skipped"
    assert result.errors["after"].message == "depends on bad"
    np.testing.assert_array_equal(result.outputs["good"], 2 * x)


def test_a_missing_function_is_an_error_that_names_it(fresh: IsolatedRunner) -> None:
    result = run_r(
        fresh, "other <- function() 1\n", [call("s", "affine_forward", "x")], {"x": np.ones(1)}
    )
    assert result.status == "ok"
    assert result.errors["s"].message == "solution.R does not define affine_forward()"


RETURNS = """
as_list <- function(x) list(x, x)
as_df <- function(x) data.frame(a = x)
as_chr <- function(x) "x"
as_null <- function(x) NULL
two <- function(x) list(x, x)
not_list <- function(x) x
"""


@pytest.mark.parametrize(
    ("fn", "keep", "kind", "message"),
    [
        (
            "as_list",
            [],
            "BadOutputType",
            "as_list: out: expected a numeric vector, matrix or array, got a list of 2",
        ),
        ("as_df", [], "BadOutputType", "got a data.frame"),
        ("as_chr", [], "BadOutputType", "got a character vector"),
        ("as_null", [], "BadOutputType", "got NULL"),
        ("two", [2], "BadReturn", "two returned a list of 2, expected 3"),
        ("not_list", [1], "BadReturn", "not_list returned a double, expected a list of 2 values"),
    ],
)
def test_values_that_are_not_arrays_are_refused_with_r_words(
    fresh: IsolatedRunner, fn: str, keep: list[int], kind: str, message: str
) -> None:
    result = run_r(fresh, RETURNS, [call("s", fn, "x", keep={"out": keep})], {"x": np.ones(3)})
    err = result.errors["out"]
    assert err.type == kind
    assert message in err.message


DICTS = """
bn <- function(x, bn_param, nothing) {
  stopifnot(is.null(nothing))
  bn_param$running_mean <- colMeans(x) * bn_param$momentum
  bn_param[["calls"]] <- 1
  x
}
"""


def test_a_dict_is_an_environment_the_plan_sees_mutated_and_none_is_null(
    fresh: IsolatedRunner,
) -> None:
    x = np.arange(6, dtype=np.float64).reshape(3, 2)
    plan = [
        {"id": "p", "let": {"dict": {"momentum": {"value": 0.5}, "mode": {"value": "train"}}}},
        {
            "id": "f",
            "call": "bn",
            "args": [{"array": "x"}, {"ref": "p", "path": []}, {"value": None}],
        },
        {"id": "mean", "let": {"ref": "p", "path": ["running_mean"]}, "keep": {"mean": []}},
        {"id": "calls", "let": {"ref": "p", "path": ["calls"]}, "keep": {"calls": []}},
        {"id": "missing", "let": {"ref": "p", "path": ["running_var"]}},
    ]
    result = run_r(fresh, DICTS, plan, {"x": x})
    assert "f" not in result.errors
    np.testing.assert_allclose(result.outputs["mean"], x.mean(axis=0) * 0.5)
    assert float(result.outputs["calls"][0]) == 1.0
    assert result.errors["missing"].type == "KeyError"
    assert result.errors["missing"].message == "'running_var'"


def test_the_pooled_runner_runs_r_jobs_too(runner: Runner) -> None:
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    plan = [call("t", "f", "x", keep={"t": []})]
    job = Job(source="f <- function(x) t(x)\n", arrays={"x": x}, plan=plan, language="r")
    outcome = runner.run(job, Limits())
    assert outcome.result is not None
    np.testing.assert_array_equal(outcome.result.outputs["t"], x.T)


def test_the_unsafe_runner_runs_r_for_the_benchmark_baseline() -> None:
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    unsafe = UnsafeLocalRunner(allow_unsafe=True)
    try:
        plan = [call("t", "f", "x", keep={"t": []})]
        job = Job(source="f <- function(x) t(x) %*% x\n", arrays={"x": x}, plan=plan, language="r")
        outcome = unsafe.run(job, Limits())
    finally:
        unsafe.close()
    assert outcome.result is not None
    np.testing.assert_allclose(outcome.result.outputs["t"], x.T @ x)


def test_printing_reaches_stdout_and_a_warning_in_a_loop_is_printed_once(
    fresh: IsolatedRunner,
) -> None:
    source = (
        "f <- function(x) {\n"
        '  cat("hello from R\\n")\n'
        '  message("a message")\n'
        '  for (i in 1:20000) as.integer("not a number")\n'
        "  x\n"
        "}\n"
    )
    result = run_r(fresh, source, [call("f", "f", "x", keep={"x": []})], {"x": np.ones(2)})
    assert "f" not in result.errors
    assert result.stdout.startswith("hello from R\na message\n")
    assert result.stdout.count("NAs introduced by coercion") == 1


def test_fresh_children_load_the_harness_byte_compiled_once(tmp_path: Path) -> None:
    child = install_child_files(tmp_path / "child")
    ensure_r_harness(child)
    compiled = child / "sandbox" / "child" / "r" / "harness.Rc"
    built = compiled.stat().st_mtime_ns
    ensure_r_harness(child)  # up to date: not built again
    assert compiled.stat().st_mtime_ns == built
    probe = (
        "e <- new.env(); compiler::loadcmp(commandArgs(TRUE)[1], envir = e); "
        "for (f in c('run_job', 'json_parse', 'read_job', 'protect', 'make_guards',"
        " 'new_plan_runner')) cat(typeof(.Internal(bodyCode(get(f, e)))), '')"
    )
    done = subprocess.run(
        [str(r_runtime.R_BINARY), "--vanilla", "--no-echo", "-e", probe, "--args", str(compiled)],
        env={**r_runtime.environment(), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["bytecode"] * 6  # one function of each of the harness's files


def test_r_children_run_without_the_jit_in_fresh_and_pooled_sandboxes(
    fresh: IsolatedRunner, runner: Runner
) -> None:
    # R's JIT recompiled the candidate's closures in every job (r_runtime.environment).
    source = "f <- function(x) x * 0 + compiler::enableJIT(-1)\n"
    x = np.ones(3)
    for each in (fresh, runner):
        job = Job(
            source=source,
            arrays={"x": x},
            plan=[call("level", "f", "x", keep={"level": []})],
            language="r",
        )
        outcome = each.run(job, Limits())
        assert outcome.result is not None, outcome.stderr_tail
        np.testing.assert_array_equal(outcome.result.outputs["level"], np.zeros(3))
