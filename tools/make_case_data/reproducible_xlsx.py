"""Save an openpyxl workbook so that the same content gives the same bytes.

openpyxl stamps ``docProps/core.xml`` with the current time on every save and the zip entries with
the local clock. Case-study data files are committed and checked by a test that regenerates them,
so both stamps are fixed here: the core properties get ``FIXED_TIMESTAMP`` and every zip entry gets
the zip epoch (1980-01-01 00:00:00), in the order openpyxl wrote them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def save_reproducibly(workbook, path: Path) -> None:
    """Write ``workbook`` to ``path`` with fixed timestamps (see module docstring)."""
    workbook.properties.creator = "tools/make_case_data"
    workbook.properties.created = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(lambda m: m.group(1) + stamp + m.group(2), data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    Path(path).write_bytes(out.getvalue())
