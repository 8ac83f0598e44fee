#!/usr/bin/env python3
"""Flags risky patterns in the added lines of a unified diff. Hints for a reviewer, not verdicts."""
import re
import sys

PATTERNS = [
    (re.compile(r"(password|secret|api[_-]?key|token)\s*=\s*['\"][^'\"]+['\"]", re.I), "possible hard-coded secret"),
    (re.compile(r"\beval\(|\bexec\("), "dynamic code execution"),
    (re.compile(r"except\s*:\s*$|catch\s*\(\s*\w*\s*\)\s*\{\s*\}"), "error swallowed"),
    (re.compile(r"\bTODO\b|\bFIXME\b"), "unfinished work"),
    (re.compile(r"SELECT .* \+ |f\"SELECT|\.format\(.*SELECT", re.I), "query built from strings"),
]


def main(path: str) -> int:
    current_file = "?"
    line_number = 0
    findings = 0
    with open(path, encoding="utf-8", errors="replace") as diff:
        for raw in diff:
            if raw.startswith("+++ "):
                current_file = raw[4:].strip().removeprefix("b/")
            elif raw.startswith("@@"):
                match = re.search(r"\+(\d+)", raw)
                line_number = int(match.group(1)) - 1 if match else 0
            elif raw.startswith("+"):
                line_number += 1
                for pattern, label in PATTERNS:
                    if pattern.search(raw[1:]):
                        findings += 1
                        print(f"{current_file}:{line_number}: {label}: {raw[1:].strip()}")
            elif not raw.startswith("-"):
                line_number += 1
    print(f"{findings} hint(s)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_diff.py <unified diff file>")
    sys.exit(main(sys.argv[1]))
