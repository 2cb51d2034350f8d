"""Hostile model files, as an attacker writes them, through predict and evaluate.

The archives are written byte by byte here, so that every field of the zip directory
and of the .npy headers can lie: bombs, encrypted and exotic members, duplicates,
sizes that do not add up, headers declaring terabytes, pickles, metadata nested deep
or holding numbers no float can hold, and weights that are finite yet too large for
a probability to stay a number. Each is refused in one line before it is unpacked;
the few oddities that are harmless load and give finite probabilities.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from dataclasses import dataclass

import h5py
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from hostile import Attack, assert_all_hold, digits_model, file_of, run_attacks, special_file

N_X = 64
META = {"format": "single-neuron-model", "format_version": 1, "input_shape": [8, 8, 1], "pixel_scale": 255.0,
        "classes": ["three", "eight"], "training": {"learning_rate": 0.05}}


def npy(array, header: dict | None = None, version=(1, 0)) -> bytes:
    """The .npy bytes of `array`; `header` replaces the header's dict (descr, fortran_order, shape) verbatim."""
    buf = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buf, np.asarray(array), version=version, allow_pickle=True)
        return buf.getvalue()
    text = repr(header).encode("latin1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(text)) + text + np.asarray(array).tobytes()


def good_arrays(meta=None, w=None, b=0.0, costs=(0.69,)) -> dict:
    w = np.random.default_rng(0).normal(scale=0.01, size=(N_X, 1)) if w is None else w
    text = meta if isinstance(meta, str) else json.dumps(META if meta is None else meta)
    return {"w.npy": npy(w), "b.npy": npy(np.float64(b)), "costs.npy": npy(np.asarray(costs, float)),
            "metadata.npy": npy(np.asarray(text))}


@dataclass
class Member:
    name: str
    raw: bytes                          # the member's content
    method: int = 0                     # 0 stored, 8 deflate, anything else written as is
    flags: int = 0
    stored: bytes | None = None         # the bytes in the archive (default: raw, deflated if method 8)
    size: int | None = None             # the uncompressed size the headers give (default: len(raw))
    local_name: str | None = None       # the name in the local header (default: name)


def zip_bytes(members: list[Member]) -> bytes:
    """An archive written field by field: every field can lie."""
    out, directory = bytearray(), bytearray()
    for m in members:
        stored = m.stored if m.stored is not None else (
            zlib.compress(m.raw, 9)[2:-4] if m.method == 8 else m.raw)
        crc, size = zlib.crc32(m.raw), len(m.raw) if m.size is None else m.size
        name, local = m.name.encode(), (m.local_name or m.name).encode()
        offset = len(out)
        out += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, crc, len(stored), size,
                           len(local), 0) + local + stored
        directory += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, m.flags, m.method, 0, 0x21, crc, len(stored),
                                 size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(out), 0)
    return bytes(out + directory + end)


def archive(arrays: dict, **changes) -> list[Member]:
    """Members for `arrays`; changes maps a member name to the Member fields to change."""
    return [Member(name, raw, **changes.get(name, {})) for name, raw in arrays.items()]


def model_bytes(data: bytes):
    return file_of(data, "model.npz")


def crafted(members_of):
    return lambda place: model_bytes(zip_bytes(members_of()))(place)


def with_meta(**changes):
    meta = {**META, **changes}
    return crafted(lambda: archive(good_arrays(meta)))


def meta_text(text):
    return crafted(lambda: archive(good_arrays(text)))


def image(place):
    path = place.inp / "digit.png"
    Image.new("L", (8, 8), 100).save(path)
    return path


def labelled_digits(place):
    path = place.inp / "test_digits.h5"
    with h5py.File(path, "w") as f:
        f["test_set_x"] = np.random.default_rng(1).integers(0, 256, (6, 8, 8, 1), dtype=np.uint8)
        f["test_set_y"] = np.arange(6) % 2
        f["list_classes"] = np.array([b"three", b"eight"])     # the digits model's classes, matched by name
    return path


BOMB = np.zeros(2**23 + 16)             # 64 MiB of zeros: 64 KiB deflated


def fifo(place):
    return special_file(place.inp / "model.npz", "fifo")


def sparse(place):
    path = place.inp / "model.npz"
    with open(path, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(2**31)
    return path


def unix_socket(place):
    return special_file(place.inp / "model.npz", "socket")


def link(target):
    return lambda place: special_file(place.inp / "model.npz", "link", target)


def a_folder(place):
    (place.inp / "model.npz").mkdir()
    return place.inp / "model.npz"


MODELS = {}        # name -> (builder, fragment, or None where the model must load and predict finite numbers)


def add(name, build, fragment):
    MODELS[name] = (build, fragment)


g = good_arrays
add("a zip bomb in w", crafted(lambda: archive({**g(), "w.npy": npy(BOMB)}, **{"w.npy": {"method": 8}})),
    "refused, w would unpack to 64.0 MiB")
add("a zip bomb whose directory lies about its size", crafted(lambda: archive(
    g(), **{"w.npy": {"method": 8, "stored": zlib.compress(npy(BOMB), 9)[2:-4]}})), "or a damaged one")
add("a metadata bomb", crafted(lambda: archive({**g(), "metadata.npy": npy(np.asarray("[" * 2**20))},
                                               **{"metadata.npy": {"method": 8}})), "refused, metadata would unpack")
add("costs declaring a billion entries", crafted(lambda: archive({**g(), "costs.npy": npy(
    np.zeros(8), {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})})), "refused, costs declares shape")
for flag, what in ((0x1, "encrypted"), (0x40, "strongly encrypted")):
    add(f"w flagged {what}", crafted(lambda flag=flag: archive(g(), **{"w.npy": {"flags": flag}})), "is encrypted")
for method, label in ((12, "bzip2"), (14, "lzma"), (98, "PPMd"), (9, "deflate64"), (93, "zstandard"),
                      (99, "AES encryption"), (77, "method 77")):
    add(f"metadata compressed with {label}", crafted(lambda method=method: archive(
        g(), **{"metadata.npy": {"method": method}})), f"compressed with {label}")
add("w twice, the second huge", crafted(lambda: archive(g()) + [Member("w.npy", npy(np.ones((10**5, 1))))]),
    "holds 'w.npy' twice")
add("an extra member with a path", crafted(lambda: archive(g()) + [Member("../../etc/evil.npy", npy(np.ones(2)))]),
    "holds '../../etc/evil.npy', which a single-neuron model never does")
add("an extra pickle", crafted(lambda: archive(g()) + [Member("x.pkl", b"\x80\x04K\x01.")]), "never does")
add("a folder entry", crafted(lambda: archive(g()) + [Member("w.npy/", b"")]), "never does")
add("65 members", crafted(lambda: archive(g()) + [Member(f"m{i}.npy", b"") for i in range(61)]),
    "an archive of 65 files")
add("a member missing", crafted(lambda: archive({k: v for k, v in g().items() if k != "b.npy"})), "missing b")
add("a directory size of 4 GiB", crafted(lambda: archive(g(), **{"w.npy": {"size": 2**32 - 1}})),
    "refused, w would unpack to 4.0 GiB")
add("a stored size beyond the archive", crafted(lambda: archive(g(), **{"costs.npy": {"size": 10**6}})),
    "or a damaged one")
add("a local name that disagrees", crafted(lambda: archive(g(), **{"b.npy": {"local_name": "w.npy"}})),
    "or a damaged one")
add("a CRC that fails", crafted(lambda: archive(g(), **{"b.npy": {"stored": npy(np.float64(7.0))}})),
    "or a damaged one")
add("w declaring 8 TB", crafted(lambda: archive({**g(), "w.npy": npy(
    np.zeros(1), {"descr": "<f8", "fortran_order": False, "shape": (10**12, 1)})})), "declares shape (1000000000000, 1)")
add("w declaring a shape of 3,000 digits", crafted(lambda: archive({**g(), "w.npy": npy(
    np.zeros(1), {"descr": "<f8", "fortran_order": False, "shape": (10**3000, 1)})})), "w")
add("w declaring a negative shape", crafted(lambda: archive({**g(), "w.npy": npy(
    np.zeros(1), {"descr": "<f8", "fortran_order": False, "shape": (-64, 1)})})), "w")
add("a .npy header of 60 KB", crafted(lambda: archive({**g(), "b.npy": npy(np.float64(0), {
    "descr": "<f8", "fortran_order": False, "shape": (), "pad": "x" * 60000})})), "refused, b would unpack to")
add("a .npy header of 3 KB", crafted(lambda: archive({**g(), "b.npy": npy(np.float64(0), {
    "descr": "<f8", "fortran_order": False, "shape": (), "pad": "x" * 3000})})), "or a damaged one")
add("a .npy of version 3", crafted(lambda: archive({**g(), "b.npy": npy(np.float64(0), version=(3, 0))})),
    "or a damaged one")
add("a broken .npy magic", crafted(lambda: archive({**g(), "b.npy": b"\x93NUMPX" + npy(np.float64(0))[6:]})),
    "or a damaged one")
add("pickled w", crafted(lambda: archive({**g(), "w.npy": npy(np.array([{"a": 1}] * N_X, dtype=object).reshape(-1, 1))})),
    "holds pickled objects")
add("complex w", crafted(lambda: archive({**g(), "w.npy": npy(np.zeros((N_X, 1), np.complex64))})), "dtype complex64")
add("text w", crafted(lambda: archive({**g(), "w.npy": npy(np.full((N_X, 1), "1"))})), "dtype <U1")
add("integer w", crafted(lambda: archive({**g(), "w.npy": npy(np.zeros((N_X, 1), np.int64))})), "dtype int64")
add("structured w", crafted(lambda: archive({**g(), "w.npy": npy(np.zeros((N_X, 1), [("a", "<f8")]))})), "w has shape")
add("infinite costs", crafted(lambda: archive(g(costs=(0.6, np.inf)))), "the costs hold nan or inf")
add("costs of rank 2", crafted(lambda: archive(g(costs=np.zeros((2, 2))))), "costs have shape (2, 2)")
add("one weight of 1e300", crafted(lambda: archive(g(w=np.r_[np.zeros(N_X - 1), 1e300].reshape(-1, 1)))),
    "refused, the weights are too large")
add("weights of +-1e200", crafted(lambda: archive(g(w=np.tile([1e200, -1e200], N_X // 2).reshape(-1, 1)))),
    "refused, the weights are too large")
add("weights summing past float", crafted(lambda: archive(g(w=np.full((N_X, 1), 1e307)))), "too large")
add("a bias of 1e308", crafted(lambda: archive(g(b=1e308))), "refused, the weights are too large")
add("weights just past the bound", crafted(lambda: archive(g(w=np.full((N_X, 1), 1.6e28)))), "too large")
add("metadata nested 100,000 deep", meta_text("[" * 100_000 + "]" * 100_000), "refused, metadata would unpack")
add("metadata of 65,956 characters", meta_text(json.dumps({**META, "training": {"n": "x" * 65_800}})),
    "65,956 characters, at most 65,536")
add("metadata nested 30,000 deep", meta_text("[" * 30_000 + "]" * 30_000), "nested 30000 deep")
add("metadata nested in strings only", meta_text(json.dumps({**META, "training": {"note": "[" * 30_000}})), None)
add("a pixel scale of Infinity", meta_text(json.dumps(META).replace("255.0", "Infinity")), "Infinity is not a number")
add("a pixel scale of NaN", meta_text(json.dumps(META).replace("255.0", "NaN")), "NaN is not a number")
add("a pixel scale of -Infinity", meta_text(json.dumps(META).replace("255.0", "-Infinity")), "-Infinity is not a number")
add("an input shape of 1e400", meta_text(json.dumps(META).replace("[8, 8, 1]", "[1e400, 8, 1]")),
    "the number 1e400 is beyond the range of floats")
add("a format version of 5,000 digits", meta_text(json.dumps(META).replace('"format_version": 1',
                                                                          '"format_version": 1' + "0" * 5000)),
    "a number of 5,001 digits")
add("a format version that is true", with_meta(format_version=True), "format_version True")
add("a format version of 1.0", with_meta(format_version=1.0), "format_version 1.0")
add("a format version of 0", with_meta(format_version=0), "format_version 0")
add("a format with a trailing space", with_meta(format="single-neuron-model "), "not a single-neuron model")
add("an input shape of booleans", with_meta(input_shape=[True, True, True]), "is not [height, width, channels]")
add("an input shape of floats", with_meta(input_shape=[8.0, 8, 1]), "is not [height, width, channels]")
add("an input shape with a zero", with_meta(input_shape=[0, 8, 1]), "is not [height, width, channels]")
add("an input shape of two channels", with_meta(input_shape=[8, 8, 2]), "is not [height, width, channels]")
add("an input shape 100,000 wide", with_meta(input_shape=[1, 100_000, 1]), "is not [height, width, channels]")
add("an input shape past the feature limit", with_meta(input_shape=[8192, 8192, 4]), "features, more than the limit")
add("a class name that clears the screen", with_meta(classes=["\x1b[2Jthree", "eight"]), "control character \\x1b")
add("a class name with a line break", with_meta(classes=["th\nree", "eight"]), "control character \\n")
add("a class name with a bidi override", with_meta(classes=["\u202eeerht", "eight"]), "control character \\u202e")
add("a class name of 300 characters", with_meta(classes=["a" * 300, "b"]), "1 to 200 characters, got 300")
add("a number as a class name", with_meta(classes=["three", 8]), "expected 2 class names")
add("classes as a string", with_meta(classes="three,eight"), "expected 2 class names as text, got 'three,eight'")
add("numbers as classes", with_meta(classes=[1, 2]), "expected 2 class names as text, got [1, 2]")
add("a pixel scale of 0", with_meta(pixel_scale=0), "pixel_scale 0 is not a number from")
add("a pixel scale of 1e-300", with_meta(pixel_scale=1e-300), "pixel_scale 1e-300")
add("a pixel scale as text", with_meta(pixel_scale="255"), "pixel_scale '255'")
add("a pixel scale that is true", with_meta(pixel_scale=True), "pixel_scale True")
add("training as a list", with_meta(training=[1, 2]), "training is not an object")
add("two classes of one name", with_meta(classes=["three", "three"]), "both classes are named 'three'")
for shown_as, value in (("text", "99%\n\x1b[31m"), ("a list", [1]), ("an object", {"a": 1}), ("true", True),
                        ("150", 150), ("-1", -1)):
    add(f"a train accuracy of {shown_as}", with_meta(training={"train_accuracy": value}),
        "training.train_accuracy")
add("a test accuracy as text", with_meta(training={"test_accuracy": "70"}), "training.test_accuracy '70'")
add("10,000,001 costs", crafted(lambda: archive(g(costs=np.full(10**7 + 1, 0.5)))),
    "refused, 10,000,001 recorded costs, more than the 10,000,000")
add("a key given twice", meta_text('{"format": "single-neuron-model", "format": "x"}'), "appears twice")
add("metadata that is a list", meta_text("[1, 2, 3]"), "format is None")
add("metadata of 70,000 characters", meta_text(json.dumps({**META, "training": {"n": "x" * 70_000}})),
    "refused, metadata would unpack")
add("metadata as bytes", crafted(lambda: archive({**g(), "metadata.npy": npy(np.asarray(json.dumps(META).encode()))})),
    "metadata is not text")
add("metadata of rank 1", crafted(lambda: archive({**g(), "metadata.npy": npy(np.asarray([json.dumps(META)]))})),
    "metadata is not text")
add("a FIFO", fifo, "is a FIFO (named pipe), expected a model file")
add("a link to /dev/zero", link("/dev/zero"), "is a character device, expected a model file")
add("a link to a FIFO", lambda p: link(os.fspath(p.secret.fifo))(p), "is a FIFO")
add("a link to the secret", lambda p: link(os.fspath(p.secret.text_file))(p), "not an .npz archive")
add("a socket", unix_socket, "is a socket")
add("a folder", a_folder, "is a folder, expected a model file")
add("a sparse 2 GiB file", sparse, "2.0 GiB is more than a model file may hold")
add("the zip signature then nothing", model_bytes(b"PK\x03\x04" + b"\0" * 100), "or a damaged one")
add("an empty file", model_bytes(b""), "not an .npz archive")
add("an HDF5 file", lambda p: model_bytes(p.secret.h5_file.read_bytes())(p), "not an .npz archive")
add("big-endian weights", crafted(lambda: archive({**g(), "w.npy": npy(np.ones((N_X, 1), ">f8") * 0.01)})), None)
add("Fortran-ordered float32 weights", crafted(lambda: archive({**g(), "w.npy": npy(
    np.asfortranarray(np.ones((N_X, 1), np.float32)))})), None)
add("float16 weights", crafted(lambda: archive({**g(), "w.npy": npy(np.ones((N_X, 1), np.float16))})), None)
add("deflated members", crafted(lambda: archive(g(), **{k: {"method": 8} for k in g()})), None)
add("weights just inside the bound", crafted(lambda: archive(g(w=np.full((N_X, 1), 1.5e28)))), None)
add("the smallest pixel scale", lambda p: crafted(lambda: archive(g({**META, "pixel_scale": 1e-6}, w=np.full(
    (N_X, 1), 1e-3))))(p), None)


def predict(build):
    return lambda place: ["predict", build(place), image(place)]


def evaluate(build):
    return lambda place: ["evaluate", build(place), labelled_digits(place)]


def inspect(build):
    return lambda place: ["inspect", build(place)]


def attacks():
    found = [Attack(f"predict: {name}", predict(build), "refused" if fragment else "accepted", fragment or "")
             for name, (build, fragment) in MODELS.items()]
    found += [Attack(f"inspect: {name}", inspect(build), "refused" if fragment else "accepted", fragment or "")
              for name, (build, fragment) in MODELS.items() if "meta" in name or "accuracy" in name
              or "class" in name or "costs" in name or not fragment]
    found += [Attack(f"evaluate: {name}", evaluate(build), "refused" if fragment else "accepted", fragment or "")
              for name, (build, fragment) in list(MODELS.items())[::3]]
    return found


# ------------------------------------------------------------------------------ text that parsers find slow

# Units that a regular expression for JSON strings or a bracket counter can trip on, repeated to
# fill the metadata's 64 KiB, after each way into a string and before each way out: refusing
# them took 10 to 16 s when the scanner tried again from every quote. Each must be answered at once.
UNITS = ['\\"', "[", "{", "\\\\", '"', "\\", '[\\"', '"[', '\\"]', '{"a":', '"\\', "\\u00"]
OPENINGS = ['{"format": "', '["', '"', "", '{"training": {"note": "']
CLOSINGS = ["", '"', '"]}', "]"]
PARSER_SECONDS = 3


def slow_parses():
    found = []
    for unit in UNITS:
        for opening in OPENINGS:
            for closing in CLOSINGS:
                text = opening + unit * ((65_000 - len(opening)) // len(unit)) + closing
                found.append(Attack(f"predict: {len(text):,} characters of {unit!r} after {opening!r}, then {closing!r}",
                                    predict(meta_text(text)), "refused", seconds=PARSER_SECONDS))
    text = '{"format": "' + '\\"' * 32_000
    found += [Attack("serve: metadata of escaped quotes", lambda p: ["serve", meta_text(text)(p), "--port", "0"],
                     "refused", "damaged metadata", seconds=PARSER_SECONDS),
              Attack("inspect: metadata of brackets in an unterminated string",
                     inspect(meta_text('{"format": "' + "[{" * 32_000)), "refused", "Unterminated string",
                     seconds=PARSER_SECONDS)]
    return found


ATTACKS = attacks() + slow_parses()


def test_the_catalogue_is_large():
    assert len(MODELS) >= 80 and len(ATTACKS) >= 300


def test_every_hostile_model_is_refused_in_one_line_and_the_odd_ones_predict_numbers(tmp_path):
    outcomes = run_attacks(ATTACKS, tmp_path)
    assert_all_hold(outcomes)
    for outcome in outcomes:
        if outcome.attack.expect == "accepted" and outcome.attack.name.startswith("predict"):
            probability = float(outcome.result["stdout"].rsplit(" ", 1)[1].rstrip(")\n"))
            assert 0.0 <= probability <= 1.0, (outcome.attack.name, outcome.result["stdout"])


def test_the_program_s_own_model_passes_every_check(tmp_path):
    from single_neuron.io.modelfile import load_model

    saved = load_model(digits_model(tmp_path))
    assert saved.input_shape == (8, 8, 1) and saved.classes == ("three", "eight")


# ------------------------------------------------------------------------------ generated

NASTY_VALUES = st.one_of(
    st.integers(-10**30, 10**30), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.text(max_size=20), st.lists(st.integers(-3, 10), max_size=5),
    st.sampled_from(["NaN", "Infinity", "\x1b[31m", "a\nb", "\u202e", "1e400", "[" * 40]),
)


@st.composite
def hostile_models(draw):
    """A model file whose metadata fields, weights and zip fields each may be replaced by nasty values."""
    meta = dict(META)
    for key in draw(st.sets(st.sampled_from(sorted(META)), max_size=3)):
        meta[key] = draw(NASTY_VALUES)
    raw_json = json.dumps(meta, allow_nan=True)
    if draw(st.booleans()):
        raw_json = raw_json.replace("255.0", draw(st.sampled_from(["NaN", "1e999", "-0", "255" + "0" * 60])))
    scale = draw(st.sampled_from([1.0, 1e10, 1e28, 1e40, 1e300]))
    w = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=(N_X, 1)) * scale
    zip_change = draw(st.sampled_from([{}, {"method": 8}, {"method": 12}, {"flags": 1}, {"size": 2**31}]))
    member = draw(st.sampled_from(["w.npy", "b.npy", "costs.npy", "metadata.npy"]))
    return {"json": raw_json, "w": w, "zip": {member: zip_change}, "harmless":
            meta == META and raw_json == json.dumps(META) and scale <= 1e10 and zip_change in ({}, {"method": 8})}


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(specs=st.lists(hostile_models(), min_size=30, max_size=30))
def test_generated_models_load_right_or_are_refused_in_one_line(tmp_path_factory, specs):
    attacks = []
    for i, spec in enumerate(specs):
        members = lambda spec=spec: archive(good_arrays(spec["json"], w=spec["w"]), **spec["zip"])
        expect = "accepted" if spec["harmless"] else "either"
        attacks.append(Attack(f"generated {i}", predict(crafted(members)), expect))
    assert_all_hold(run_attacks(attacks, tmp_path_factory.mktemp("models")))
