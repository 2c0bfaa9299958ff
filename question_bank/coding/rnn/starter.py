from builtins import range
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Run the forward pass for a single timestep of a vanilla RNN that uses a
    tanh activation function: next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: Input data for this timestep, of shape (N, D).
    - prev_h: Hidden state from previous timestep, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - cache: Whatever your backward pass needs (you design it)
    """
    next_h, cache = np.zeros_like(prev_h), None
    # TODO: implement a single forward step for the vanilla RNN.
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass for a single timestep of a vanilla RNN.

    Inputs:
    - dnext_h: Gradient of loss with respect to next hidden state, of shape
      (N, H). Do not modify it.
    - cache: Cache object from the forward pass

    Returns a tuple of:
    - dx: Gradients of input data, of shape (N, D)
    - dprev_h: Gradients of previous hidden state, of shape (N, H)
    - dWx: Gradients of input-to-hidden weights, of shape (D, H)
    - dWh: Gradients of hidden-to-hidden weights, of shape (H, H)
    - db: Gradients of bias vector, of shape (H,)
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # TODO: implement the backward pass for a single step of a vanilla RNN.
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN forward on an entire sequence of data.

    We assume an input sequence composed of T vectors, each of dimension D. The
    RNN uses a hidden size of H, and we work over a minibatch containing N
    sequences. After running the RNN forward, we return the hidden states for
    all timesteps.

    Inputs:
    - x: Input data for the entire timeseries, of shape (N, T, D).
    - h0: Initial hidden state, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)

    Returns a tuple of:
    - h: Hidden states for the entire timeseries, of shape (N, T, H).
    - cache: Whatever your backward pass needs (you design it)
    """
    N, T, D = x.shape
    h, cache = np.zeros((N, T, h0.shape[1])), None
    # TODO: implement forward pass for a vanilla RNN running on a sequence.
    return h, cache


def rnn_backward(dh, cache):
    """Compute the backward pass for a vanilla RNN over an entire sequence.

    Inputs:
    - dh: Upstream gradients of all hidden states, of shape (N, T, H).
      Do not modify it.

    NOTE: 'dh' contains the upstream gradients produced by the individual loss
    functions at each timestep, *not* the gradients being passed between
    timesteps (which you'll have to compute yourself).

    Returns a tuple of:
    - dx: Gradient of inputs, of shape (N, T, D)
    - dh0: Gradient of initial hidden state, of shape (N, H)
    - dWx: Gradient of input-to-hidden weights, of shape (D, H)
    - dWh: Gradient of hidden-to-hidden weights, of shape (H, H)
    - db: Gradient of biases, of shape (H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: implement the backward pass for a vanilla RNN running an entire
    # sequence of data.
    return dx, dh0, dWx, dWh, db
