"""`bench vectorization`: the notes' demo, an explicit loop against one NumPy call."""

from __future__ import annotations

from .options import whole


def declare(commands) -> None:
    bench = commands.add_parser(
        "bench", help="time an explicit loop against vectorized NumPy (the notes' demo)",
        description="vectorization: the dot product of two vectors of N elements with a Python loop "
                    "and with np.dot, and one gradient step with the notes' two loops and vectorized, each "
                    "side timed as timeit times it (the best of R timings), with the BLAS threads used.")
    bench.add_argument("what", choices=("vectorization",), metavar="vectorization",
                       help="which demonstration (the notes' loops against NumPy)")
    bench.add_argument("-n", type=whole(1, 10**8), default=1_000_000, metavar="N",
                       help="vector length (default 1,000,000; at most 100,000,000)")
    bench.add_argument("--repeat", type=whole(1, 1000), default=5, metavar="R",
                       help="timings per side, each of as many calls as take 0.2 s together (as timeit "
                            "finds them); the best is shown (default 5)")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    bench.set_defaults(run=run)


def run(args) -> int:
    from ..io.resources import require_memory
    from ..teaching.vectorization import blas, dot_product, gradient_step
    from .output import print_json

    require_memory(16.0 * args.n, "bench vectorization", f"two vectors of {args.n:,} float64 numbers")
    dot, step, library = dot_product(args.n, args.repeat), gradient_step(repeat=args.repeat), blas()
    if args.json:
        print_json({"dot_product": dot, "gradient_step": step, "blas": library})
        return 0
    print(f"dot product of two vectors of {args.n:,} element{'s' * (args.n != 1)} "
          f"(each side: the best of {args.repeat} timing{'s' * (args.repeat != 1)}, as timeit):")
    print(f"  explicit loop: {_time(dot['loop_seconds'])}   (c = {dot['loop_result']:.6f})")
    print(f"  np.dot:        {_time(dot['vectorized_seconds'])}   (c = {dot['vectorized_result']:.6f})")
    print(f"  the loop is {dot['ratio']:.0f}x slower")
    print(f"one gradient step, n_x = {step['n_x']}, m = {step['m']}:")
    print(f"  two loops:     {_time(step['loop_seconds'])}")
    print(f"  vectorized:    {_time(step['vectorized_seconds'])}")
    print(f"  the loops are {step['ratio']:.0f}x slower; largest difference in dw: "
          f"{step['max_abs_difference_dw']:.1e}")
    print(f"BLAS: {_blas(library)}")
    return 0


def _time(seconds: float) -> str:
    """A call's time: microseconds below a millisecond, milliseconds from there."""
    return f"{seconds * 1e6:10.3f} us a call" if seconds < 1e-3 else f"{seconds * 1e3:10.3f} ms a call"


def _blas(library: dict) -> str:
    if library["library"] is None:
        return "none found (NumPy's own loops)"
    threads = library["threads"]
    return (f"{library['library']} {library['version']}, {threads} thread{'s' * (threads != 1)} "
            "(the times above are with these; OPENBLAS_NUM_THREADS=1 or OMP_NUM_THREADS=1 sets one)")
