"""`data export`: a course HDF5 file written as a folder of PNG images, one sub-folder per class."""

from __future__ import annotations

from .parser import Parser


def declare(commands) -> None:
    data = commands.add_parser("data", help="convert data sets",
                               description="export: write a course HDF5 file as a folder of PNG images.")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=Parser)
    actions.required = True
    export = actions.add_parser(
        "export", help="write an HDF5 data set as DIR/<class>/<n>.png (plus classes.txt)",
        description="Write every image of a course HDF5 file as a PNG in one sub-folder per class, so "
                    "that `train DIR` learns exactly what `train FILE.h5` learns.")
    export.add_argument("source", metavar="FILE.h5", help="course-format HDF5 file")
    export.add_argument("folder", metavar="DIR", help="new folder to create")
    export.set_defaults(run=run_export)


def run_export(args) -> int:
    from ..io.folders import export_image_folder
    from ..io.h5 import load_h5
    from .output import shown

    data = load_h5(args.source)
    count = export_image_folder(data, args.folder)
    print(f"wrote {count} images of {data.image_shape[0]}x{data.image_shape[1]} to {shown(args.folder)} "
          f"({shown(data.classes[0])}: {int((data.y == 0).sum())}, {shown(data.classes[1])}: "
          f"{int((data.y == 1).sum())})")
    return 0
