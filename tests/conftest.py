"""Shared fixtures: where the course's cat files are, and how to run the command line."""

from __future__ import annotations

import os

# scikit-learn's estimator checks include array-API inputs only when this is set before they run.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# In CI the property tests and the fuzz run draw the same examples every time, so a red run can be
# reproduced; on a developer's machine they explore new ones on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

from single_neuron.cli import main
from single_neuron.engines.devices import torch_install_hint

ROOT = Path(__file__).resolve().parents[1]
CATS_ENV = "SINGLE_NEURON_CATS"
# Why a PyTorch test is skipped, the same words everywhere: the hint the command line gives.
TORCH_MISSING = f"PyTorch is not installed, an optional engine: to run these tests, {torch_install_hint()}"


def cats_dir() -> Path:
    """The folder with train_catvnoncat.h5 and test_catvnoncat.h5 ($SINGLE_NEURON_CATS or ../shared/data/cats)."""
    return Path(os.environ.get(CATS_ENV) or ROOT.parent / "shared" / "data" / "cats")


@pytest.fixture(scope="session")
def cats() -> Path:
    folder = cats_dir()
    files = [folder / "train_catvnoncat.h5", folder / "test_catvnoncat.h5"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        message = (f"the course's cat data set is not at {folder} (missing {', '.join(missing)}); "
                   f"set {CATS_ENV} to the folder that holds it")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def cat_sets(cats):
    from single_neuron.io.sources import load_training_data

    return load_training_data(cats)


@pytest.fixture(scope="session")
def cat_model(cats, tmp_path_factory):
    """The course's model (learning rate 0.005, 2,000 iterations) saved as a model file."""
    from single_neuron.app.jobs import train
    from single_neuron.io.modelfile import save_model

    path = tmp_path_factory.mktemp("model") / "cat.npz"
    save_model(path, train(cats).model)
    return path


@pytest.fixture
def run_cli(capsys):
    """Call the command line in-process; return (exit status, stdout, stderr)."""

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


def files_in(folder: Path) -> list[str]:
    """Every file under `folder`, relative, sorted: to prove that nothing was written."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
