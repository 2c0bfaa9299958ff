"""The code that runs INSIDE the sandbox child: the harness and the zygote.

It imports nothing from ``sandbox`` but ``sandbox.wire`` (import contracts enforce it): the
runtime copies exactly these two subpackages next to the child's interpreter.
"""
