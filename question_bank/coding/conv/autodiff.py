"""Autodiff truth for the naive convolution: padded windows times the filters, plus the bias."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal, windows


def conv(x: Any, w: Any, b: Any, conv_param: dict[str, int]) -> Any:
    pad, stride = conv_param["pad"], conv_param["stride"]
    xp = anp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    f, _, hh, ww = w.shape
    patches, h_out, w_out = windows(xp, hh, ww, stride)
    out = anp.einsum("pnchw,fchw->nfp", patches, w)
    return anp.reshape(out, (x.shape[0], f, h_out, w_out)) + anp.reshape(b, (1, f, 1, 1))


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"x{xs}w{ws}{param}",
            fwd="conv_forward_naive",
            bwd="conv_backward_naive",
            args=[normal(rng, *xs), normal(rng, *ws, scale=0.5), normal(rng, ws[0]), param],
            diff=[0, 1, 2],
            forward=conv,
            rng=rng,
        )
        for xs, ws, param in [
            ((2, 3, 5, 6), (4, 3, 3, 3), {"stride": 1, "pad": 1}),
            ((3, 2, 7, 5), (3, 2, 3, 2), {"stride": 2, "pad": 1}),
            ((2, 2, 6, 6), (2, 2, 2, 2), {"stride": 2, "pad": 0}),
        ]
    ]
