"""Checks the coding bank's references against autograd, and that mutants and starters are wrong.

Each reference's forward and analytic gradients must agree with an independent ``autograd.numpy``
forward to 1e-12 (relative to the norm), on random float64 inputs and a random upstream gradient.
Each mutant and each starter must differ from the same truth by more than 1e-6 somewhere (a forward
output, a gradient, or by raising), so that every mutant in the bank is really wrong on generic
inputs, not only at a kink. The optimizers have no gradient: their update rules are re-derived
here in plain numpy over several steps instead.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"

TASKS = (
    "sigmoid",
    "tanh",
    "svm_loss",
    "mse_loss",
    "linear_softmax",
    "linear_svm",
    "two_layer_net",
    "layernorm",
    "dropout",
    "conv",
    "max_pool",
    "spatial_batchnorm",
    "rnn",
    "lstm",
    "word_embedding",
    "temporal",
    "optimizers",
    "attention",
)

# The references must match autograd to rounding error; a mutant must be off by far more than the
# judge's ~1e-9 gradient tolerance for the bank to be meaningful.
REFERENCE_TOL = 1e-12
WRONG_TOL = 1e-6

Outputs = dict[str, np.ndarray]
_counter = itertools.count()


def load_module(path: Path) -> ModuleType:
    """Import a bank file under a unique name (bank files are trusted; candidates' never are)."""
    spec = importlib.util.spec_from_file_location(f"bank_{path.stem}_{next(_counter)}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_array(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


# Set in the outputs of a run when the module wrote into an input array or an upstream gradient.
MUTATED = "inputs-modified"


def arrays_changed(before: Sequence[Any], after: Sequence[Any]) -> bool:
    """Whether any array argument differs from its saved copy (dict params may change: bn_param)."""
    return any(
        isinstance(b, np.ndarray) and not np.array_equal(b, a)
        for b, a in zip(before, after, strict=True)
    )


@dataclass(frozen=True)
class Case:
    """Inputs for one call pattern, what a module computes from them, and the autograd truth."""

    name: str
    run: Callable[[ModuleType], Outputs]
    truth: Callable[[], Outputs]


def layer_case(
    name: str,
    *,
    fwd: str,
    bwd: str,
    args: Sequence[Any],
    diff: Sequence[int],
    ag_forward: Callable[..., Any],
    rng: np.random.Generator,
    n_out: int = 1,
) -> Case:
    """A ``fwd(*args) -> (*outs, cache)``, ``bwd(*douts, cache) -> grads`` pair (``diff`` order)."""
    args = list(args)
    outs0 = ag_forward(*args)
    outs0 = outs0 if isinstance(outs0, tuple) else (outs0,)
    douts = [rng.standard_normal(np.shape(o)) for o in outs0]

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        res = getattr(module, fwd)(*call_args)
        outs, cache = res[:n_out], res[n_out]
        dout_copies = [d.copy() for d in douts]
        grads = getattr(module, bwd)(*dout_copies, cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        result = {f"out{i}": as_array(o) for i, o in enumerate(outs)}
        result.update({f"d{i}": as_array(g) for i, g in zip(diff, grads, strict=True)})
        if arrays_changed(args, call_args) or arrays_changed(douts, dout_copies):
            result[MUTATED] = np.ones(())
        return result

    def truth() -> Outputs:
        def objective(*diff_values: Any) -> Any:
            full = list(args)
            for i, v in zip(diff, diff_values, strict=True):
                full[i] = v
            outs = ag_forward(*full)
            outs = outs if isinstance(outs, tuple) else (outs,)
            return sum(anp.sum(o * d) for o, d in zip(outs, douts, strict=True))

        grads = grad(objective, argnum=tuple(range(len(diff))))(*[args[i] for i in diff])
        result = {f"out{i}": as_array(o) for i, o in enumerate(outs0)}
        result.update({f"d{i}": as_array(g) for i, g in zip(diff, grads, strict=True)})
        return result

    return Case(name, run, truth)


def loss_case(
    name: str,
    *,
    fn: str,
    args: Sequence[Any],
    diff: int,
    ag_loss: Callable[..., Any],
) -> Case:
    """A ``fn(*args) -> (loss, grad of args[diff])`` loss function."""
    args = list(args)

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        loss, g = getattr(module, fn)(*call_args)
        result = {"loss": as_array(loss), "grad": as_array(g)}
        if arrays_changed(args, call_args):
            result[MUTATED] = np.ones(())
        return result

    def truth() -> Outputs:
        def objective(value: Any) -> Any:
            full = list(args)
            full[diff] = value
            return ag_loss(*full)

        return {"loss": as_array(ag_loss(*args)), "grad": as_array(grad(objective)(args[diff]))}

    return Case(name, run, truth)


# ----------------------------------------------------------------------------------------------
# autograd forwards, written independently of the references


def ag_sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + anp.exp(-x))


def ag_log_softmax(scores: Any) -> Any:
    shifted = scores - anp.max(scores, axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


def ag_svm(scores: Any, y: np.ndarray) -> Any:
    n, c = scores.shape
    onehot = np.eye(c)[y]
    correct = anp.sum(scores * onehot, axis=1, keepdims=True)
    return anp.sum(anp.maximum(0.0, scores - correct + 1.0) * (1.0 - onehot)) / n


def ag_cross_entropy(scores: Any, y: np.ndarray) -> Any:
    onehot = np.eye(scores.shape[-1])[y]
    return -anp.sum(ag_log_softmax(scores) * onehot) / scores.shape[0]


def ag_normalize_rows(x: Any, eps: float) -> Any:
    mu = anp.mean(x, axis=1, keepdims=True)
    var = anp.mean((x - mu) ** 2, axis=1, keepdims=True)
    return (x - mu) / anp.sqrt(var + eps)


def ag_windows(x: Any, hh: int, ww: int, stride: int) -> tuple[Any, int, int]:
    """Stack the (hh, ww) windows of x (N, C, H, W): (Hout*Wout, N, C, hh, ww)."""
    h_out = 1 + (x.shape[2] - hh) // stride
    w_out = 1 + (x.shape[3] - ww) // stride
    patches = [
        x[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
        for i in range(h_out)
        for j in range(w_out)
    ]
    return anp.stack(patches), h_out, w_out


def ag_conv(x: Any, w: Any, b: Any, conv_param: dict[str, int]) -> Any:
    pad, stride = conv_param["pad"], conv_param["stride"]
    xp = anp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    f, _, hh, ww = w.shape
    patches, h_out, w_out = ag_windows(xp, hh, ww, stride)
    out = anp.einsum("pnchw,fchw->nfp", patches, w)
    return anp.reshape(out, (x.shape[0], f, h_out, w_out)) + anp.reshape(b, (1, f, 1, 1))


def ag_max_pool(x: Any, pool_param: dict[str, int]) -> Any:
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    patches, h_out, w_out = ag_windows(x, ph, pw, stride)
    flat = anp.reshape(patches, (*patches.shape[:3], ph * pw))
    pooled = anp.max(flat, axis=-1)  # (P, N, C)
    n, c = x.shape[:2]
    return anp.reshape(anp.transpose(pooled, (1, 2, 0)), (n, c, h_out, w_out))


def ag_spatial_bn(x: Any, gamma: Any, beta: Any, eps: float) -> Any:
    n, c, h, w = x.shape
    cols = anp.reshape(anp.transpose(x, (1, 0, 2, 3)), (c, n * h * w))
    normed = ag_normalize_rows(cols, eps)
    out = anp.transpose(anp.reshape(normed, (c, n, h, w)), (1, 0, 2, 3))
    return out * anp.reshape(gamma, (1, c, 1, 1)) + anp.reshape(beta, (1, c, 1, 1))


def ag_rnn_step(x: Any, h: Any, wx: Any, wh: Any, b: Any) -> Any:
    return anp.tanh(anp.dot(x, wx) + anp.dot(h, wh) + b)


def ag_rnn(x: Any, h0: Any, wx: Any, wh: Any, b: Any) -> Any:
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = ag_rnn_step(x[:, t, :], h, wx, wh, b)
        hs.append(h)
    return anp.stack(hs, axis=1)


def ag_lstm_step(x: Any, h: Any, c: Any, wx: Any, wh: Any, b: Any) -> tuple[Any, Any]:
    size = h.shape[1]
    a = anp.dot(x, wx) + anp.dot(h, wh) + b
    gate_i = ag_sigmoid(a[:, :size])
    gate_f = ag_sigmoid(a[:, size : 2 * size])
    gate_o = ag_sigmoid(a[:, 2 * size : 3 * size])
    gate_g = anp.tanh(a[:, 3 * size :])
    next_c = gate_f * c + gate_i * gate_g
    return gate_o * anp.tanh(next_c), next_c


def ag_lstm(x: Any, h0: Any, wx: Any, wh: Any, b: Any) -> Any:
    hs, h, c = [], h0, np.zeros(h0.shape)
    for t in range(x.shape[1]):
        h, c = ag_lstm_step(x[:, t, :], h, c, wx, wh, b)
        hs.append(h)
    return anp.stack(hs, axis=1)


def ag_temporal_softmax(x: Any, y: np.ndarray, mask: np.ndarray) -> Any:
    onehot = np.eye(x.shape[2])[y]
    picked = anp.sum(ag_log_softmax(x) * onehot, axis=2)
    return -anp.sum(picked * mask) / x.shape[0]


def ag_attention(q: Any, k: Any, v: Any) -> Any:
    scores = anp.matmul(q, anp.transpose(k, (0, 2, 1))) / np.sqrt(q.shape[-1])
    return anp.matmul(anp.exp(ag_log_softmax(scores)), v)


# ----------------------------------------------------------------------------------------------
# cases per task


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


def labels_away_from_svm_kinks(
    rng: np.random.Generator, scores: Callable[[], np.ndarray], classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (scores, y) until no hinge margin is within 1e-3 of its kink."""
    while True:
        s = scores()
        y = np.asarray(rng.integers(0, classes, size=s.shape[0]))
        margins = s - s[np.arange(s.shape[0]), y][:, None] + 1.0
        margins[np.arange(s.shape[0]), y] = 1.0
        if np.min(np.abs(margins)) > 1e-3:
            return s, y


def cases_sigmoid(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"shape{shape}",
            fwd="sigmoid_forward",
            bwd="sigmoid_backward",
            args=[normal(rng, *shape, scale=2.0)],
            diff=[0],
            ag_forward=ag_sigmoid,
            rng=rng,
        )
        for shape in [(4, 7), (3, 2, 5)]
    ]


def cases_tanh(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"shape{shape}",
            fwd="tanh_forward",
            bwd="tanh_backward",
            args=[normal(rng, *shape)],
            diff=[0],
            ag_forward=anp.tanh,
            rng=rng,
        )
        for shape in [(5, 3), (2, 3, 4)]
    ]


def cases_svm_loss(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, c in [(7, 5), (4, 3)]:
        x, y = labels_away_from_svm_kinks(rng, partial(normal, rng, n, c), c)
        out.append(loss_case(f"N{n}C{c}", fn="svm_loss", args=[x, y], diff=0, ag_loss=ag_svm))
    return out


def cases_mse_loss(rng: np.random.Generator) -> list[Case]:
    def ag_mse(x: Any, y: Any) -> Any:
        return anp.mean((x - y) ** 2)

    return [
        loss_case(
            f"N{n}D{d}",
            fn="mse_loss",
            args=[normal(rng, n, d), normal(rng, n, d)],
            diff=0,
            ag_loss=ag_mse,
        )
        for n, d in [(6, 4), (3, 1), (5, 7)]
    ]


def linear_loss_cases(
    rng: np.random.Generator, names: Sequence[str], data_loss: Callable[..., Any], svm: bool
) -> list[Case]:
    out: list[Case] = []
    for n, d, c, reg in [(9, 6, 4, 0.3), (5, 4, 4, 0.05)]:
        w = normal(rng, d, c, scale=0.5)
        x = normal(rng, n, d)
        if svm:
            _, y = labels_away_from_svm_kinks(rng, partial(np.dot, x, w), c)
        else:
            y = rng.integers(0, c, size=n)

        def ag_loss(w: Any, x: Any, y: Any, reg: float) -> Any:
            return data_loss(anp.dot(x, w), y) + reg * anp.sum(w * w)

        out.extend(
            loss_case(f"{fn}_N{n}D{d}C{c}", fn=fn, args=[w, x, y, reg], diff=0, ag_loss=ag_loss)
            for fn in names
        )
    return out


def cases_linear_softmax(rng: np.random.Generator) -> list[Case]:
    names = ["softmax_loss_naive", "softmax_loss_vectorized"]
    return linear_loss_cases(rng, names, ag_cross_entropy, svm=False)


def cases_linear_svm(rng: np.random.Generator) -> list[Case]:
    return linear_loss_cases(rng, ["svm_loss_naive", "svm_loss_vectorized"], ag_svm, svm=True)


NET_KEYS = ("W1", "b1", "W2", "b2")


def cases_two_layer_net(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, dims, hidden, classes, reg in [(5, (3, 2), 7, 4, 0.7), (4, (5,), 6, 3, 0.1)]:
        d = int(np.prod(dims))
        params = {
            "W1": normal(rng, d, hidden, scale=0.5),
            "b1": normal(rng, hidden, scale=0.3),
            "W2": normal(rng, hidden, classes, scale=0.5),
            "b2": normal(rng, classes, scale=0.3),
        }
        x = normal(rng, n, *dims)
        y = rng.integers(0, classes, size=n)

        def ag_scores(w1: Any, b1: Any, w2: Any, b2: Any, x: np.ndarray = x) -> Any:
            h1 = anp.maximum(0.0, anp.dot(x.reshape(x.shape[0], -1), w1) + b1)
            return anp.dot(h1, w2) + b2

        def run(
            module: ModuleType,
            dims: tuple[int, ...] = dims,
            hidden: int = hidden,
            classes: int = classes,
            reg: float = reg,
            params: dict[str, np.ndarray] = params,
            x: np.ndarray = x,
            y: np.ndarray = y,
        ) -> Outputs:
            net = module.TwoLayerNet(
                input_dim=int(np.prod(dims)),
                hidden_dim=hidden,
                num_classes=classes,
                weight_scale=1e-2,
                reg=reg,
            )
            for key, value in params.items():
                net.params[key] = value.copy()
            scores = net.loss(x.copy())
            loss, grads = net.loss(x.copy(), y.copy())
            result = {"scores": as_array(scores), "loss": as_array(loss)}
            result.update({f"d{k}": as_array(grads[k]) for k in NET_KEYS})
            return result

        def truth(
            ag_scores: Callable[..., Any] = ag_scores,
            reg: float = reg,
            params: dict[str, np.ndarray] = params,
            y: np.ndarray = y,
        ) -> Outputs:
            def objective(*values: Any) -> Any:
                w1, _, w2, _ = values
                data = ag_cross_entropy(ag_scores(*values), y)
                return data + 0.5 * reg * (anp.sum(w1 * w1) + anp.sum(w2 * w2))

            values = [params[k] for k in NET_KEYS]
            grads = grad(objective, argnum=(0, 1, 2, 3))(*values)
            result = {"scores": as_array(ag_scores(*values)), "loss": as_array(objective(*values))}
            result.update({f"d{k}": as_array(g) for k, g in zip(NET_KEYS, grads, strict=True)})
            return result

        out.append(Case(f"N{n}H{hidden}", run, truth))
    return out


def cases_layernorm(rng: np.random.Generator) -> list[Case]:
    def ag_layernorm(x: Any, gamma: Any, beta: Any, ln_param: dict[str, float]) -> Any:
        return ag_normalize_rows(x, ln_param.get("eps", 1e-5)) * gamma + beta

    return [
        layer_case(
            f"N{n}D{d}",
            fwd="layernorm_forward",
            bwd="layernorm_backward",
            args=[normal(rng, n, d, scale=2.0) + 1.0, normal(rng, d), normal(rng, d), ln_param],
            diff=[0, 1, 2],
            ag_forward=ag_layernorm,
            rng=rng,
        )
        for n, d, ln_param in [(4, 7, {}), (6, 5, {"eps": 1e-3})]
    ]


def cases_dropout(rng: np.random.Generator) -> list[Case]:
    out = []
    for shape, p, mode, seed in [
        ((20, 30), 0.6, "train", 123),
        ((4, 5, 6), 0.3, "train", 7),
        ((10, 12), 0.6, "test", 5),
    ]:
        # The course's inverted-dropout mask, re-derived: keep where rand < p, scale by 1 / p.
        state = np.random.RandomState(seed)
        keep = state.random_sample(shape) < p
        scale = keep / p if mode == "train" else np.ones(shape)

        def ag_dropout(x: Any, param: dict[str, Any], scale: np.ndarray = scale) -> Any:
            return x * scale

        out.append(
            layer_case(
                f"{mode}{shape}",
                fwd="dropout_forward",
                bwd="dropout_backward",
                args=[normal(rng, *shape) + 2.0, {"p": p, "mode": mode, "seed": seed}],
                diff=[0],
                ag_forward=ag_dropout,
                rng=rng,
            )
        )
    return out


def cases_conv(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"x{xs}w{ws}{param}",
            fwd="conv_forward_naive",
            bwd="conv_backward_naive",
            args=[normal(rng, *xs), normal(rng, *ws, scale=0.5), normal(rng, ws[0]), param],
            diff=[0, 1, 2],
            ag_forward=ag_conv,
            rng=rng,
        )
        for xs, ws, param in [
            ((2, 3, 5, 6), (4, 3, 3, 3), {"stride": 1, "pad": 1}),
            ((3, 2, 7, 5), (3, 2, 3, 2), {"stride": 2, "pad": 1}),
            ((2, 2, 6, 6), (2, 2, 2, 2), {"stride": 2, "pad": 0}),
        ]
    ]


def cases_max_pool(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"x{xs}{param}",
            fwd="max_pool_forward_naive",
            bwd="max_pool_backward_naive",
            args=[normal(rng, *xs), param],
            diff=[0],
            ag_forward=ag_max_pool,
            rng=rng,
        )
        for xs, param in [
            ((2, 3, 8, 6), {"pool_height": 2, "pool_width": 2, "stride": 2}),
            ((3, 2, 7, 9), {"pool_height": 3, "pool_width": 2, "stride": 2}),
            ((2, 2, 7, 7), {"pool_height": 3, "pool_width": 3, "stride": 2}),
        ]
    ]


def cases_spatial_batchnorm(rng: np.random.Generator) -> list[Case]:
    out = []
    for xs, eps, momentum in [((4, 3, 5, 2), 1e-5, 0.9), ((2, 4, 3, 3), 1e-3, 0.7)]:
        c = xs[1]
        x = normal(rng, *xs, scale=2.0) + normal(rng, 1, c, 1, 1)
        gamma, beta = normal(rng, c), normal(rng, c)
        running = normal(rng, c), rng.uniform(0.5, 1.5, size=c)
        param = {
            "mode": "train",
            "eps": eps,
            "momentum": momentum,
            "running_mean": running[0],
            "running_var": running[1],
        }

        def ag_bn(x: Any, gamma: Any, beta: Any, bn_param: dict[str, Any], eps: float = eps) -> Any:
            return ag_spatial_bn(x, gamma, beta, eps)

        inner = layer_case(
            f"x{xs}",
            fwd="spatial_batchnorm_forward",
            bwd="spatial_batchnorm_backward",
            args=[x, gamma, beta, param],
            diff=[0, 1, 2],
            ag_forward=ag_bn,
            rng=rng,
        )
        out.append(inner)

        # The running averages the forward leaves in bn_param: momentum*old + (1 - momentum)*new.
        def run_stats(module: ModuleType, args: list[Any] = [x, gamma, beta, param]) -> Outputs:  # noqa: B006
            call_args = copy.deepcopy(args)
            module.spatial_batchnorm_forward(*call_args)
            bn = call_args[3]
            return {"running_mean": bn["running_mean"], "running_var": bn["running_var"]}

        def truth_stats(
            x: np.ndarray = x, momentum: float = momentum, running: Any = running
        ) -> Outputs:
            mean = x.mean(axis=(0, 2, 3))
            var = x.var(axis=(0, 2, 3))
            return {
                "running_mean": momentum * running[0] + (1 - momentum) * mean,
                "running_var": momentum * running[1] + (1 - momentum) * var,
            }

        out.append(Case(f"running{xs}", run_stats, truth_stats))
    return out


def cases_rnn(rng: np.random.Generator) -> list[Case]:
    n, d, h, t = 3, 4, 5, 4
    step_args = [
        normal(rng, n, d),
        normal(rng, n, h),
        normal(rng, d, h, scale=0.4),
        normal(rng, h, h, scale=0.4),
        normal(rng, h, scale=0.2),
    ]
    seq_args = [
        normal(rng, n, t, d),
        normal(rng, n, h),
        normal(rng, d, h, scale=0.4),
        normal(rng, h, h, scale=0.4),
        normal(rng, h, scale=0.2),
    ]
    return [
        layer_case(
            "step",
            fwd="rnn_step_forward",
            bwd="rnn_step_backward",
            args=step_args,
            diff=[0, 1, 2, 3, 4],
            ag_forward=ag_rnn_step,
            rng=rng,
        ),
        layer_case(
            "sequence",
            fwd="rnn_forward",
            bwd="rnn_backward",
            args=seq_args,
            diff=[0, 1, 2, 3, 4],
            ag_forward=ag_rnn,
            rng=rng,
        ),
    ]


def cases_lstm(rng: np.random.Generator) -> list[Case]:
    n, d, h, t = 3, 4, 5, 3
    step_args = [
        normal(rng, n, d),
        normal(rng, n, h),
        normal(rng, n, h),
        normal(rng, d, 4 * h, scale=0.4),
        normal(rng, h, 4 * h, scale=0.4),
        normal(rng, 4 * h, scale=0.3),
    ]
    seq_args = [
        normal(rng, n, t, d),
        normal(rng, n, h),
        normal(rng, d, 4 * h, scale=0.4),
        normal(rng, h, 4 * h, scale=0.4),
        normal(rng, 4 * h, scale=0.3),
    ]
    return [
        layer_case(
            "step",
            fwd="lstm_step_forward",
            bwd="lstm_step_backward",
            args=step_args,
            diff=[0, 1, 2, 3, 4, 5],
            ag_forward=ag_lstm_step,
            rng=rng,
            n_out=2,
        ),
        layer_case(
            "sequence",
            fwd="lstm_forward",
            bwd="lstm_backward",
            args=seq_args,
            diff=[0, 1, 2, 3, 4],
            ag_forward=ag_lstm,
            rng=rng,
        ),
    ]


def cases_word_embedding(rng: np.random.Generator) -> list[Case]:
    def ag_embed(x: np.ndarray, w: Any) -> Any:
        return w[x]

    # N * T > V, so words repeat and a non-accumulating backward loses gradient.
    return [
        layer_case(
            f"N{n}T{t}V{v}D{dim}",
            fwd="word_embedding_forward",
            bwd="word_embedding_backward",
            args=[rng.integers(0, v, size=(n, t)), normal(rng, v, dim)],
            diff=[1],
            ag_forward=ag_embed,
            rng=rng,
        )
        for n, t, v, dim in [(3, 4, 5, 6), (2, 5, 7, 3)]
    ]


def cases_temporal(rng: np.random.Generator) -> list[Case]:
    def ag_affine(x: Any, w: Any, b: Any) -> Any:
        n, t, d = x.shape
        return anp.reshape(anp.dot(anp.reshape(x, (n * t, d)), w), (n, t, w.shape[1])) + b

    out = [
        layer_case(
            f"affine{n, t, d, m}",
            fwd="temporal_affine_forward",
            bwd="temporal_affine_backward",
            args=[normal(rng, n, t, d), normal(rng, d, m), normal(rng, m)],
            diff=[0, 1, 2],
            ag_forward=ag_affine,
            rng=rng,
        )
        for n, t, d, m in [(3, 4, 5, 6), (2, 3, 4, 4)]
    ]
    for n, t, v in [(4, 5, 6), (3, 2, 4)]:
        mask = rng.random((n, t)) < 0.6
        mask[0, 0], mask[-1, -1] = True, False
        out.append(
            loss_case(
                f"loss{n, t, v}",
                fn="temporal_softmax_loss",
                args=[normal(rng, n, t, v), rng.integers(0, v, size=(n, t)), mask],
                diff=0,
                ag_loss=ag_temporal_softmax,
            )
        )
    return out


def cases_attention(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"N{n}Tq{tq}Tk{tk}d{d}dv{dv}",
            fwd="attention_forward",
            bwd="attention_backward",
            args=[normal(rng, n, tq, d), normal(rng, n, tk, d), normal(rng, n, tk, dv)],
            diff=[0, 1, 2],
            ag_forward=ag_attention,
            rng=rng,
        )
        for n, tq, tk, d, dv in [(2, 3, 5, 4, 6), (3, 4, 4, 5, 2)]
    ]


# Plain re-derivations of the course's update rules (defaults as in the assignment).
def plain_momentum(w: np.ndarray, dws: list[np.ndarray], lr: float, mu: float) -> Outputs:
    v = np.zeros_like(w)
    for dw in dws:
        v = mu * v - lr * dw
        w = w + v
    return {"w": w, "velocity": v}


def plain_rmsprop(w: np.ndarray, dws: list[np.ndarray], lr: float, decay: float) -> Outputs:
    s = np.zeros_like(w)
    for dw in dws:
        s = decay * s + (1 - decay) * dw * dw
        w = w - lr * dw / (np.sqrt(s) + 1e-8)
    return {"w": w, "cache": s}


def plain_adam(w: np.ndarray, dws: list[np.ndarray], lr: float, b1: float, b2: float) -> Outputs:
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, dw in enumerate(dws, start=1):
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw * dw
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
    return {"w": w, "m": m, "v": v, "t": np.array(float(len(dws)))}


def cases_optimizers(rng: np.random.Generator) -> list[Case]:
    w0 = normal(rng, 4, 5)
    dws = [normal(rng, 4, 5) for _ in range(4)]
    specs: list[tuple[str, dict[str, float], Callable[[], Outputs], tuple[str, ...]]] = [
        ("sgd_momentum", {}, lambda: plain_momentum(w0, dws, 1e-2, 0.9), ("velocity",)),
        (
            "sgd_momentum",
            {"learning_rate": 0.1, "momentum": 0.5},
            lambda: plain_momentum(w0, dws, 0.1, 0.5),
            ("velocity",),
        ),
        ("rmsprop", {}, lambda: plain_rmsprop(w0, dws, 1e-2, 0.99), ("cache",)),
        (
            "rmsprop",
            {"learning_rate": 0.05, "decay_rate": 0.9},
            lambda: plain_rmsprop(w0, dws, 0.05, 0.9),
            ("cache",),
        ),
        ("adam", {}, lambda: plain_adam(w0, dws, 1e-3, 0.9, 0.999), ("m", "v", "t")),
        (
            "adam",
            {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99},
            lambda: plain_adam(w0, dws, 0.02, 0.8, 0.99),
            ("m", "v", "t"),
        ),
    ]
    out = []
    for i, (fn, config, truth, state) in enumerate(specs):

        def run(
            module: ModuleType,
            fn: str = fn,
            config: dict[str, float] = config,
            state: tuple[str, ...] = state,
        ) -> Outputs:
            w, cfg = w0.copy(), dict(config)
            for dw in dws:
                w, cfg = getattr(module, fn)(w, dw.copy(), cfg)
            result = {"w": as_array(w)}
            result.update({key: as_array(cfg[key]) for key in state})
            return result

        out.append(Case(f"{fn}{i}", run, truth))
    return out


CASES: dict[str, Callable[[np.random.Generator], list[Case]]] = {
    "sigmoid": cases_sigmoid,
    "tanh": cases_tanh,
    "svm_loss": cases_svm_loss,
    "mse_loss": cases_mse_loss,
    "linear_softmax": cases_linear_softmax,
    "linear_svm": cases_linear_svm,
    "two_layer_net": cases_two_layer_net,
    "layernorm": cases_layernorm,
    "dropout": cases_dropout,
    "conv": cases_conv,
    "max_pool": cases_max_pool,
    "spatial_batchnorm": cases_spatial_batchnorm,
    "rnn": cases_rnn,
    "lstm": cases_lstm,
    "word_embedding": cases_word_embedding,
    "temporal": cases_temporal,
    "optimizers": cases_optimizers,
    "attention": cases_attention,
}

_truth_cache: dict[str, list[tuple[Case, Outputs]]] = {}


def cases_with_truth(task: str) -> list[tuple[Case, Outputs]]:
    if task not in _truth_cache:
        rng = np.random.default_rng(sum(map(ord, task)))
        _truth_cache[task] = [(case, case.truth()) for case in CASES[task](rng)]
    return _truth_cache[task]


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    if got.shape != want.shape:
        return np.inf
    scale = max(float(np.linalg.norm(want)), 1e-12)
    return float(np.linalg.norm(got - want)) / scale


def worst_disagreement(module: ModuleType, task: str) -> tuple[float, str]:
    """The largest relative error over every case and output, with where it happened."""
    worst, where = 0.0, ""
    for case, want in cases_with_truth(task):
        try:
            got = case.run(module)
        except Exception as exc:  # a crashing module is as wrong as it gets
            return np.inf, f"{case.name}: {type(exc).__name__}: {exc}"
        for key, expected in want.items():
            err = relative_error(got[key], expected) if key in got else np.inf
            if not np.isfinite(err) or err > worst:
                worst, where = err, f"{case.name}/{key}"
                if not np.isfinite(err):
                    return worst, where
    return worst, where


def mutant_paths() -> list[tuple[str, Path]]:
    return [
        (task, path) for task in TASKS for path in sorted((CODING / task / "mutants").glob("*.py"))
    ]


def test_every_task_has_its_files() -> None:
    for task in TASKS:
        folder = CODING / task
        for name in ("reference.py", "starter.py", "statement.md"):
            assert (folder / name).is_file(), f"{task}/{name}"
        mutants = list((folder / "mutants").glob("*.py"))
        assert len(mutants) >= 3, f"{task} has {len(mutants)} mutants"
        for path in mutants:
            first = path.read_text().splitlines()[0]
            assert first.startswith("# "), f"{path} must name its bug"
            assert len(first) > 10, f"{path} must name its bug"


@pytest.mark.parametrize("task", TASKS)
def test_reference_matches_autograd(task: str) -> None:
    worst, where = worst_disagreement(load_module(CODING / task / "reference.py"), task)
    assert worst <= REFERENCE_TOL, f"{task}: {where} off by {worst:.3g}"


@pytest.mark.parametrize("task", TASKS)
def test_reference_is_repeatable_and_leaves_inputs_alone(task: str) -> None:
    module = load_module(CODING / task / "reference.py")
    for case, _ in cases_with_truth(task):
        first = case.run(module)
        assert MUTATED not in first, f"{task}/{case.name} modified an input or dout"
        again = case.run(module)
        for key, value in first.items():
            np.testing.assert_array_equal(value, again[key], err_msg=f"{case.name}/{key}")


@pytest.mark.parametrize("task", TASKS)
def test_starter_is_wrong(task: str) -> None:
    worst, _ = worst_disagreement(load_module(CODING / task / "starter.py"), task)
    assert worst > WRONG_TOL, f"{task} starter agrees with autograd everywhere ({worst:.3g})"


@pytest.mark.parametrize(
    ("task", "path"), mutant_paths(), ids=[f"{t}/{p.stem}" for t, p in mutant_paths()]
)
def test_mutant_is_wrong_on_generic_inputs(task: str, path: Path) -> None:
    worst, where = worst_disagreement(load_module(path), task)
    assert worst > WRONG_TOL, (
        f"{path.name} agrees with autograd everywhere ({worst:.3g} at {where})"
    )
