# The two commands of the README: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := build/demo
# DATA: a course-format HDF5 file or a folder holding train_*.h5 and test_*.h5 (default: the digits)
DATA ?=
# The digits have 64 features, not 12,288: the course's step of 0.005 is slow for them.
DEMO_ARGS ?= $(if $(DATA),,--learning-rate 0.05)

.PHONY: venv demo test bench bench-startup bench-check bench-accuracy notebook notebook-outputs gallery screenshots clean

venv: $(STAMP)

# Rebuilt only when the project's requirements change: a second `make venv` does nothing.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "single-neuron needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

demo: venv
	@mkdir -p $(DEMO)
	$(BIN)/single-neuron train $(DATA) $(DEMO_ARGS) --model-out $(DEMO)/model.npz
	@$(BIN)/python examples/sample_images.py $(DEMO)/images $(DEMO)/model.npz $(DATA)
	$(BIN)/single-neuron predict $(DEMO)/model.npz $(DEMO)/images

# The walkthrough in JupyterLab, from the project's environment (installs the notebook extra once).
# JupyterLab refuses to run as root unless told; containers often run as root.
notebook: $(VENV)/.notebook
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) examples/walkthrough.ipynb

$(VENV)/.notebook: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,notebook]'
	touch $@

# Run the notebook afresh and save it with its outputs (the tests compare them with a fresh run).
notebook-outputs: venv
	$(BIN)/python examples/refresh_notebook.py

# Draw the figures of docs/gallery.md again, with the commands written there.
gallery: venv
	$(BIN)/python docs/gallery.py

# Take the web page's screenshots of docs/serve.md again (a server on loopback, Debian's chromium).
screenshots: venv
	$(BIN)/python docs/screenshots.py

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/run.py

# The start-up part of make bench alone (a few seconds): updates its section of results.json.
bench-startup: venv
	$(BIN)/python benchmarks/run.py --only startup

# The check part of make bench alone: single-neuron check on a whole notebook, as a whole process.
bench-check: venv
	$(BIN)/python benchmarks/run.py --only check

# The time-to-accuracy part of make bench alone (1e6 x 100 examples: minutes; QUICK=1 for 1e5).
bench-accuracy: venv
	$(BIN)/python benchmarks/run.py --only accuracy $(if $(QUICK),--quick)

clean:
	rm -rf build .pytest_cache .hypothesis
