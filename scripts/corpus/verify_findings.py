#!/usr/bin/env python3
"""Checks NormLens's `conv-bias-before-bn` and `momentum-convention` findings on the transformers sources against
real PyTorch, running the real transformers classes.

Input (stdin): the JSON of `normlens inspect --json PATH...` on folders under `.../transformers/models/`.

For every finding the script finds the modules the finding's line built: a hook on torch.nn.Module.__init__ records,
for each module, the call expression that built it (file and line span, from the CPython 3.11 code position of the
CALL instruction). Findings in `modular_<m>.py` files (transformers' code-generation sources, never imported by the
library) are mapped to the same class and the identical call in the generated `modeling_<m>.py`.

- conv-bias-before-bn: the model (or the real transformers block that holds the layer, for models whose full forward
  needs inputs such as keypoints or time-series features) is built from a small config in float64 and run in train
  mode. A forward hook finds the first BatchNorm that finishes after the producer (Conv*/ConvTranspose*/Linear);
  its output is recorded, the producer's bias is changed by random values of the bias's own scale plus 1, and the
  forward is run again from the same state and seed. TRUE when that BatchNorm's output is unchanged (max abs
  difference <= 1e-9 of its scale) while the producer's output did change; FALSE otherwise (the table then names
  the modules that ran between producer and BatchNorm).
- momentum-convention: the BatchNorm built at the line is run once in train mode from running_mean = 0; PyTorch's
  update is running_mean = (1 - momentum) * running_mean + momentum * batch_mean, so the ratio
  running_mean / batch_mean equals the momentum the code passed. TRUE when that ratio equals the momentum and the
  momentum is > 0.5 (i.e. the new batch gets the large weight, the reverse of Keras/Flax's convention).

Output: a table on stdout; exit 0 when every finding is TRUE, 1 when one is FALSE, 2 when one could not be mapped to
a module (no driver for its model, or the line built nothing in the driven model), 3 on bad input.

    node dist/cli.js inspect --json --jobs 1 .cache/corpus/transformers-5.17.0/transformers/models/{beit,clap,...} \\
        | .venv-corpus/bin/python scripts/corpus/verify_findings.py
"""
import ast
import copy
import json
import os
import sys
import warnings

os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
warnings.filterwarnings("ignore")

import types  # noqa: E402

# torchvision 0.28.0's wheel is a CUDA build whose compiled ops do not load against the CPU torch; transformers imports
# torchvision when it is installed, and only the meta-registration module needs the ops (as in gen_creation_sites.py).
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

PRODUCERS = (nn.Linear, nn.modules.conv._ConvNd)
BATCHNORMS = (nn.modules.batchnorm._BatchNorm,)

# ------------------------------------------------------------------------------------------------------------------
# Where each module was built

BUILT_AT = {}  # id(module) -> (abs path, first line, last line)
_orig_init = nn.Module.__init__


def _recording_init(self, *a, **k):
    _orig_init(self, *a, **k)
    f = sys._getframe(1)
    # skip the __init__ chain of the object itself (Conv2d -> _ConvNd -> Module)
    while f is not None and f.f_code.co_name == "__init__" and f.f_code.co_argcount and f.f_locals.get(f.f_code.co_varnames[0]) is self:
        f = f.f_back
    if f is None:
        return
    try:
        pos = list(f.f_code.co_positions())[f.f_lasti // 2]
        first, last = pos[0], pos[1]
    except Exception:
        first = last = None
    if first is None:
        first = last = f.f_lineno
    BUILT_AT[id(self)] = (os.path.realpath(f.f_code.co_filename), first, last)


nn.Module.__init__ = _recording_init


def _in_package(path):
    """'models/<m>/<file>.py' for a path inside a transformers package, else None."""
    parts = os.path.realpath(path).split(os.sep)
    for i in range(len(parts) - 3, -1, -1):
        if parts[i] == "transformers" and parts[i + 1] == "models":
            return "/".join(parts[i + 1:])
    return None


def built_at(root, path, line):
    """Modules of `root` whose building call spans `line` of `path`. `path` may be another copy of the transformers
    sources (the unpacked corpus) than the one imported; the file must then be byte-identical to the imported one."""
    rel = _in_package(path)
    out = []
    for name, m in root.named_modules():
        site = BUILT_AT.get(id(m))
        if site and _in_package(site[0]) == rel and site[1] <= line <= site[2]:
            with open(site[0], "rb") as a, open(path, "rb") as b:
                if a.read() != b.read():
                    raise ValueError(f"{path} differs from the imported {site[0]}")
            out.append((name, m))
    return out


# ------------------------------------------------------------------------------------------------------------------
# modular_<m>.py -> modeling_<m>.py


def _stmt_key(cls, call):
    """The call as written plus the innermost statement around it (so that two identical calls assigned to
    different attributes, e.g. conv_transpose1/conv_transpose2, stay apart)."""
    stmt = None
    for node in ast.walk(cls):
        if isinstance(node, ast.stmt) and node.lineno <= call.lineno and call.end_lineno <= node.end_lineno \
                and not isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            if stmt is None or (node.end_lineno - node.lineno) <= (stmt.end_lineno - stmt.lineno):
                stmt = node
    return ast.dump(call), ast.dump(stmt) if stmt is not None else ""


def _calls(cls, key):
    calls = sorted((n for n in ast.walk(cls) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    return [n for n in calls if _stmt_key(cls, n) == key]


def map_modular(path, line):
    """(modeling path, line) for a finding in a modular file, or (None, reason): the same class, the same call in the
    same statement; among several such calls, the one at the same position."""
    d, base = os.path.split(path)
    target = os.path.join(d, "modeling_" + base[len("modular_"):])
    if not os.path.exists(target):
        return None, f"no {os.path.basename(target)}"
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    cls = next((c for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and c.lineno <= line <= c.end_lineno
                and not any(isinstance(i, ast.ClassDef) and i is not c and i.lineno <= line <= i.end_lineno for i in ast.walk(c))), None)
    if cls is None:
        return None, "no class around that line"
    starts = [n for n in ast.walk(cls) if isinstance(n, ast.Call) and n.lineno == line]
    if not starts:
        return None, "no call starts on that line"
    call = min(starts, key=lambda n: n.col_offset)  # the outermost call on the line
    key = _stmt_key(cls, call)
    here = _calls(cls, key)
    with open(target, encoding="utf-8") as fh:
        ttree = ast.parse(fh.read())
    tcls = [c for c in ast.walk(ttree) if isinstance(c, ast.ClassDef) and c.name == cls.name]
    if len(tcls) != 1:
        return None, f"{len(tcls)} classes named {cls.name} in {os.path.basename(target)}"
    there = _calls(tcls[0], key)
    if len(there) != len(here):
        return None, f"{len(here)} such calls in the modular class, {len(there)} in {os.path.basename(target)}"
    return (target, there[here.index(call)].lineno), None


# ------------------------------------------------------------------------------------------------------------------
# Drivers: per model folder, the real module(s) and a forward in train mode (float64, batch of 4)


def _g(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def d_beit():
    from transformers.models.beit.modeling_beit import BeitFPNNeck
    from transformers import BeitConfig
    m = BeitFPNNeck(BeitConfig(hidden_size=8))
    x = [_g(4, 8, 4, 4) for _ in range(4)]
    return m, lambda: m(x)


def d_data2vec():
    from transformers import Data2VecVisionConfig, Data2VecVisionForSemanticSegmentation
    cfg = Data2VecVisionConfig(hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=32,
                               image_size=32, patch_size=8, out_indices=[1, 2, 3, 4], pool_scales=[1, 2],
                               auxiliary_channels=8, use_auxiliary_head=False)
    m = Data2VecVisionForSemanticSegmentation(cfg)
    x = _g(4, 3, 32, 32)
    return m, lambda: m(pixel_values=x)


def d_clap():
    from transformers import ClapAudioConfig
    from transformers.models.clap.modeling_clap import ClapAudioAFFBlock
    cfg = ClapAudioConfig(patch_embeds_hidden_size=16, enable_fusion=True)
    m = ClapAudioAFFBlock(cfg)
    a, b = _g(4, 16, 6, 6), _g(4, 16, 6, 6)
    return m, lambda: m(a, b)


def d_glpn():
    from transformers import GLPNConfig, GLPNForDepthEstimation
    cfg = GLPNConfig(depths=[1, 1, 1, 1], hidden_sizes=[8, 16, 24, 32], num_attention_heads=[1, 1, 2, 2],
                     decoder_hidden_size=16, head_in_index=-1)
    m = GLPNForDepthEstimation(cfg)
    x = _g(4, 3, 32, 32)
    return m, lambda: m(pixel_values=x)


def d_groupvit():
    from transformers import GroupViTConfig, GroupViTModel
    cfg = GroupViTConfig(projection_dim=8, projection_intermediate_dim=16,
                         text_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2),
                         vision_config=dict(hidden_size=16, intermediate_size=32, depths=[1, 1, 1], num_attention_heads=2,
                                            num_group_tokens=[4, 2, 0], num_output_groups=[4, 2, 2], image_size=32,
                                            patch_size=8))
    m = GroupViTModel(cfg)
    ids = torch.randint(0, 100, (4, 6))
    x = _g(4, 3, 32, 32)
    return m, lambda: m(input_ids=ids, pixel_values=x)


def d_informer():
    from transformers.models.informer.modeling_informer import InformerConvLayer
    m = InformerConvLayer(8)
    x = _g(4, 12, 8)  # (batch, time, d_model); the layer permutes to channels-first itself
    return m, lambda: m(x)


def d_superglue():
    from transformers import SuperGlueConfig
    from transformers.models.superglue.modeling_superglue import SuperGlueKeypointEncoder
    m = SuperGlueKeypointEncoder(SuperGlueConfig(hidden_size=16, keypoint_encoder_sizes=[8, 8]))
    kp, sc = _g(4, 10, 2), torch.rand(4, 10, dtype=torch.float64)
    return m, lambda: m(kp, sc)


def d_swiftformer():
    from transformers import SwiftFormerConfig, SwiftFormerForImageClassification
    cfg = SwiftFormerConfig(depths=[1, 1, 2, 1], embed_dims=[8, 16, 24, 32], num_labels=3)
    m = SwiftFormerForImageClassification(cfg)
    x = _g(4, 3, 64, 64)
    return m, lambda: m(pixel_values=x)


def d_vitmatte():
    from transformers import VitMatteConfig
    from transformers.models.vitmatte.modeling_vitmatte import VitMatteHead
    cfg = VitMatteConfig(fusion_hidden_sizes=[16, 8])
    m = VitMatteHead(cfg)
    x = _g(4, 8, 8, 8)
    return m, lambda: m(x)


def d_mobilenet_v1():
    from transformers import MobileNetV1Config, MobileNetV1Model
    m = MobileNetV1Model(MobileNetV1Config(depth_multiplier=0.25))
    return m, None


def d_mobilenet_v2():
    from transformers import MobileNetV2Config, MobileNetV2Model
    m = MobileNetV2Model(MobileNetV2Config(depth_multiplier=0.35))
    return m, None


DRIVERS = {"beit": d_beit, "data2vec": d_data2vec, "clap": d_clap, "glpn": d_glpn, "groupvit": d_groupvit,
           "informer": d_informer, "superglue": d_superglue, "swiftformer": d_swiftformer, "vitmatte": d_vitmatte,
           "mobilenet_v1": d_mobilenet_v1, "mobilenet_v2": d_mobilenet_v2}
_BUILT = {}


def driven(model_dir):
    if model_dir not in _BUILT:
        torch.manual_seed(0)
        m, run = DRIVERS[model_dir]()
        m.double().train()
        _BUILT[model_dir] = (m, run)
    return _BUILT[model_dir]


# ------------------------------------------------------------------------------------------------------------------
# The two checks


def traced_run(root, run, seed=0):
    """Runs the forward; returns [(qualified name, module, first input, output)] in the order modules finished."""
    order = []
    names = {id(m): n for n, m in root.named_modules()}

    def hook(mod, inp, out):
        i, o = _t(inp), _t(out)
        order.append((names[id(mod)], mod, i.detach().clone() if i is not None else None,
                      o.detach().clone() if o is not None else None))
    hooks = [m.register_forward_hook(hook) for m in root.modules()]
    try:
        torch.manual_seed(seed)
        with torch.no_grad():
            run()
    finally:
        for h in hooks:
            h.remove()
    return order


def _t(out):
    """The first tensor of a module's input or output (model outputs and dicts of tensors give None: only producers
    and BatchNorms are compared, and their inputs and outputs are plain tensors)."""
    while isinstance(out, (tuple, list)) and out:
        out = out[0]
    return out if isinstance(out, torch.Tensor) else None


def _moved(a, b):
    return (a - b).abs().max().item() if a is not None and b is not None and a.shape == b.shape else float("inf")


def check_bias(root, run, name, producer):
    """The producer's first call in the forward; the first BatchNorm after it whose input changes when the producer's
    bias changes (i.e. that the bias reaches); whether that BatchNorm's output stays the same."""
    if getattr(producer, "bias", None) is None:
        return "FALSE", f"{name}: built without a bias"
    state = copy.deepcopy(root.state_dict())
    base = traced_run(root, run)
    idx = next((i for i, e in enumerate(base) if e[1] is producer), None)
    if idx is None:
        return "UNMAPPED", f"{name} did not run in the driven forward"
    with torch.no_grad():
        producer.bias.add_(torch.randn_like(producer.bias) * (producer.bias.abs().max() + 1))
    again = traced_run(root, run)
    root.load_state_dict(state)
    if len(again) != len(base) or any(a[1] is not b[1] for a, b in zip(again, base)):
        return "UNMAPPED", f"{name}: the forward took another path after the bias changed"
    moved = _moved(again[idx][3], base[idx][3])
    if moved < 1e-3:
        return "UNMAPPED", f"{name}: the change did not reach the producer's output"
    j = next((k for k in range(idx + 1, len(base)) if isinstance(base[k][1], BATCHNORMS)
              and _moved(again[k][2], base[k][2]) > 1e-6), None)
    if j is None:
        return "FALSE", f"{name}: no BatchNorm that runs after it sees its bias"
    bn_name = base[j][0]
    between = [e[0] for e in base[idx + 1:j] if not any(e[1] is m for m in base[j][1].modules())]
    diff = _moved(again[j][3], base[j][3])
    scale = base[j][3].abs().max().item() or 1.0
    how = (f"{name} -> {bn_name}" + (f" via {', '.join(between)}" if between else "")
           + f"; producer output moved {moved:.2g}, BN input {_moved(again[j][2], base[j][2]):.2g}, BN output {diff:.2g}")
    return ("TRUE" if diff <= 1e-9 * scale else "FALSE"), how


def check_momentum(name, bn):
    m = bn.momentum
    probe = copy.deepcopy(bn).double().train()
    probe.reset_running_stats()
    # BatchNorm1d (and SyncBatchNorm) take (N, C); 2d/3d add that many spatial dims
    spatial = next((n for c, n in ((nn.BatchNorm2d, 2), (nn.BatchNorm3d, 3)) if isinstance(probe, c)), 0)
    x = _g(8, probe.num_features, *([3] * spatial))
    torch.manual_seed(0)
    with torch.no_grad():
        probe(x)
    dims = [d for d in range(x.dim()) if d != 1]
    ratio = (probe.running_mean / x.mean(dim=dims)).median().item()
    how = f"{name}: momentum={m}; after one step running_mean = {ratio:.6g} x batch mean"
    return ("TRUE" if m is not None and m > 0.5 and abs(ratio - m) < 1e-9 else "FALSE"), how


def main():
    try:
        data = json.load(sys.stdin)
        files = data["files"]
    except Exception as e:
        print(f"verify_findings: stdin is not `normlens inspect --json` output: {e}", file=sys.stderr)
        return 3
    rows = []
    for f in files:
        for d in f.get("diagnostics", []):
            if d.get("code") not in ("conv-bias-before-bn", "momentum-convention"):
                continue
            path, line = f["path"], d["line"]
            short = path.split("/models/", 1)[-1]
            where = f"{short}:{line}"
            parts = short.split("/")
            model_dir = parts[0] if len(parts) == 2 else None
            if model_dir not in DRIVERS:
                rows.append((where, d["code"], "UNMAPPED", f"no driver for model folder {model_dir!r}"))
                continue
            src, lin, note = path, line, ""
            if os.path.basename(path).startswith("modular_"):
                mapped, why = map_modular(path, line)
                if mapped is None:
                    rows.append((where, d["code"], "UNMAPPED", why))
                    continue
                src, lin = mapped
                note = f"[as {os.path.basename(src)}:{lin}] "
            try:
                root, run = driven(model_dir)
            except Exception as e:
                rows.append((where, d["code"], "UNMAPPED", f"driver failed: {type(e).__name__}: {str(e)[:160]}"))
                continue
            try:
                mods = built_at(root, src, lin)
            except ValueError as e:
                rows.append((where, d["code"], "UNMAPPED", str(e)))
                continue
            kind = BATCHNORMS if d["code"] == "momentum-convention" else PRODUCERS
            mods = [(n, m) for n, m in mods if isinstance(m, kind)]
            if not mods:
                rows.append((where, d["code"], "UNMAPPED", note + "the line built no matching module in the driven model"))
                continue
            results = []
            for n, m in mods:
                try:
                    results.append(check_momentum(n, m) if d["code"] == "momentum-convention" else check_bias(root, run, n, m))
                except Exception as e:
                    results.append(("UNMAPPED", f"{n}: {type(e).__name__}: {str(e)[:160]}"))
            verdicts = {v for v, _ in results}
            verdict = "FALSE" if "FALSE" in verdicts else "UNMAPPED" if "UNMAPPED" in verdicts else "TRUE"
            first = next(h for v, h in results if v == verdict)
            rows.append((where, d["code"], verdict, f"{note}{len(results)} instance(s); e.g. {first}"))
    if not rows:
        print("verify_findings: no conv-bias-before-bn or momentum-convention findings in the input", file=sys.stderr)
    w = max([len(r[0]) for r in rows] + [5])
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:<20}  {r[2]:<8}  {r[3]}")
    counts = {v: sum(1 for r in rows if r[2] == v) for v in ("TRUE", "FALSE", "UNMAPPED")}
    print(f"{len(rows)} findings: {counts['TRUE']} true, {counts['FALSE']} false, {counts['UNMAPPED']} unmapped")
    return 1 if counts["FALSE"] else 2 if counts["UNMAPPED"] else 0


if __name__ == "__main__":
    sys.exit(main())
