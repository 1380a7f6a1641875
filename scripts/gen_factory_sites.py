"""Which norm class each line of a fixture builds, as PyTorch runs it.

Usage: python scripts/gen_factory_sites.py test/fixtures/python/factories/factories.py [OUT]
Writes OUT (default <fixture>.sites.json): [{"line": 1-based line in the fixture, "class": "torch.nn.BatchNorm2d",
"definedBy": user class or null, "eps": the built layer's eps (float, null for a class without one)}], sorted. The fixture's build() is called; a hook on
torch.nn.Module.__init__ takes, for each norm built, the first frame outside the object's own
__init__ chain (a subclass's super().__init__ calls) that lies in the fixture: the line that called
the class (through any partial, which adds no Python frame).
"""
import importlib.util
import json
import sys

import torch
import torch.nn as nn

NORM_BASES = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.RMSNorm,
    nn.LocalResponseNorm,
)


def torch_class(obj):
    for c in type(obj).__mro__:
        if c.__module__.startswith("torch.nn.") and issubclass(c, NORM_BASES) and c not in NORM_BASES[:2]:
            return "torch.nn." + c.__name__
    return None


def main(path, out=None):
    spec = importlib.util.spec_from_file_location("fixture", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sites = []
    original = nn.Module.__init__

    def hook(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not isinstance(self, NORM_BASES):
            return
        f = sys._getframe(1)
        while f is not None and f.f_code.co_name == "__init__" and f.f_locals.get(f.f_code.co_varnames[0]) is self:
            f = f.f_back
        if f is None or f.f_code.co_filename != spec.origin:
            return
        built.append((f.f_lineno, self))

    # (read once built: the hook runs at the start of the layer's own __init__, before it sets eps)
    built = []
    nn.Module.__init__ = hook
    try:
        mod.build()
    finally:
        nn.Module.__init__ = original
    for line, obj in built:
        user = type(obj).__name__ if type(obj).__module__ == "fixture" else None
        eps = getattr(obj, "eps", None)
        entry = {"line": line, "class": torch_class(obj), "definedBy": user, "eps": float(eps) if eps is not None else None}
        if entry not in sites:
            sites.append(entry)
    sites.sort(key=lambda e: (e["line"], e["class"], e["definedBy"] or "", e["eps"] or 0.0))
    out = out or path[: -len(".py")] + ".sites.json"
    with open(out, "w") as fh:
        json.dump({"generator": "scripts/gen_factory_sites.py", "torch": torch.__version__, "sites": sites}, fh, indent=1)
        fh.write("\n")
    print(f"{out}: {len(sites)} sites")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
