#!/usr/bin/env python3
"""Prints the installed skills' names and versions as JSON, ready for check_updates.

Reads <skill>/.claude-plugin/plugin.json under each folder given (default: the places Claude
keeps installed skills). Usage: installed_versions.py [FOLDER ...]
"""
import json
import sys
from pathlib import Path

DEFAULT_FOLDERS = ["/mnt/skills/user", "/mnt/skills/private", str(Path.home() / ".claude" / "skills")]


def installed(folders):
    found = {}
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            continue
        for manifest in sorted(root.glob("*/.claude-plugin/plugin.json")):
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            name, version = data.get("name"), data.get("version")
            if isinstance(name, str) and isinstance(version, str):
                found.setdefault(name, version)
    return [{"name": name, "version": version} for name, version in sorted(found.items())]


if __name__ == "__main__":
    print(json.dumps(installed(sys.argv[1:] or DEFAULT_FOLDERS)))
