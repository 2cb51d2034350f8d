"""Array engines by name: numpy (default), torch, cupy; checked before any work starts.

An engine turns NumPy arrays into its own arrays on its device, so that
the descent loop (`neuron.descent.descend`) runs there. A GPU engine asked for where there is no
GPU is one clear error, never a silent fall-back to the CPU.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InputValueError



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
            raise InputValueError(f"engine torch: PyTorch is not installed; {torch_install_hint()}") from None
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
    # Dask is a cluster, not a device: its pass is made by `engines.open_pass`.
    raise InputValueError(f"engine: expected one of numpy, torch, cupy, got {name!r}")


def torch_install_hint(platform: str = sys.platform, nvidia_gpu: bool | None = None) -> str:
    """How to install PyTorch here. On Linux the plain package is a CUDA build of several
    gigabytes; a machine without an NVIDIA GPU wants PyTorch's CPU-only build instead,
    which PyTorch publishes on an index of its own (its install page gives the command)."""
    if nvidia_gpu is None:
        nvidia_gpu = os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None
    if platform != "linux" or nvidia_gpu:
        return "pip install 'single-neuron[torch]'"
    return ("this machine has no NVIDIA GPU, so install PyTorch's CPU-only build with the pip command PyTorch's "
            "install page gives for Linux and CPU, then use --device cpu (plain `pip install torch` would "
            "download a CUDA build of several gigabytes)")
