"""Reads Python source on stdin and prints, from CPython's own ast, the calls with dotted callees
and the import bindings, positions as 0-based lines and UTF-16 columns (the recognizer's units).
Used by the rules tests as an independent scanner."""
import ast
import json
import sys

src = sys.stdin.read()
lines = src.splitlines(keepends=True)


def col16(lineno, col_bytes):
    text = lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8")
    return len(text.encode("utf-16-le")) // 2


def rng(node):
    return [node.lineno - 1, col16(node.lineno, node.col_offset), node.end_lineno - 1, col16(node.end_lineno, node.end_col_offset)]


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return head and head + "." + node.attr
    return None


def value(node):
    try:
        v = ast.literal_eval(node)
    except Exception:
        return {"expr": ast.get_source_segment(src, node)}
    def conv(x):
        if isinstance(x, (tuple, list)):
            return [conv(e) for e in x]
        if isinstance(x, (bool, int, float, str)) or x is None:
            return x
        raise ValueError
    try:
        return conv(v)
    except Exception:
        return {"expr": ast.get_source_segment(src, node)}


calls = []
imports = []
for node in ast.walk(ast.parse(src)):
    if isinstance(node, ast.Call):
        callee = dotted(node.func)
        if not callee:
            continue
        f = rng(node.func)
        name = [f[2], f[3] - len(callee.split(".")[-1]), f[2], f[3]]
        args = []
        for a in node.args:
            inner = a.value if isinstance(a, ast.Starred) else a
            args.append({"star": "*" if isinstance(a, ast.Starred) else None, "name": None,
                         "value": value(inner), "text": ast.get_source_segment(src, inner),
                         "range": rng(a), "valueRange": rng(inner)})
        for k in node.keywords:
            args.append({"star": None if k.arg else "**", "name": k.arg,
                         "value": value(k.value), "text": ast.get_source_segment(src, k.value),
                         "range": rng(k), "valueRange": rng(k.value)})
        args.sort(key=lambda a: (a["range"][0], a["range"][1]))
        calls.append({"callee": callee, "calleeRange": f, "nameRange": name, "range": rng(node), "args": args})
    elif isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                imports.append({"local": a.asname, "target": a.name, "range": rng(node)})
            else:
                imports.append({"local": a.name.split(".")[0], "target": a.name.split(".")[0], "range": rng(node)})
    elif isinstance(node, ast.ImportFrom) and node.level == 0:
        for a in node.names:
            imports.append({"local": a.asname or a.name, "target": node.module + "." + a.name, "range": rng(node)})

json.dump({"calls": calls, "imports": imports}, sys.stdout)
