"""Prints the entries of a zip file as JSON: [{"name", "sha256", "mode"}], for byte-exact checks."""
import hashlib
import json
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as archive:
    print(json.dumps([
        {"name": info.filename, "sha256": hashlib.sha256(archive.read(info)).hexdigest(), "mode": (info.external_attr >> 16) & 0o777}
        for info in archive.infolist() if not info.is_dir()
    ]))
