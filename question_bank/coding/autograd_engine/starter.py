import math


class Value:
    """A scalar in a computation graph, with the gradient of the final output with respect to it."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        # A tuple, not a set: the same graph is always walked in the same order.
        self._prev = tuple(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        # TODO: set out._backward to a closure that adds out.grad's share to self.grad and
        # other.grad.
        return out

    def __mul__(self, other):
        # TODO: like __add__, for a product.
        raise NotImplementedError

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only constant exponents"
        # TODO
        raise NotImplementedError

    def tanh(self):
        # TODO
        raise NotImplementedError

    def relu(self):
        # TODO
        raise NotImplementedError

    def exp(self):
        # TODO
        raise NotImplementedError

    def backward(self):
        # TODO: order the graph so each node comes after every node it feeds, set this
        # node's grad to 1 and call each node's _backward in that order.
        pass

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
