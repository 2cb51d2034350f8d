"""The package's exception family.

Every error a user can cause derives from `SingleNeuronError`, so a caller
(the command line among them) can catch bad input with one ``except`` and show
its message as one line. Each subclass also derives from the built-in exception
a Python user would expect (``ValueError`` for bad values, ``OSError`` never:
I/O problems are reported as what they mean for the data).
"""


class SingleNeuronError(Exception):
    """Base of every error raised for bad input or bad files."""


class ShapeError(SingleNeuronError, ValueError):
    """An array has the wrong number of dimensions or the wrong shape."""


class InputValueError(SingleNeuronError, ValueError):
    """An argument has a value outside what it may take (nan, a label of 2, ...)."""


class DataError(SingleNeuronError):
    """A data set (HDF5 file, image folder) is missing, unreadable or malformed."""


class ImageError(SingleNeuronError):
    """An image file cannot be decoded or used."""


class ModelFileError(SingleNeuronError):
    """A model file is missing, unreadable, not ours, or cannot be written."""


class OutputError(SingleNeuronError):
    """An output file (model, picture, report) cannot be written where it was asked for."""


class DivergenceError(SingleNeuronError, FloatingPointError):
    """Training left the finite numbers (the learning rate was too large for the data)."""


class LearnerCodeError(SingleNeuronError):
    """A learner's file cannot be read, or their code cannot be checked within its time and memory limits."""
