"""`data export` and `data import`: between course HDF5 files and folders of images, one sub-folder per class."""

from __future__ import annotations

from .output import note, shown
from ..io.limits import DEFAULT_SIDE, RESIZE_SIDE
from .options import whole


def declare(commands) -> None:
    data = commands.add_parser("data", help="convert data sets between HDF5 files and image folders",
                               description="export: write a course HDF5 file as a folder of PNG images; "
                                           "import: write a folder of images as a course HDF5 file.")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(data))
    actions.required = True
    export = actions.add_parser(
        "export", help="write an HDF5 data set as DIR/<class>/<n>.png (plus classes.txt)",
        description="Write every image of a course HDF5 file as a PNG in one sub-folder per class, so "
                    "that `train DIR` learns exactly what `train FILE.h5` learns; a file that holds a "
                    "training and a test split becomes DIR/train/<class>/ and DIR/test/<class>/.")
    export.add_argument("source", metavar="FILE.h5", help="course-format HDF5 file")
    export.add_argument("folder", metavar="DIR", help="new folder to create")
    export.set_defaults(run=run_export, folders={"folder": "folder of images"}, file_inputs=("source",))
    imported = actions.add_parser(
        "import", help="write a folder of images (DIR/<class>/...) as a course HDF5 file, chunked",
        description="Write every image of a folder with one sub-folder per class (or train/ and test/ "
                    "each laid out so) to a course-format HDF5 file, resized to PX x PX, one image at a "
                    "time: `train FILE.h5` then learns what `train DIR` learns, and `--memory-limit` or "
                    "`--engine dask` can read it in chunks. The file appears complete or not at all.")
    imported.add_argument("folder", metavar="DIR", help="folder of images, one sub-folder per class")
    imported.add_argument("destination", metavar="FILE.h5", help="new HDF5 file to create")
    imported.add_argument("--size", type=whole(1, RESIZE_SIDE), default=DEFAULT_SIDE, metavar="PX",
                          help="resize every image to PX x PX (default 64)")
    imported.set_defaults(run=run_import, outputs={"destination": "HDF5 file"}, data_inputs=("folder",),
                          check=check_import)


def run_export(args) -> int:
    from ..io.folders import export_course_file

    written = export_course_file(args.source, args.folder)
    parts = [f"{data.m} images ({shown(data.classes[0])}: {int((data.y == 0).sum())}, "
             f"{shown(data.classes[1])}: {int((data.y == 1).sum())})" for _, data in written]
    if len(written) > 1:
        parts = [f"{split}/: {part}" for (split, _), part in zip(written, parts)]
    height, width = written[0][1].image_shape[:2]
    print(f"wrote {'; '.join(parts)} of {height}x{width} to {shown(args.folder)}")
    return 0


def check_import(args) -> None:
    from ..io.h5_writer import check_destination

    check_destination(args.folder, args.destination)


def run_import(args) -> int:
    from ..io.h5_writer import import_image_folder

    classes, splits = import_image_folder(args.folder, args.destination, args.size)
    for split in splits:
        if split.skipped:
            note(f"skipped {len(split.skipped)} file(s) of the {split.name} images that are not images "
                 f"(first: {split.skipped[0]})")
    parts = [f"{split.name}: {sum(split.counts)} images ({classes[0]}: {split.counts[0]}, "
             f"{classes[1]}: {split.counts[1]})" for split in splits]
    height, width, channels = splits[0].image_shape
    print(f"wrote {'; '.join(parts)} of {height}x{width}x{channels} to {shown(args.destination)}")
    return 0
