"""Hostile images, as an attacker makes them: every format Pillow can open and save, then mutated.

Each image is made by Pillow itself and then damaged (bytes flipped, cut, inserted) or
given a header that declares billions of pixels. Through `predict` each either
decodes (one line on stdout, nothing on stderr: no libtiff warning, no Python
warning, no log record) or is refused in one line. Image folders take the same
guard, and refuse links that lead out of them.
"""

from __future__ import annotations

import io
import os
import random
import struct
import warnings
import zlib

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from hostile import Attack, assert_all_hold, digits_model, file_of, mutate, run_attacks, special_file

Image.init()
# Formats Pillow can both write and read back without a program or plugin of its own.
NEEDS_MORE = {"BUFR", "GRIB", "HDF5", "WMF", "EPS"}
FORMATS = sorted(set(Image.OPEN) & set(Image.SAVE) - NEEDS_MORE)
MODES = ("RGB", "RGBA", "L", "1", "F", "P")
SIZE = {"ICNS": (16, 16), "ICO": (16, 16)}
TIFF_COMPRESSIONS = ("tiff_lzw", "tiff_adobe_deflate", "jpeg", "packbits")


def made_by_pillow(fmt: str, **options) -> bytes:
    """A small, structured image in `fmt`, in the first mode that format writes and reads back."""
    rng = np.random.default_rng(sum(map(ord, fmt)))
    w, h = SIZE.get(fmt, (24, 20))
    base = Image.fromarray(np.clip(np.add.outer(np.arange(h) * 9, np.arange(w) * 7)[..., None]
                                   + rng.integers(0, 40, (h, w, 3)), 0, 255).astype(np.uint8))
    for mode in MODES:
        buf = io.BytesIO()
        try:
            with warnings.catch_warnings():          # Pillow deprecates writing some formats (IM)
                warnings.simplefilter("ignore", DeprecationWarning)
                base.convert(mode).save(buf, fmt, **options)
                with Image.open(io.BytesIO(buf.getvalue())) as img:
                    img.load()
            return buf.getvalue()
        except Exception:
            continue
    raise AssertionError(f"Pillow writes no mode of {fmt} that it reads back")


SAMPLES = {fmt: made_by_pillow(fmt) for fmt in FORMATS}
SAMPLES.update({f"TIFF/{c}": made_by_pillow("TIFF", compression=c) for c in TIFF_COMPRESSIONS})


def random_edits(seed: int, count: int):
    r = random.Random(seed)
    return [(r.choice(["flip", "flip", "cut", "insert", "big"]), r.randrange(10**6), r.randrange(256))
            for _ in range(r.randint(1, count))]


def predict(build):
    return lambda place: ["predict", digits_model(place.inp), build(place)]


# ------------------------------------------------------------------------------ headers that declare too much

def png_of_size(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"")
    return (b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", len(idat)) + b"IDAT" + idat
            + struct.pack(">I", zlib.crc32(b"IDAT" + idat)) + b"\0\0\0\0IEND\xaeB`\x82")


def patched(fmt, *fields):
    """SAMPLES[fmt] with each (offset, struct format, value) written over it."""
    data = bytearray(SAMPLES[fmt])
    for offset, layout, value in fields:
        struct.pack_into(layout, data, offset, value)
    return bytes(data)


def tiff_with(tags: dict) -> bytes:
    """A little-endian TIFF from Pillow with the values of `tags` (tag -> value) written into its IFD."""
    data = bytearray(SAMPLES["TIFF"])
    assert data[:2] == b"II"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in tags:
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, tags[tag])
    return bytes(data)


def msp_of_size(w, h):
    """An MSP header is sixteen words whose XOR is zero: the checksum word is fixed up after the size."""
    data = bytearray(SAMPLES["MSP"])
    struct.pack_into("<HH", data, 4, w, h)
    struct.pack_into("<H", data, 24, 0)
    checksum = 0
    for i in range(0, 32, 2):
        checksum ^= struct.unpack_from("<H", data, i)[0]
    struct.pack_into("<H", data, 24, checksum)
    return bytes(data)


def jpeg_of_size(w, h):
    data = bytearray(SAMPLES["JPEG"])
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, h, w)
    return bytes(data)


BIG = 65535
HEADERS = {
    "PNG of 100,000 x 100,000": (png_of_size(100_000, 100_000), "png"),
    "PNG of 20,000 x 20,000": (png_of_size(20_000, 20_000), "png"),
    "BMP of 2^31 x 2^31": (patched("BMP", (18, "<i", 2**31 - 1), (22, "<i", 2**31 - 1)), "bmp"),
    "GIF of 65535 x 65535": (patched("GIF", (6, "<H", BIG), (8, "<H", BIG)), "gif"),
    "QOI of 2^32 x 2^32": (patched("QOI", (4, ">I", 2**32 - 1), (8, ">I", 2**32 - 1)), "qoi"),
    "TGA of 65535 x 65535": (patched("TGA", (12, "<H", BIG), (14, "<H", BIG)), "tga"),
    "PCX of 65535 x 65535": (patched("PCX", (8, "<H", BIG), (10, "<H", BIG)), "pcx"),
    "SGI of 65535 x 65535": (patched("SGI", (6, ">H", BIG), (8, ">H", BIG)), "sgi"),
    "DDS of 2^31 x 2^31": (patched("DDS", (12, "<I", 2**31), (16, "<I", 2**31)), "dds"),
    "MSP of 65535 x 65535": (msp_of_size(BIG, BIG), "msp"),
    "TIFF of 2^31 x 2^31": (tiff_with({256: 2**31, 257: 2**31}), "tif"),
    "JPEG of 65535 x 65535": (jpeg_of_size(BIG, BIG), "jpg"),
    "PPM of 100,000 x 100,000": (b"P6\n100000 100000\n255\n" + b"\0" * 64, "ppm"),
    "XBM of 100,000 x 100,000": (b"#define im_width 100000\n#define im_height 100000\nstatic char im_bits[] = {\n0x00\n};\n",
                                 "xbm"),
}


def attacks():
    found = []
    for fmt, data in SAMPLES.items():
        ext = fmt.split("/")[0].lower()
        found.append(Attack(f"{fmt} as made", predict(file_of(data, f"img.{ext}")), "accepted"))
        for seed in range(3):
            found.append(Attack(f"{fmt} mutated {seed}", predict(file_of(mutate(data, random_edits(seed, 6)),
                                                                         f"img.{ext}")), "either"))
        found.append(Attack(f"{fmt} cut in half", predict(file_of(data[: len(data) // 2], f"img.{ext}")), "either"))
    for name, (data, ext) in HEADERS.items():
        found.append(Attack(f"{name} in a few bytes", predict(file_of(data, f"big.{ext}")), "refused",
                            "more than the limit of 89,478,485; set SINGLE_NEURON_MAX_IMAGE_PIXELS to raise"))
    found += [
        Attack("20,000 x 20,000 with the pixel limit raised: memory", predict(file_of(png_of_size(20_000, 20_000), "b.png")),
               "refused", "would need", env={"SINGLE_NEURON_MAX_IMAGE_PIXELS": str(10**9)}),
        Attack("a TIFF with 60,000 samples a pixel", predict(file_of(tiff_with({277: 60000}), "spp.tif")), "refused",
               "not an image Pillow can decode"),
        Attack("a TIFF whose strips lie", predict(file_of(tiff_with({273: 2**31, 279: 2**31}), "strips.tif")),
               "either"),
        Attack("an EPS made by Pillow", predict(file_of(made_eps(), "img.eps")), "refused", "not an image Pillow"),
        Attack("a 6,000 x 6,000 PNG fits", predict(file_of(big_png(6000), "wide.png")), "accepted"),
        Attack("an image of 300 MB", predict(sparse_image), "refused", "more than an image file may hold"),
        Attack("an image limit that is not a number", predict(file_of(SAMPLES["PNG"], "ok.png")), "refused",
               "SINGLE_NEURON_MAX_IMAGE_BYTES: expected a whole number", env={"SINGLE_NEURON_MAX_IMAGE_BYTES": "lots"}),
        Attack("an image over a lowered byte limit", predict(file_of(SAMPLES["PNG"], "ok.png")), "refused",
               "set SINGLE_NEURON_MAX_IMAGE_BYTES to raise the limit", env={"SINGLE_NEURON_MAX_IMAGE_BYTES": "100"}),
        Attack("a FIFO as an image", predict(fifo), "refused", "is a FIFO (named pipe), expected an image file"),
        Attack("/dev/zero as an image", predict(lambda p: link_to("/dev/zero", p)), "refused", "is a character device"),
        Attack("a link to a FIFO as an image", predict(lambda p: link_to(p.secret.fifo, p)), "refused", "is a FIFO"),
        Attack("the secret as an image", predict(lambda p: link_to(p.secret.text_file, p)), "refused",
               "not an image Pillow can decode"),
        Attack("a socket as an image", predict(unix_socket), "refused", "is a socket"),
        Attack("an image named with a line break", predict(file_of(b"junk", "a\nb\x1b[2J.png")), "refused",
               "a\\nb\\x1b[2J.png: not an image"),
    ]
    found += folder_attacks()
    return found


def made_eps() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (8, 8), 90).save(buf, "EPS")
    return buf.getvalue()


def big_png(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (20, 200, 90)).save(buf, "PNG")
    return buf.getvalue()


def sparse_image(place):
    path = place.inp / "huge.png"
    with open(path, "wb") as f:
        f.write(SAMPLES["PNG"])
        f.truncate(300 * 2**20)
    return path


def fifo(place):
    return special_file(place.inp / "pipe.png", "fifo")


def link_to(target, place):
    return special_file(place.inp / "link.png", "link", target)


def unix_socket(place):
    return special_file(place.inp / "sock.png", "socket")


# ------------------------------------------------------------------------------ image folders

def image_folder(place, mutated=False):
    root = place.inp / "images"
    for label, name in enumerate(("cat", "dog")):
        (root / name).mkdir(parents=True)
        for i, (fmt, data) in enumerate(sorted(SAMPLES.items())):
            ext = fmt.split("/")[0].lower()
            content = mutate(data, random_edits(100 * label + i, 4)) if mutated and i % 2 else data
            (root / name / f"{i:02d}.{ext}").write_bytes(content)
    return root


def folder_with(change):
    def make(place):
        root = image_folder(place)
        change(root, place)
        return root
    return make


def train_on(build, *extra):
    return lambda place: ["train", build(place), "--iterations", "1", "--size", "8", "--model-out",
                          place.out / "m.npz", *extra]


def folder_attacks():
    return [
        Attack("a folder of every format", train_on(image_folder), "accepted", notes=True),
        Attack("a folder of every format, half mutated", train_on(lambda p: image_folder(p, True)), "either", notes=True),
        Attack("a class folder linked to /", train_on(folder_with(lambda r, p: os.symlink("/", r / "zzz") or
                                                                 shutil_rmtree(r / "dog") or os.rename(r / "zzz", r / "dog"))),
               "refused", "a link that leads out of the data folder"),
        Attack("an image linked to the secret", train_on(folder_with(
            lambda r, p: os.symlink(p.secret.text_file, r / "cat" / "zz.png"))), "refused", "leads out of the data folder"),
        Attack("classes.txt linked to the secret", train_on(folder_with(
            lambda r, p: os.symlink(p.secret.text_file, r / "classes.txt"))), "refused", "leads out of the data folder"),
        Attack("classes.txt a FIFO", train_on(folder_with(lambda r, p: os.mkfifo(r / "classes.txt"))), "refused",
               "is a FIFO (named pipe)"),
        Attack("classes.txt of 1 MiB", train_on(folder_with(
            lambda r, p: (r / "classes.txt").write_bytes(b"cat\ndog\n" + b"x" * 2**20))), "refused",
               "more than a list of class names may hold"),
        Attack("classes.txt of five names", train_on(folder_with(
            lambda r, p: (r / "classes.txt").write_text("cat\ndog\na\nb\nc\n"))), "refused",
               "expected the two class names, one a line, found 5 lines"),
        Attack("classes.txt not UTF-8", train_on(folder_with(
            lambda r, p: (r / "classes.txt").write_bytes(b"\xff\xfe\n"))), "refused", "as UTF-8 text"),
        Attack("a class folder named with an escape", train_on(folder_with(
            lambda r, p: os.rename(r / "dog", r / "d\x1b[2Jog"))), "refused", "control character \\x1b"),
        Attack("a FIFO and a device link among the images", train_on(folder_with(
            lambda r, p: os.mkfifo(r / "cat" / "pipe.png") or os.symlink("/dev/zero", r / "dog" / "zero.png"))),
               "accepted", notes=True),
        Attack("an image of 20,000 x 20,000 in a class", train_on(folder_with(
            lambda r, p: (r / "cat" / "big.png").write_bytes(png_of_size(20_000, 20_000)))), "accepted", notes=True),
        Attack("evaluate on a half-mutated folder", lambda p: ["evaluate", digits_model(p.inp), image_folder(p, True)],
               "either", notes=True),
    ]


def shutil_rmtree(path):
    import shutil

    shutil.rmtree(path)


ATTACKS = attacks()


def test_the_catalogue_covers_every_format_pillow_writes():
    assert {"AVIF", "BLP", "DDS", "TIFF", "JPEG", "PNG", "WEBP", "JPEG2000"} <= set(FORMATS)
    assert len(ATTACKS) >= 150


def test_every_hostile_image_decodes_or_is_refused_in_one_line(tmp_path):
    assert_all_hold(run_attacks(ATTACKS, tmp_path))


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(cases=st.lists(st.tuples(st.sampled_from(sorted(SAMPLES)),
                                st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "big"]),
                                                   st.integers(0, 10**6), st.integers(0, 255)),
                                         min_size=1, max_size=8)),
                      min_size=60, max_size=60))
def test_generated_mutations_decode_or_are_refused_in_one_line(tmp_path_factory, cases):
    attacks = [Attack(f"generated {i}: {fmt} {edits}", predict(file_of(mutate(SAMPLES[fmt], edits),
                                                                         f"img.{fmt.split('/')[0].lower()}")), "either")
               for i, (fmt, edits) in enumerate(cases)]
    assert_all_hold(run_attacks(attacks, tmp_path_factory.mktemp("images")))


# ------------------------------------------------------------------------------ containers: what a decoder does

# A header's size is not all a decoder allocates, nor says how long it runs. Every format Pillow opens
# is classed here: a container (it can hold another image, tiles, frames or scans) gets cases built
# from its own structure, the rest decode one picture of the size they declare. A format Pillow
# gains later fails the first test until it is classed.
def png_bytes(side: int, mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (side, side), 90).save(buf, "PNG")
    return buf.getvalue()


def jp2_bytes(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (1, 2, 3)).save(buf, "JPEG2000")
    return buf.getvalue()


def icns_holding(data: bytes, kind=b"ic07") -> bytes:
    """An ICNS whose one entry (ic07: 128 x 128) holds `data` (a PNG or a JPEG 2000)."""
    entry = kind + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(entry)) + entry


def ico_holding(data: bytes, side=16, kind=1) -> bytes:
    """An ICO (kind 1) or CUR (kind 2) whose one entry declares side x side and holds `data`."""
    entry = struct.pack("<BBBBHHII", side % 256, side % 256, 0, 0, 1, 32, len(data), 22)
    return struct.pack("<HHH", 0, kind, 1) + entry + data


def dib(width: int, height: int, rows: int = 0) -> bytes:
    """A bitmap's info header (no file header, as ICO and CUR hold them), 32 bits a pixel, height
    doubled for the mask as icons declare it, and `rows` rows of pixels."""
    return struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0) + b"\0" * (width * 4 * rows)


def jpeg_segments(data: bytes):
    """(marker, start, end) of each segment of a JPEG; a scan runs to the next marker."""
    i, found = 2, []
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xD9:
            return found
        end = i + 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0, *range(0xD0, 0xD8))):
                end += 1
        found.append((marker, i, end))
        i = end
    return found


def progressive(side: int, scans: int = 0) -> bytes:
    """A progressive JPEG of side x side, its last scan repeated `scans` more times (libjpeg decodes
    each again: a pass over every pixel)."""
    buf = io.BytesIO()
    Image.new("L", (side, side), 128).save(buf, "JPEG", progressive=True, quality=50)
    data = buf.getvalue()
    _, start, end = [s for s in jpeg_segments(data) if s[0] == 0xDA][-1]
    return data[:end] + data[start:end] * scans + b"\xff\xd9"


def blp_holding(jpeg: bytes, side=16) -> bytes:
    """A BLP1 of side x side whose picture is the JPEG `jpeg`."""
    head = b"BLP1" + struct.pack("<iIIIiI", 0, 0, side, side, 5, 0)
    offsets = struct.pack("<16I", 28 + 128 + 4, *[0] * 15) + struct.pack("<16I", len(jpeg), *[0] * 15)
    return head + offsets + struct.pack("<I", 0) + jpeg


def gif_frame(width: int, height: int) -> bytes:
    """A GIF of a 16 x 16 screen whose first frame declares width x height."""
    data = bytearray(_gif16())
    at = data.index(b"\x2c\x00\x00\x00\x00\x10\x00\x10\x00")
    struct.pack_into("<HH", data, at + 5, width, height)
    return bytes(data)


def _gif16() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (16, 16), 3).save(buf, "GIF")
    return buf.getvalue()


def dcx_holding(pcx: bytes) -> bytes:
    return struct.pack("<III", 0x3ADE68B1, 12, 0) + pcx


def tiff_tiled(tile: int, side: int = 16, data: bytes = b"\0" * 16) -> bytes:
    """A little-endian TIFF of side x side, RGB, deflate, in tiles of tile x tile; `data` the first tile."""
    entries = [(256, 3, 1, side), (257, 3, 1, side), (258, 3, 3, 8 + 2 + 12 * 11 + 4), (259, 3, 1, 8),
               (262, 3, 1, 2), (277, 3, 1, 3), (284, 3, 1, 1), (322, 4, 1, tile), (323, 4, 1, tile),
               (324, 4, 1, 8 + 2 + 12 * 11 + 4 + 6), (325, 4, 1, len(data))]
    out = b"II*\x00" + struct.pack("<IH", 8, len(entries))
    for tag, kind, count, value in entries:
        out += struct.pack("<HHIHH", tag, kind, count, value, 0) if kind == 3 and count == 1 else \
            struct.pack("<HHII", tag, kind, count, value)
    return out + struct.pack("<I", 0) + struct.pack("<HHH", 8, 8, 8) + data


def mpo_second_frame(width: int, height: int) -> bytes:
    """An MPO of two 16 x 16 frames whose second declares width x height: only the first is decoded."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, "MPO", save_all=True,
                                               append_images=[Image.new("RGB", (16, 16), (9, 9, 9))])
    data = bytearray(buf.getvalue())
    sof = data.rindex(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def iptc_holding(data: bytes) -> bytes:
    """An IPTC/NAA file of an 8 x 8 picture compressed as "jpeg": Pillow opens `data` as any format."""
    def field(record, dataset, value: bytes):
        return struct.pack(">BBBH", 0x1C, record, dataset, len(value)) + value
    return (field(3, 60, b"\x01\x00") + field(3, 20, b"\x00\x08") + field(3, 30, b"\x00\x08")
            + field(3, 120, b"\x00\x05") + field(8, 10, data))


def animated(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, fmt, save_all=True,
                                               append_images=[Image.new("RGB", (16, 16), (9, 9, 9))])
    return buf.getvalue()


def jp2_tiles() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, "JPEG2000", tile_size=(4096, 4096))
    return buf.getvalue()


LARGER = "larger than the"
PASSES = "pixel passes"
CONTAINERS = {
    # format: [(case, bytes, file extension, expect, fragment of the refusal)]
    "ICNS": [("a 128 x 128 entry holding a PNG of 4000 x 4000", lambda: icns_holding(png_bytes(4000)), "icns",
              "refused", LARGER),
             ("a 128 x 128 entry holding a JPEG 2000 of 1024 x 1024", lambda: icns_holding(jp2_bytes(1024)), "icns",
              "refused", LARGER)],
    # Pillow reads the size of each entry's PNG or bitmap when it opens an ICO: the header check holds it.
    "ICO": [("a 16 x 16 entry holding a PNG of 10000 x 10000", lambda: ico_holding(png_bytes(10_000)), "ico",
             "refused", "more than the limit"),
            ("a 16 x 16 entry holding a PNG of 3000 x 3000", lambda: ico_holding(png_bytes(3000)), "ico", "accepted",
             ""),
            ("a 16 x 16 entry holding a bitmap of 10000 x 10000", lambda: ico_holding(dib(10_000, 10_000)), "ico",
             "refused", "more than the limit"),
            ("a 16 x 16 entry holding a bitmap of 4000 x 4000, cut short", lambda: ico_holding(dib(4000, 4000, 1)),
             "ico", "either", ""),
            ("a 16 x 16 entry holding its own 16 x 16 PNG", lambda: ico_holding(png_bytes(16, "RGBA")), "ico",
             "accepted", "")],
    "CUR": [("a cursor whose bitmap declares 65535 x 32767", lambda: ico_holding(dib(65535, 32767), kind=2), "cur",
             "refused", "more than the limit")],
    "BLP": [("a 16 x 16 BLP holding a JPEG of 3000 x 3000", lambda: blp_holding(_jpeg(3000)), "blp", "refused",
             LARGER),
            ("a BLP holding a JPEG of 1,200 scans", lambda: blp_holding(progressive(16, 1200)), "blp", "refused",
             "scans")],
    "JPEG": [("a progressive JPEG of 20,000 empty scans", lambda: progressive(64, 20_000), "jpg", "refused",
              "more than 1,000 scans"),
             ("a progressive JPEG of 4000 x 4000 and 400 scans", lambda: progressive(4000, 400), "jpg", "refused",
              PASSES),
             ("an honest progressive JPEG", lambda: progressive(300), "jpg", "accepted", ""),
             ("an MPO whose second frame declares 65535 x 65535", lambda: mpo_second_frame(65535, 65535), "mpo",
              "accepted", "")],
    "TIFF": [("a 16 x 16 TIFF of one 20000 x 20000 tile", lambda: tiff_tiled(20_000), "tif", "refused",
              "its tiles are 20000x20000"),
             ("a 16 x 16 TIFF of one 256 x 256 tile", lambda: tiff_tiled(256, data=zlib.compress(b"\0" * 256 * 256 * 3)),
              "tif", "accepted", "")],
    "GIF": [("a 16 x 16 screen whose first frame declares 20000 x 20000", lambda: gif_frame(20_000, 20_000), "gif",
             "refused", "more than the limit"),
            ("a 16 x 16 screen whose first frame declares 3000 x 3000", lambda: gif_frame(3000, 3000), "gif", "either",
             "")],
    "DCX": [("a first page of 65535 x 65535", lambda: dcx_holding(HEADERS["PCX of 65535 x 65535"][0]), "dcx",
             "refused", "more than the limit")],
    "JPEG2000": [("tiles of 4096 x 4096 in a 16 x 16 image", jp2_tiles, "jp2", "accepted", "")],
    "PNG": [("an animated PNG: the first frame only", lambda: animated("PNG"), "png", "accepted", "")],
    "WEBP": [("an animated WebP: the first frame only", lambda: animated("WEBP"), "webp", "accepted", "")],
    "AVIF": [("an animated AVIF: the first frame only", lambda: animated("AVIF"), "avif", "accepted", "")],
    "IPTC": [("IPTC data holding an EPS (Pillow would open it as any format)", lambda: iptc_holding(made_eps()),
              "iptc", "refused", "not an image Pillow can decode")],
}
# The other formats Pillow opens decode the one picture their header declares (the checks above hold it),
# or their frames, layers, pages and other images are never decoded: the first alone is.
ONE_PICTURE = {
    "BMP": "one picture", "DIB": "one picture", "PCX": "one picture", "PPM": "one picture", "QOI": "one picture",
    "SGI": "one picture", "SUN": "one picture", "TGA": "one picture", "XBM": "one picture", "XPM": "one picture",
    "MSP": "one picture", "PIXAR": "one picture", "MCIDAS": "one picture", "GBR": "one brush",
    "XVTHUMB": "one thumbnail", "IMT": "one picture", "FTEX": "its first texture only", "DDS": "its first surface only (mipmaps unread)",
    "FLI": "its first frame only", "IM": "its first frame only", "SPIDER": "its first image only",
    "PSD": "its merged picture only (layers are read when one seeks to them)", "PCD": "its 768 x 512 picture only",
    "FITS": "its first image only", "MPEG": "its size only: no decoder",
    "BUFR": "a stub: no decoder", "GRIB": "a stub: no decoder", "HDF5": "a stub: no decoder",
    "WMF": "no decoder here (Windows only)", "EPS": "refused: Ghostscript would decode it",
}


def _jpeg(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (1, 2, 3)).save(buf, "JPEG")
    return buf.getvalue()


def container_attacks():
    return [Attack(f"{fmt}: {case}", predict(file_of(build(), f"c.{ext}")), expect, fragment, seconds=20)
            for fmt, cases in CONTAINERS.items() for case, build, ext, expect, fragment in cases]


def test_every_format_pillow_opens_is_classed_as_a_container_or_one_picture():
    assert set(CONTAINERS) | set(ONE_PICTURE) == set(Image.OPEN), sorted(set(Image.OPEN) ^ (set(CONTAINERS) | set(ONE_PICTURE)))
    assert not set(CONTAINERS) & set(ONE_PICTURE)


def test_containers_are_decoded_within_what_they_declare_and_in_bounded_time(tmp_path):
    assert_all_hold(run_attacks(container_attacks(), tmp_path))


def test_a_container_bomb_is_refused_before_it_allocates(tmp_path):
    """Measured in a fresh process: refusing a 13300 x 13300 PNG inside an ICNS (the outside tester's took 715 MB) and a
    20000 x 20000 x 3 tile in a 16 x 16 TIFF (1.2 GB) leaves the process's peak memory where it was."""
    import subprocess
    import sys

    bombs = {"big.icns": icns_holding(png_bytes(13_300, "L")), "big.tif": tiff_tiled(20_000),
             "scans.jpg": progressive(64, 20_000)}
    for name, data in bombs.items():
        (tmp_path / name).write_bytes(data)
    script = ("import sys, resource\n"
              "from single_neuron.io.images import read_image\n"
              "from single_neuron.errors import ImageError\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "for path in sys.argv[1:]:\n"
              "    try:\n"
              "        read_image(path, (8, 8), 3)\n"
              "    except ImageError as exc:\n"
              "        print(exc)\n"
              "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    done = subprocess.run([sys.executable, "-c", script, *(str(tmp_path / n) for n in bombs)], capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 4, done.stderr
    assert all(": refused, " in line for line in lines[:3]), lines
    assert int(lines[3]) < 64, f"the peak grew by {lines[3]} MiB"
