"""`python -m single_neuron`: the same command line as `single-neuron`."""

import sys

from .cli import main

sys.exit(main())
