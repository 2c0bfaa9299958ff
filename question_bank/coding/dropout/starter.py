import numpy as np


def dropout_forward(x, dropout_param):
    """Forward pass for inverted dropout.

    Inputs:
    - x: Input data, of any shape. Do not modify it.
    - dropout_param: A dictionary with the following keys:
      - p: Dropout parameter. We KEEP each neuron output with probability p.
      - mode: 'test' or 'train'. If the mode is train, then perform dropout;
        if the mode is test, then just return the input.
      - seed: Seed for the random number generator. When it is present, call
        np.random.seed(seed) first and draw the mask with
        np.random.rand(*x.shape) < p, so that the mask is reproducible.

    Outputs:
    - out: Array of the same shape as x. In train mode the kept units are
      scaled by 1 / p (inverted dropout), so nothing is scaled at test time.
    - cache: Whatever your backward pass needs (you design it)
    """
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])

    mask = None
    out = np.zeros_like(x)
    if mode == 'train':
        # TODO: implement the training phase forward pass for inverted dropout.
        pass
    elif mode == 'test':
        # TODO: implement the test phase forward pass for inverted dropout.
        pass

    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass for inverted dropout.

    Inputs:
    - dout: Upstream derivatives, of any shape. Do not modify it.
    - cache: What dropout_forward returned as its cache.

    Returns:
    - dx: Gradient with respect to x
    """
    dropout_param, mask = cache
    mode = dropout_param['mode']
    dx = np.zeros_like(dout)
    if mode == 'train':
        # TODO: implement the training phase backward pass for inverted dropout.
        pass
    elif mode == 'test':
        # TODO: implement the test phase backward pass.
        pass
    return dx
