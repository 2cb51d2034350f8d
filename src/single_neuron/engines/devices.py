"""Array engines by name: numpy (default), torch, cupy; checked before any work starts.

An engine turns NumPy arrays into its own arrays on its device, so that
`arrays.gradient_descent` runs there. A GPU engine asked for where there is no
GPU is one clear error, never a silent fall-back to the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InputValueError

ENGINES = ("numpy", "torch", "cupy")          # Dask is a cluster, not a device: see dask_engine


@dataclass(frozen=True)
class Engine:
    name: str
    device: str
    to_engine: Callable[[np.ndarray], object]


def resolve(name: str, device: str | None = None) -> Engine:
    """The engine `name` on `device` (torch: "cuda" by default, or "cpu"), ready to take arrays."""
    if name == "numpy":
        return Engine("numpy", "cpu", lambda a: a)
    if name == "torch":
        try:
            import torch
        except ImportError:
            raise InputValueError("engine torch: PyTorch is not installed (pip install torch)") from None
        device = device or "cuda"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise InputValueError("engine torch: no CUDA GPU is available to PyTorch on this machine; "
                                  "use --device cpu, or the numpy engine")
        return Engine("torch", device, lambda a: torch.as_tensor(a, device=device))
    if name == "cupy":
        try:
            import cupy
        except ImportError:
            raise InputValueError("engine cupy: CuPy is not installed (pip install cupy-cuda12x)") from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception:                      # CuPy raises its own CUDA errors when no driver is present
            count = 0
        if not count:
            raise InputValueError("engine cupy: no CUDA GPU is available to CuPy on this machine; "
                                  "use the numpy engine")
        return Engine("cupy", "cuda", cupy.asarray)
    raise InputValueError(f"engine: expected one of {', '.join(ENGINES)}, got {name!r}")
