"""CPython's own view of scopes, as the oracle of the semantic model's scopes and bindings.

Reads Python files named on the command line and prints, as JSON, every function and class
scope (name, first line, kind) with its local names as CPython's symtable reports them
(parameters, assignments, imports, for/with/except targets, nested def/class names; names
declared global or nonlocal are not local). Lambdas and comprehensions are left out.
"""
import json
import symtable
import sys


def scopes(table, out):
    for child in table.get_children():
        kind = child.get_type()
        kind = getattr(kind, "value", kind)  # an enum from 3.13 on
        if kind in ("function", "class") and child.get_name() not in ("lambda", "listcomp", "setcomp", "dictcomp", "genexpr"):
            local = sorted(s.get_name() for s in child.get_symbols() if s.is_local() and not s.is_global())
            out.append({"name": child.get_name(), "line": child.get_lineno(), "kind": kind, "locals": local})
        scopes(child, out)


result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    out = []
    scopes(symtable.symtable(source, path, "exec"), out)
    result[path] = out
json.dump(result, sys.stdout)
