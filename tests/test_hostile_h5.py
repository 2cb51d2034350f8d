"""Hostile HDF5 files, as an attacker writes them, through train, evaluate, export and streaming.

Each file is refused in one line before any value is read (or, for the tricks that are
harmless, read correctly): external storage, external and soft links, virtual datasets
(with their sources there or not), odd types, odd filters, huge declared sizes, labels
of one class, wrong label counts, unwritten or damaged data, driver tricks, and paths
that are not regular files. The secret planted beside them never reaches an output.
"""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hostile import Attack, assert_all_hold, digits_model, file_of, run_attacks, special_file

M, SHAPE = 6, (6, 4, 5, 3)
LABELS = np.arange(M) % 2


def pixels(seed=0, shape=SHAPE):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def course(path, x=None, y=None, classes=(b"non-cat", b"cat"), **extra):
    """A course file; x, y, classes may be arrays or callables (f, key) that create the dataset."""
    with h5py.File(path, "w") as f:
        for key, value in (("train_set_x", pixels() if x is None else x), ("train_set_y", LABELS if y is None else y),
                           ("list_classes", classes if classes is None or callable(classes) else np.array(classes))):
            if callable(value):
                value(f, key)
            elif value is not None:
                f[key] = value
        for key, value in extra.items():
            f[key] = value
    return path


# ------------------------------------------------------------------------------ the tricks, one builder each

def external_storage(target):
    def make(place):
        goal = {"secret": place.secret.text_file, "dev-zero": "/dev/zero", "fifo": place.secret.fifo,
                "missing": place.inp / "gone.bin"}[target]

        def put(f, key):
            shape = SHAPE if key.endswith("_x") else ((M,) if key.endswith("_y") else (2,))
            dtype = "S8" if key == "list_classes" else np.uint8
            f.create_dataset(key, shape=shape, dtype=dtype,
                             external=[(os.fspath(goal), 0, int(np.prod(shape)) * np.dtype(dtype).itemsize)])
        return put
    return make


def external_link(target):
    def make(place):
        goal = {"secret": place.secret.h5_file, "dev-zero": "/dev/zero", "fifo": place.secret.fifo,
                "missing": place.inp / "gone.h5"}[target]

        def put(f, key):
            f[key] = h5py.ExternalLink(os.fspath(goal), {"train_set_x": "/x", "train_set_y": "/y"}.get(key, "/names"))
        return put
    return make


def soft_link(kind):
    def make(place):
        def put(f, key):
            if kind == "inside":
                f["hidden_" + key] = pixels() if key.endswith("_x") else LABELS
                f[key] = h5py.SoftLink("/hidden_" + key)
            elif kind == "dangling":
                f[key] = h5py.SoftLink("/nowhere")
            else:                                   # through a group that is an external link
                f["elsewhere"] = h5py.ExternalLink(os.fspath(place.secret.h5_file), "/")
                f[key] = h5py.SoftLink("/elsewhere/" + ("x" if key.endswith("_x") else "y"))
        return put
    return make


def virtual(source):
    def make(place):
        def put(f, key):
            shape = SHAPE if key.endswith("_x") else (M,)
            name = {"secret": place.secret.h5_file, "missing": place.inp / "gone.h5", "self": "."}[source]
            if source == "self":
                f["hidden"] = np.zeros(shape, np.uint8)
            layout = h5py.VirtualLayout(shape=shape, dtype=np.uint8)
            layout[...] = h5py.VirtualSource(os.fspath(name), "hidden" if source == "self" else
                                             ("x" if key.endswith("_x") else "y"), shape=shape)
            f.create_virtual_dataset(key, layout, fillvalue=1)
        return put
    return make


def odd_type(kind):
    def make(place):
        def put(f, key):
            shape = SHAPE if key.endswith("_x") else (M,)
            if kind == "vlen-string":
                f.create_dataset(key, data=np.array(["1"] * int(np.prod(shape)), dtype=object).reshape(shape),
                                 dtype=h5py.string_dtype())
            elif kind == "fixed-string":
                f[key] = np.full(shape, b"1")
            elif kind == "compound":
                f[key] = np.zeros(shape, [("a", "u1"), ("b", "f4")])
            elif kind == "enum":
                f[key] = np.zeros(shape, h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="u1"))
            elif kind == "vlen-int":
                data = np.empty(shape, dtype=object)
                for i in np.ndindex(shape):
                    data[i] = np.arange(3, dtype=np.int32)
                f.create_dataset(key, data=data, dtype=h5py.vlen_dtype(np.int32))
            elif kind == "reference":
                data = np.empty(shape, dtype=h5py.ref_dtype)
                data[...] = f.ref
                f[key] = data
            elif kind == "complex":
                f[key] = np.ones(shape, np.complex64)
            elif kind == "opaque":
                f[key] = np.zeros(shape, "V4")
            elif kind == "array":                   # an HDF5 array type (NumPy would fold it into the shape)
                f.create_dataset(key, shape=shape, dtype=np.dtype(("u1", (2,))))[...] = np.ones(shape + (2,))
            elif kind == "long-double":
                f[key] = np.ones(shape, np.longdouble)
        return put
    return make


def odd_filter(name):
    codes = {"lzf": 32000, "nbit": h5py.h5z.FILTER_NBIT, "scaleoffset": h5py.h5z.FILTER_SCALEOFFSET,
             "zstd-plugin": 32015, "unknown-plugin": 61234}

    def make(place):
        def put(f, key):
            shape = SHAPE if key.endswith("_x") else (M,)
            values = pixels() if key.endswith("_x") else LABELS.astype(np.uint8)
            if name == "lzf":
                f.create_dataset(key, data=values, compression="lzf")
                return
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_chunk(shape)
            if name == "scaleoffset":
                dcpl.set_scaleoffset(h5py.h5z.SO_INT, 0)
            else:                                   # optional: written unfiltered when there is no plugin
                dcpl.set_filter(codes[name], h5py.h5z.FLAG_OPTIONAL if "plugin" in name else 0, ())
            did = h5py.h5d.create(f.id, key.encode(), h5py.h5t.STD_U8LE, h5py.h5s.create_simple(shape), dcpl=dcpl)
            did.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(values))
        return put
    return make


def declared(shape, dtype=np.uint8, chunk=None):
    """A dataset of `shape` whose every chunk is written as 8 bytes that claim to inflate to it."""
    def put(f, key):
        d = f.create_dataset(key, shape=shape, dtype=dtype, chunks=chunk or shape, compression="gzip")
        step = (chunk or shape)[0]
        for start in range(0, shape[0], step):
            d.id.write_direct_chunk((start,) + (0,) * (len(shape) - 1), b"\0" * 8)
    return put


def unwritten(how):
    def put(f, key):
        shape = SHAPE if key.endswith("_x") else (M,)
        if how == "none":
            f.create_dataset(key, shape=shape, dtype=np.uint8)
        else:
            d = f.create_dataset(key, shape=shape, dtype=np.uint8, chunks=(1,) + shape[1:])
            d[0] = 1
    return put


def damaged(place, filters):
    """A chunked file whose one stored chunk of pixels has bytes flipped."""
    path = place.inp / "train_damaged.h5"
    course(path, x=lambda f, key: f.create_dataset(key, data=pixels(), chunks=(1, 4, 5, 3), **filters))
    with h5py.File(path, "r") as f:
        info = f["train_set_x"].id.get_chunk_info(2)
    data = bytearray(path.read_bytes())
    for i in range(info.byte_offset + 2, info.byte_offset + min(info.size, 12)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def in_file(place, name="train_x.h5", **parts):
    return course(place.inp / name, **parts)


def on(which, trick):
    """A course file with `trick` (a builder of a put(f, key)) for one of x, y or list_classes."""
    key = {"x": "x", "y": "y", "classes": "classes"}[which]
    return lambda place: in_file(place, **{key: trick(place)})


def split_driver(place):
    base = place.inp / "train_split"
    with h5py.File(base, "w", driver="split") as f:
        f["train_set_x"] = place.secret.pixels(SHAPE)
        f["train_set_y"] = LABELS
    return place.inp / "train_split-m.h5"


def family_driver(place):
    with h5py.File(place.inp / "train_fam%d.h5", "w", driver="family", memb_size=1024) as f:
        f["train_set_x"] = place.secret.pixels(SHAPE)
        f["train_set_y"] = LABELS
    return place.inp / "train_fam0.h5"


def user_block(place):
    path = place.inp / "train_ub.h5"
    with h5py.File(path, "w", userblock_size=512) as f:
        f["train_set_x"], f["train_set_y"] = pixels(), LABELS
    data = bytearray(path.read_bytes())
    data[:64] = b"PK\x03\x04" + b"\x89PNG\r\n\x1a\n" + b"junk" * 13
    path.write_bytes(bytes(data))
    return path


def fifo(place):
    return special_file(place.inp / "train_pipe.h5", "fifo")


def link_to(target):
    def make(place):
        path = place.inp / "train_link.h5"
        return special_file(path, "link", target if target != "loop" else path)
    return make


def unix_socket(place):
    return special_file(place.inp / "train_sock.h5", "socket")


def bytes_file(content: bytes):
    return file_of(content, "train_bytes.h5")


def newline_name(place):
    path = place.inp / "train_a\nb\x1b[2J.h5"
    return course(path, x=external_link("secret")(place))


def big_attribute(place):
    path = place.inp / "train_attrs.h5"
    with h5py.File(path, "w", libver="latest") as f:         # dense storage: attributes beyond 64 KiB
        f["train_set_x"], f["train_set_y"] = pixels(), LABELS
        f["train_set_x"].attrs.create("notes", np.zeros(2**21))          # 16 MiB, never read
        for i in range(2000):
            f["train_set_y"].attrs[f"a{i}"] = i
    return path


def many_links(place):
    path = in_file(place)
    with h5py.File(path, "a") as f:
        for i in range(3000):
            f[f"link{i}"] = h5py.ExternalLink(os.fspath(place.secret.fifo), "/x")
    return path


# ------------------------------------------------------------------------------ the catalogue

FILES = {}         # name -> (builder of the file, fragment of the refusal, or None where it must be accepted)


def add(name, build, fragment):
    FILES[name] = (build, fragment)


for which in ("x", "y", "classes"):
    for target in ("secret", "dev-zero", "fifo", "missing"):
        add(f"external storage of {which} in {target}", on(which, external_storage(target)), "keeps its values in another file")
        add(f"external link for {which} to {target}", on(which, external_link(target)), "is an external link to")
for which in ("x", "y"):
    for kind in ("inside", "dangling", "through an external group"):
        add(f"soft link for {which}, {kind}", on(which, soft_link(kind)), "is a soft link")
    for source in ("secret", "missing", "self"):
        add(f"virtual {which} from {source}", on(which, virtual(source)), "is a virtual dataset")
    for kind in ("vlen-string", "fixed-string", "compound", "enum", "vlen-int", "reference", "complex", "opaque",
                 "array", "long-double"):
        add(f"{which} of type {kind}", on(which, lambda place, k=kind: odd_type(k)(place)),
            "expected pixel values" if which == "x" else "expected labels 0 or 1, got dtype")
    for name in ("lzf", "nbit", "scaleoffset", "zstd-plugin", "unknown-plugin"):
        add(f"{which} through the {name} filter", on(which, odd_filter(name)), "filter")
    for how in ("none", "part"):
        add(f"{which} declared, {how} written", on(which, lambda place, h=how: unwritten(h)),
            "of its values (what is missing would read as fill values)")
add("a billion examples in 2 KB", lambda p: in_file(p, x=declared((10**9, 1, 1, 1)), y=declared((10**9,))),
    "declares 1,000,000,000 examples, more than the limit")
add("examples at the limit, beyond memory", lambda p: in_file(p, x=declared((2**27, 1, 1, 1)), y=declared((2**27,))),
    "would need")
add("ten billion values per image", lambda p: in_file(p, x=lambda f, k: f.create_dataset(k, shape=(2, 10**5, 10**5, 1), dtype="u1"),
                                                       y=LABELS[:2]), "values per image, more than the limit")
add("a billion labels for six images", lambda p: in_file(p, y=lambda f, k: f.create_dataset(k, shape=(10**9,), dtype="u1")),
    "1000000000 labels for 6 images")
add("a billion class names", lambda p: in_file(p, classes=lambda f, k: f.create_dataset(k, shape=(10**9,), dtype="S1")),
    "expected 2 class names, got 1000000000")
add("labels all 0", lambda p: in_file(p, y=np.zeros(M, np.int64)), "all 6 labels are 0 (non-cat); training needs")
add("labels all 1", lambda p: in_file(p, y=np.ones(M, np.uint8)), "all 6 labels are 1 (cat); training needs")
add("one label fewer", lambda p: in_file(p, y=LABELS[:-1]), "5 labels for 6 images")
add("one label more", lambda p: in_file(p, y=np.arange(M + 1) % 2), "7 labels for 6 images")
add("labels of rank 2 and 2 rows", lambda p: in_file(p, y=np.stack([LABELS, LABELS])), "expected labels of shape (m,)")
add("a nan label", lambda p: in_file(p, y=np.array([0, 1, np.nan, 1, 0, 1])), "expected labels 0 or 1, got nan")
add("scalar pixels", lambda p: in_file(p, x=np.uint8(3)), "expected images of shape")
add("empty images", lambda p: in_file(p, x=np.zeros((6, 0, 5, 3), np.uint8)), "at least 1x1 pixels")
add("a damaged gzip chunk", lambda p: damaged(p, {"compression": "gzip"}), "cannot read train_set_x")
add("a damaged shuffled gzip chunk", lambda p: damaged(p, {"compression": "gzip", "shuffle": True}), "is the file truncated or damaged")
add("a fletcher32 checksum that fails", lambda p: damaged(p, {"fletcher32": True}), "checksummed")
add("two classes of one name", lambda p: in_file(p, classes=(b"cat", b"cat")), "both classes are named 'cat'")
add("one pixel of 0.5 among whole values", lambda p: in_file(p, x=np.where(
    np.arange(np.prod(SHAPE)).reshape(SHAPE) == 7, 0.5, pixels().astype(np.float64))), "got 0.5 at index (0, 0, 2, 1)")
add("enum pixels named as such", on("x", odd_type("enum")), "got dtype enum of uint8")
add("three class names", lambda p: in_file(p, classes=(b"a", b"b", b"c")), "expected 2 class names, got 3")
add("a class name that clears the screen", lambda p: in_file(p, classes=(b"cat\x1b[2J", b"dog")), "control character \\x1b")
add("a class name with a line break", lambda p: in_file(p, classes=(b"non\ncat", b"cat")), "control character \\n")
add("a class name of 100 KB", lambda p: in_file(p, classes=(b"a" * 100_000, b"b")), "class names of 100000 bytes")
add("a class name that is not UTF-8", lambda p: in_file(p, classes=(b"\xff\xfe", b"cat")), "must be UTF-8 text")
add("an empty class name", lambda p: in_file(p, classes=(b"", b"cat")), "1 to 200 characters, got 0")
add("numbers as class names", lambda p: in_file(p, classes=None, list_classes=np.array([0, 1])), "(text), got dtype int64")
add("a vlen class name with a bidi override", lambda p: in_file(p, classes=None, list_classes=np.array(
    ["abc\u202edef", "cat"], dtype=h5py.string_dtype())), "control character \\u202e")
add("the split driver's metadata file", split_driver, "cannot read the HDF5 file")
add("the family driver's first member", family_driver, "cannot read the HDF5 file")
add("a FIFO", fifo, "is a FIFO (named pipe), expected an HDF5 file")
add("a link to /dev/zero", link_to("/dev/zero"), "is a character device, expected an HDF5 file")
add("a link to a FIFO", lambda p: link_to(os.fspath(p.secret.fifo))(p), "is a FIFO")
add("a link loop", link_to("loop"), "train_link.h5: a link that leads nowhere")
add("a dangling link", link_to("/nonexistent/train.h5"), "a link that leads nowhere (No such file")
add("a socket", unix_socket, "is a socket")
add("a PNG named .h5", bytes_file(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "not an HDF5 file")
add("a zip named .h5", bytes_file(b"PK\x03\x04" + b"\0" * 100), "not an HDF5 file")
add("the HDF5 signature then junk", bytes_file(b"\x89HDF\r\n\x1a\n" + os.urandom(3000)), "cannot read the HDF5 file")
add("the signature after a user block, then junk", bytes_file(b"\0" * 512 + b"\x89HDF\r\n\x1a\n" + b"\xff" * 600),
    "cannot read the HDF5 file")
add("a name with a line break and an escape", newline_name, "train_a\\nb\\x1b[2J.h5: refused")
add("a user block full of other formats' signatures", user_block, None)
add("a 16 MiB attribute and 2,000 small ones", big_attribute, None)
add("3,000 external links beside the data", many_links, None)
add("float16 pixels and labels", lambda p: in_file(p, x=pixels().astype(np.float16), y=LABELS.astype(np.float16)), None)
add("big-endian 16-bit pixels, boolean labels", lambda p: in_file(p, x=pixels().astype(">u2"), y=LABELS.astype(bool)), None)
add("gzip, shuffle and fletcher32 together", lambda p: in_file(p, x=lambda f, k: f.create_dataset(
    k, data=pixels(), chunks=(2, 4, 5, 3), compression="gzip", shuffle=True, fletcher32=True)), None)

add("245,760 one-value chunks (21 MB that took 1.6 GB)", lambda p: in_file(
    p, x=lambda f, k: f.create_dataset(k, data=pixels(shape=(20, 64, 64, 3)), chunks=(1, 1, 1, 1)), y=np.arange(20) % 2),
    "refused, stored in 245,760 chunks of 1 bytes")
add("131,072 one-label chunks", lambda p: in_file(
    p, x=np.zeros((2**17, 1, 1, 1), np.uint8), y=lambda f, k: f.create_dataset(k, data=np.arange(2**17) % 2, chunks=(1,))),
    "refused, stored in 131,072 chunks of 8 bytes")
add("65,536 one-value chunks, the most allowed", lambda p: in_file(
    p, x=lambda f, k: f.create_dataset(k, data=pixels(shape=(16, 64, 64, 1)), chunks=(1, 1, 1, 1)), y=np.arange(16) % 2),
    None)
CHUNKS = ["245,760 one-value chunks (21 MB that took 1.6 GB)", "131,072 one-label chunks"]

STRUCTURAL = [n for n, (_, fragment) in FILES.items()
              if fragment and fragment != "would need"
              and not n.startswith(("a damaged", "a fletcher", "a nan label", "one pixel"))]


def train(build):
    return lambda place: ["train", build(place), "--iterations", "1", "--model-out", place.out / "m.npz"]


def stream(build):
    return lambda place: ["train", build(place), "--iterations", "1", "--memory-limit", "64MB",
                          "--model-out", place.out / "m.npz"]


def evaluate(build):
    return lambda place: ["evaluate", digits_model(place.inp), build(place)]


def export(build):
    return lambda place: ["data", "export", build(place), place.out / "images"]


def attacks_on_every_route():
    found = []
    for name, (build, fragment) in FILES.items():
        found.append(Attack(f"train: {name}", train(build), "refused" if fragment else "accepted", fragment or ""))
    for name in STRUCTURAL:
        build, fragment = FILES[name]
        found.append(Attack(f"stream: {name}", stream(build), "refused", fragment))
    for name in [n for n in STRUCTURAL[::4] if n not in CHUNKS] + CHUNKS:
        build, fragment = FILES[name]
        found.append(Attack(f"evaluate: {name}", evaluate(build), "refused", fragment))
        found.append(Attack(f"export: {name}", export(build), "refused", fragment))
    tiny_chunks = FILES["65,536 one-value chunks, the most allowed"][0]
    found += [
        # HDF5's records of the 4,096 chunks a read may touch count in the limit: 64 MB is too little
        Attack("stream: 65,536 one-value chunks, the most allowed", lambda p: [
            "train", tiny_chunks(p), "--iterations", "1", "--memory-limit", "128MB"], "accepted"),
        Attack("stream mini-batches: 65,536 one-value chunks", lambda p: [
            "train", tiny_chunks(p), "--iterations", "1", "--learning-rate", "0.0001", "--memory-limit", "128MB",
            "--batch-size", "5"], "accepted"),
        Attack("stream within 64 MB: 65,536 one-value chunks", stream(tiny_chunks), "refused", "is too small"),
        Attack("train: a test twin that is a link loop", train(twin_loop), "refused",
               "test_x.h5: a link that leads nowhere (Too many levels of symbolic links)"),
        Attack("train: an example limit of 0", train(lambda p: in_file(p)), "refused",
               "error: SINGLE_NEURON_MAX_EXAMPLES: expected a whole number", env={"SINGLE_NEURON_MAX_EXAMPLES": "0"}),
    ]
    return found


def twin_loop(place):
    path = in_file(place)
    special_file(place.inp / "test_x.h5", "link", place.inp / "test_x.h5")
    return path


ATTACKS = attacks_on_every_route()


def test_the_catalogue_is_large():
    assert len(FILES) >= 90 and len(ATTACKS) >= 200


def test_every_hostile_hdf5_file_is_refused_in_one_line_on_every_route(tmp_path):
    assert_all_hold(run_attacks(ATTACKS, tmp_path))


def test_a_damaged_chunk_met_while_streaming_is_one_line(tmp_path):
    build, fragment = FILES["a damaged gzip chunk"]
    assert_all_hold(run_attacks([Attack("stream: a damaged gzip chunk", stream(build), "refused", fragment)], tmp_path))


# ------------------------------------------------------------------------------ generated: tricks combined

TRICKS = {
    "plain": None, "external storage": external_storage("secret"), "external link": external_link("secret"),
    "soft link": soft_link("inside"), "virtual, source there": virtual("secret"),
    "virtual, source missing": virtual("missing"), "unwritten": lambda place: unwritten("none"),
    "lzf": odd_filter("lzf"), "compound": odd_type("compound"), "vlen string": odd_type("vlen-string"),
}
STORAGE = {"contiguous": {}, "chunked": {"chunks": True}, "gzip": {"compression": "gzip"},
           "shuffled gzip with checksums": {"compression": "gzip", "shuffle": True, "fletcher32": True}}


@st.composite
def hostile_course_files(draw):
    """A course file in which x, y and the class names each get a trick (often a plain one)."""
    tricks = {part: draw(st.sampled_from(list(TRICKS))) for part in ("x", "y")}
    return {
        "tricks": tricks,
        "storage": draw(st.sampled_from(list(STORAGE))),
        "m": draw(st.integers(2, 9)),
        "labels": draw(st.sampled_from(["mixed", "all 0", "all 1"])),
        "count": draw(st.sampled_from([0, 0, 0, -1, 1])),
        "dtype": draw(st.sampled_from(["uint8", "int16", "float32", ">f8", "float16"])),
        "classes": draw(st.sampled_from([("non-cat", "cat"), None, ("a\tb", "c"), ("x", "y", "z")])),
        "seed": draw(st.integers(0, 2**16)),
    }


def build_generated(spec):
    def make(place):
        m = spec["m"]
        x = pixels(spec["seed"], (m, 3, 2, 1)).astype(spec["dtype"])
        y = (np.arange(m + spec["count"]) % 2 if spec["labels"] == "mixed"
             else np.full(m + spec["count"], 0 if spec["labels"] == "all 0" else 1))
        parts = {}
        for part, values in (("x", x), ("y", y)):
            trick = TRICKS[spec["tricks"][part]]
            if trick is None:
                storage = STORAGE[spec["storage"]]
                parts[part] = (lambda v, s: lambda f, key: f.create_dataset(key, data=v, **s))(values, storage)
            else:
                parts[part] = trick(place)
        classes = None if spec["classes"] is None else tuple(c.encode() for c in spec["classes"])
        return course(place.inp / "train_gen.h5", x=parts["x"], y=parts["y"], classes=classes)
    return make


def verdict(spec) -> str:
    harmless = (all(t == "plain" for t in spec["tricks"].values()) and spec["count"] == 0
                and spec["labels"] == "mixed" and spec["classes"] in (None, ("non-cat", "cat")))
    return "accepted" if harmless else "refused"


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(specs=st.lists(hostile_course_files(), min_size=30, max_size=30))
def test_generated_course_files_are_read_right_or_refused_in_one_line(tmp_path_factory, specs):
    attacks = [Attack(f"generated {i}: {spec}", train(build_generated(spec)), verdict(spec)) for i, spec in enumerate(specs)]
    assert_all_hold(run_attacks(attacks, tmp_path_factory.mktemp("generated")))
