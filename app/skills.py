"""The fixed skills taxonomy of DESIGN.md §2."""

from enum import StrEnum


class Skill(StrEnum):
    FORWARD_PASS = "forward_pass"
    LOSS_FUNCTIONS = "loss_functions"
    GRADIENT_DESCENT = "gradient_descent"
    CHAIN_RULE = "chain_rule"
    BACKWARD_PASS = "backward_pass"
