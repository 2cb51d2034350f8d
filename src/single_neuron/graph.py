"""The public name of the scalar graph engine: `from single_neuron.graph import Value`.

The engine itself lives in `single_neuron.teaching.graph`, beside the other teaching pieces.
"""

from .teaching.graph import Value, logistic_example, notes_example, topological_order

__all__ = ["Value", "logistic_example", "notes_example", "topological_order"]
