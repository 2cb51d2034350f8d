"""Arrays from an untrusted .npz archive: the zip directory checked before anything is decompressed.

A .npz is a zip archive of .npy files, and np.load trusts both layers: a member can
declare any size and inflate to gigabytes (a zip bomb), be encrypted or compressed
with a method zipfile cannot read (each its own traceback), and a .npy header can
declare terabytes, which np.load allocates before it reads a byte. `CheckedArchive`
reads an archive already in memory (its size bounded by the caller) and:

- checks the central directory first: the expected members, each once and nothing
  else, stored or deflated, not encrypted;
- decompresses a member only if the directory gives it at most the size its caller
  allows, and then no more than that (zipfile stops at the size the directory gives
  and checks the CRC);
- parses each .npy header with NumPy's own parser within `NPY_HEADER_BYTES`, refuses
  object arrays (they would be unpickled), and requires exactly the bytes the header's
  shape and type imply.
"""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np

from .limits import NPY_HEADER_BYTES
from .resources import size_text
from .text import shown

METHODS = {0: "stored", 8: "deflate", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstandard", 95: "xz",
           96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES encryption"}
ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_MEMBERS = 64                # looked at before any other check
MAX_DIMENSION = 2**40


class CheckedArchive:
    """The members of a .npz archive (`data`, bytes) whose directory passed the checks above.

    names: the members it must hold and may hold, without ".npy"; error: the exception
    class to raise; what: what the archive should be, for messages ("a single-neuron model").
    """

    def __init__(self, data: bytes, where: str, names: tuple[str, ...], error, what: str):
        self.where, self.error, self.what = where, error, what
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except Exception as exc:                # BadZipFile, ValueError, struct.error, OverflowError, ...
            raise self._damaged(exc) from None
        if len(infos) > MAX_MEMBERS:
            raise error(f"{where}: not {what} (an archive of {len(infos)} files)")
        found = [info.filename for info in infos]
        missing = [n for n in names if f"{n}.npy" not in found]
        if missing:
            raise error(f"{where}: not {what} (missing {', '.join(missing)})")
        for info in infos:
            name = shown(info.filename)[:80]
            if info.filename not in {f"{n}.npy" for n in names}:
                raise error(f"{where}: refused, the archive holds '{name}', which {what} never does")
            if found.count(info.filename) > 1:
                raise error(f"{where}: refused, the archive holds '{name}' twice")
            if info.flag_bits & 0x41:           # bit 0: encrypted; bit 6: strong encryption
                raise error(f"{where}: refused, '{name}' is encrypted; {what} never is")
            if info.compress_type not in ALLOWED_METHODS:
                method = METHODS.get(info.compress_type, f"method {info.compress_type}")
                raise error(f"{where}: refused, '{name}' is compressed with {method}; {what} is stored "
                            "or deflated")
        self._infos = {info.filename: info for info in infos}

    def array(self, name: str, max_bytes: int) -> np.ndarray:
        """The array `name` (without ".npy"), whose .npy file may hold at most `max_bytes` bytes."""
        info = self._infos[f"{name}.npy"]
        if info.file_size > max_bytes:
            raise self.error(f"{self.where}: refused, {name} would unpack to {size_text(info.file_size)}; "
                             f"at most {size_text(max_bytes)} is expected")
        try:
            with self._zip.open(info) as member:
                raw = member.read(max_bytes + 1)
        except Exception as exc:                # a bad CRC, a damaged stream, a local header that disagrees
            raise self._damaged(exc) from None
        if len(raw) != info.file_size:
            raise self._damaged(f"{name} holds {len(raw)} bytes, its directory entry says {info.file_size}")
        return self._parse(name, raw)

    def _parse(self, name: str, raw: bytes) -> np.ndarray:
        fp = io.BytesIO(raw)
        fmt = np.lib.format
        try:
            version = fmt.read_magic(fp)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(fp, max_header_size=NPY_HEADER_BYTES)
            elif version == (2, 0):
                shape, fortran, dtype = fmt.read_array_header_2_0(fp, max_header_size=NPY_HEADER_BYTES)
            else:
                raise ValueError(f"unknown .npy version {version}")
        except Exception as exc:                # ValueError, SyntaxError, TypeError, ... from the header
            raise self._damaged(f"{name}: {exc}") from None
        if dtype.hasobject:
            raise self.error(f"{self.where}: refused, the file holds pickled objects, which a model never does")
        if any(d > MAX_DIMENSION for d in shape):
            raise self.error(f"{self.where}: refused, {name} declares shape {shape}")
        count, offset = math.prod(shape), fp.tell()
        if dtype.itemsize == 0 or len(raw) - offset != count * dtype.itemsize:
            raise self.error(f"{self.where}: refused, {name} declares shape {shape} of {dtype} "
                             f"({size_text(count * dtype.itemsize)}) but holds {size_text(len(raw) - offset)}")
        try:
            values = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
            return values.reshape(shape, order="F" if fortran else "C")
        except Exception as exc:                # a type NumPy cannot lay out
            raise self._damaged(f"{name}: {exc}") from None

    def _damaged(self, exc) -> Exception:
        reason = shown(str(exc).split("\n")[0])[:200] or type(exc).__name__
        return self.error(f"{self.where}: not {self.what}, or a damaged one ({reason})")
