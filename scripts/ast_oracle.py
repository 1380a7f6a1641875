#!/usr/bin/env python3
"""What CPython's own parser says about a Python file: the oracle for the recognizer's tests.

Usage: ast_oracle.py FILE... [--out DIR]
Prints (or writes DIR/<name>.json) one JSON object per file:
  calls:   every ast.Call whose func is a Name/Attribute chain, in source order:
           name ('nn.BatchNorm2d'), 0-based line/col and endLine/endCol in UTF-16 code units,
           nargs (positional, *args included), keywords (names; None for **kwargs)
  imports: every alias of every import: local name, target, and its range
Needs Python >= 3.12 (PEP 701 f-strings, exact positions inside f-strings).
"""
import ast
import json
import re
import sys

if sys.version_info < (3, 12):
    sys.exit("ast_oracle.py needs Python >= 3.12, this is " + sys.version.split()[0])

NEWLINE = re.compile(r"\r\n|\r|\n")


def utf16_len(s):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


class Columns:
    """ast reports UTF-8 byte columns; editors count UTF-16 code units."""

    def __init__(self, text):
        self.lines = NEWLINE.split(text)

    def col(self, lineno, byte_col):
        line = self.lines[lineno - 1].encode("utf-8", "surrogatepass")
        return utf16_len(line[:byte_col].decode("utf-8", "surrogatepass"))

    def span(self, node):
        return {
            "line": node.lineno - 1,
            "col": self.col(node.lineno, node.col_offset),
            "endLine": node.end_lineno - 1,
            "endCol": self.col(node.end_lineno, node.end_col_offset),
        }


def dotted(func):
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    parts.append(func.id)
    return ".".join(reversed(parts))


def oracle(text):
    tree = ast.parse(text)
    cols = Columns(text)
    calls = []
    imports = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name is None:
                continue
            calls.append({
                "name": name,
                **cols.span(node),
                "nargs": len(node.args),
                "keywords": [k.arg for k in node.keywords],
            })
        elif isinstance(node, ast.Import):
            for a in node.names:
                head = a.name.split(".")[0]
                imports.append({
                    "local": a.asname or head,
                    "target": a.name if a.asname else head,
                    **cols.span(a),
                })
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            prefix = module if module.endswith(".") else module + "."
            for a in node.names:
                if a.name == "*":
                    imports.append({"local": "*", "target": module, **cols.span(a)})
                else:
                    imports.append({"local": a.asname or a.name, "target": prefix + a.name, **cols.span(a)})
    key = lambda d: (d["line"], d["col"], -d["endLine"], -d["endCol"])
    calls.sort(key=key)
    imports.sort(key=key)
    return {"python": "%d.%d" % sys.version_info[:2], "calls": calls, "imports": imports}


def main(argv):
    out = None
    files = []
    it = iter(argv)
    for a in it:
        if a == "--out":
            out = next(it)
        else:
            files.append(a)
    for path in files:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        result = oracle(text)
        data = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
        if out:
            import os
            name = os.path.basename(path).rsplit(".", 1)[0] + ".ast.json"
            with open(os.path.join(out, name), "w", encoding="utf-8") as f:
                f.write(data)
        else:
            sys.stdout.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
