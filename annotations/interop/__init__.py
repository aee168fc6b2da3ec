"""Other annotation tools' formats in and out: Label Studio, doccano, W3C Web Annotation.

In (`import_annotations`): a Label Studio JSON export or a doccano JSON Lines export
becomes articles and draft annotations; W3C Web Annotations become draft annotations on
articles already stored. Out (`stream_interop_export`): Label Studio JSON and doccano JSON
Lines of verified annotations (every live one, for editors). docs/interop.md is the
user's guide; each module says what its tool counts offsets in:

- `offsets`: units (code points, UTF-16, graphemes) and the map through normalisation;
- `documents`: one text and its spans, checked and anchored;
- `label_studio`, `doccano`, `w3c`: each format, read (pure) and written;
- `importing`: the one transaction that writes a file; `exporting`: the streams out;
- `records`: what is read and what is reported, per record.
"""

from .exporting import EXPORT_FORMATS, ExportScope, annotations_in_scope, stream_interop_export
from .importing import import_annotations, import_annotations_path
from .offsets import OffsetUnit
from .records import (
    DEFAULT_LABELS,
    InteropError,
    InteropFormat,
    InteropReport,
    LabelMap,
    RecordReport,
    parse_label_map,
)

__all__ = [
    "DEFAULT_LABELS",
    "EXPORT_FORMATS",
    "ExportScope",
    "InteropError",
    "InteropFormat",
    "InteropReport",
    "LabelMap",
    "OffsetUnit",
    "RecordReport",
    "annotations_in_scope",
    "import_annotations",
    "import_annotations_path",
    "parse_label_map",
    "stream_interop_export",
]
