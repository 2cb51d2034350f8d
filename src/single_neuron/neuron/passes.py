"""Which pass runs over the arrays handed to the course's functions, and the words of a run.

The course's functions take arrays of any engine (NumPy, PyTorch, CuPy, Dask,
array-api-strict) and run the one descent loop over them. Where the pass runs is
the engines' business, not the math's: `opened` asks the engines layer, by name,
when the arrays arrive, so that importing the math imports no engine.
"""

from __future__ import annotations

# The words of a run (the README's layout section): a route is where the data lives (in memory,
# a file streamed within a memory limit, chunks on Dask's workers); an engine holds the arrays
# of the loop; a solver is the form of the step (auto picks primal or gram); a pass is the
# route's object that computes the sums of a step.
ROUTES = ("memory", "stream", "dask")
ENGINES = ("numpy", "torch", "cupy", "dask")
SOLVERS = ("auto", "primal", "gram")


def opened(X, Y, **options):
    """The pass over X (n_x, m) and Y (1, m), checked, on the engine they live on, as a context
    manager (see `engines.open_pass`; options: solver, num_iterations, sample_weight, batch_size)."""
    from importlib import import_module

    # Named, not imported: the math layer imports no engine, and the engines find the arrays' own.
    return import_module("single_neuron.engines").open_pass(X, Y, **options)
