"""Runs the held-out flow fixtures (test/fixtures/flow/*.py) with the real frameworks and reports what
the data-flow checks claim about them. Reads a JSON list of cases on stdin, prints one verdict per case:
- {"kind": "torch-bias", "file", "cls", "init", "inputs", "conv"}: the module in training mode, run with the
  conv's bias as it is and with a random bias added: "cancelled" when the output does not change, else "changed";
- {"kind": "torch-run", "file", "cls", "init", "inputs"}: "ran" or "raised: <message>";
- {"kind": "keras-bias", "file", "fn", "input", "conv", "norm"}: the functional model `fn(keras.Input(input))` up to
  its norm-th BatchNormalization, in training mode, with the conv-th Conv2D's bias changed: "cancelled" or "changed".
- {"kind": "keras-shapes", "file", "fn", "input"}: the functional model `fn(keras.Input(input))`: each norm layer's class
  and the shape of its first weight (a BatchNormalization's gamma: one per feature of the axis it normalizes);
- {"kind": "source-bias", "root", "module", "cls", "init", "inputs", "conv", "norm"}: a class of a real library's
  source (unpacked under `root`), its norm's affine parameters randomized (timm zero-initializes some), in training
  mode, with the conv's bias changed: "cancelled" or "changed". torchvision is not in the frameworks' venv (its wheels
  here do not match torch 2.13's operators); timm imports it only for classes the cases do not use, so it is stubbed.
Dropout draws the same mask in both runs (the seed is reset), so only the bias differs.
"""
import importlib.abc
import importlib.machinery
import types
import importlib.util
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")


def load(path):
    spec = importlib.util.spec_from_file_location("fixture_" + os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _StubTorchvision(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == "torchvision" or name.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__path__ = []
        m.__getattr__ = lambda attr: type(attr, (), {})
        return m

    def exec_module(self, module):
        pass


modules = {}
verdicts = []
for case in json.load(sys.stdin):
    if case["kind"] == "source-bias":
        import torch

        if not any(isinstance(f, _StubTorchvision) for f in sys.meta_path):
            sys.meta_path.insert(0, _StubTorchvision())
        if case["root"] not in sys.path:
            sys.path.insert(0, case["root"])
        cls = getattr(importlib.import_module(case["module"]), case["cls"])
        torch.manual_seed(0)
        net = cls(*case.get("init", []))
        net.train()
        xs = [torch.randn(*s) for s in case["inputs"]]
        with torch.no_grad():
            norm = getattr(net, case["norm"])
            norm.weight.normal_()
            norm.bias.normal_()
            torch.manual_seed(1)
            before = net(*xs).clone()
            conv = getattr(net, case["conv"])
            conv.bias.add_(torch.randn_like(conv.bias) * 5)
            torch.manual_seed(1)
            after = net(*xs)
        verdicts.append("cancelled" if torch.allclose(before, after, atol=1e-4) else "changed")
        continue
    if case["file"] not in modules:
        modules[case["file"]] = load(case["file"])
    mod = modules[case["file"]]
    kind = case["kind"]
    if kind.startswith("torch"):
        import torch

        torch.manual_seed(0)
        net = getattr(mod, case["cls"])(*case.get("init", []))
        net.train()
        xs = [torch.randn(*s) for s in case["inputs"]]
        if kind == "torch-run":
            try:
                net(*xs)
                verdicts.append("ran")
            except Exception as e:
                verdicts.append("raised: " + str(e).splitlines()[0])
            continue
        with torch.no_grad():
            # the same dropout mask in both runs: only the bias differs
            torch.manual_seed(1)
            before = net(*xs).clone()
            conv = getattr(net, case["conv"])
            conv.bias.add_(torch.randn_like(conv.bias) * 5)
            torch.manual_seed(1)
            after = net(*xs)
        verdicts.append("cancelled" if torch.allclose(before, after, atol=1e-4) else "changed")
    elif kind == "keras-bias":
        import keras
        import numpy as np

        keras.utils.set_random_seed(0)
        full = getattr(mod, case["fn"])(keras.Input(tuple(case["input"])))
        norms = [l for l in full.layers if type(l).__name__ == "BatchNormalization"]
        model = keras.Model(full.inputs, norms[case["norm"]].output)
        x = np.random.default_rng(0).normal(size=(4, *case["input"])).astype("float32")
        convs = [l for l in full.layers if type(l).__name__ == "Conv2D"]
        keras.utils.set_random_seed(1)
        before = np.asarray(model(x, training=True))
        conv = convs[case["conv"]]
        conv.bias.assign(np.asarray(conv.bias) + np.random.default_rng(1).normal(size=conv.bias.shape).astype("float32") * 5)
        keras.utils.set_random_seed(1)
        after = np.asarray(model(x, training=True))
        verdicts.append("cancelled" if np.allclose(before, after, atol=1e-3) else "changed")
    elif kind == "keras-shapes":
        import keras

        full = getattr(mod, case["fn"])(keras.Input(tuple(case["input"])))
        norms = [l for l in full.layers if "Normalization" in type(l).__name__]
        verdicts.append(" ".join(f"{type(l).__name__}{tuple(l.weights[0].shape)}" for l in norms))
print(json.dumps(verdicts))
