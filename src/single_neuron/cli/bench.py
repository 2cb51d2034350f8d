"""`bench vectorization`: the notes' demo, an explicit loop against one NumPy call."""

from __future__ import annotations

from .options import whole


def declare(commands) -> None:
    bench = commands.add_parser(
        "bench", help="time an explicit loop against vectorized NumPy (the notes' demo)",
        description="vectorization: the dot product of two vectors of N elements with a Python loop "
                    "and with np.dot, and one gradient step with the notes' two loops and vectorized.")
    bench.add_argument("what", choices=("vectorization",), metavar="vectorization",
                       help="which demonstration (the notes' loops against NumPy)")
    bench.add_argument("-n", type=whole(1, 10**8), default=1_000_000, metavar="N",
                       help="vector length (default 1,000,000; at most 100,000,000)")
    bench.add_argument("--repeat", type=whole(1, 1000), default=3, metavar="R",
                       help="runs per timing; the median is shown")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    bench.set_defaults(run=run)


def run(args) -> int:
    from ..io.resources import require_memory
    from ..teaching.vectorization import dot_product, gradient_step
    from .output import print_json

    require_memory(16.0 * args.n, "bench vectorization", f"two vectors of {args.n:,} float64 numbers")
    dot, step = dot_product(args.n, args.repeat), gradient_step(repeat=args.repeat)
    if args.json:
        print_json({"dot_product": dot, "gradient_step": step})
        return 0
    print(f"dot product of two vectors of {args.n:,} element{'s' * (args.n != 1)}:")
    print(f"  explicit loop: {dot['loop_seconds'] * 1e3:10.3f} ms   (c = {dot['loop_result']:.6f})")
    print(f"  np.dot:        {dot['vectorized_seconds'] * 1e3:10.3f} ms   (c = {dot['vectorized_result']:.6f})")
    print(f"  the loop is {dot['ratio']:.0f}x slower")
    print(f"one gradient step, n_x = {step['n_x']}, m = {step['m']}:")
    print(f"  two loops:     {step['loop_seconds'] * 1e3:10.3f} ms")
    print(f"  vectorized:    {step['vectorized_seconds'] * 1e3:10.3f} ms")
    print(f"  the loops are {step['ratio']:.0f}x slower; largest difference in dw: "
          f"{step['max_abs_difference_dw']:.1e}")
    return 0
