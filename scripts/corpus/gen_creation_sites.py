#!/usr/bin/env python3
"""Ground truth for NormLens's resolver: which source line of real model code builds which normalization layer.

Constructs real models of torchvision, timm, transformers, Keras 3 and Flax (nnx and linen) and records, for every
module (PyTorch), layer (Keras) or Flax module object that gets built, the line of the library's source that built
it. Then decides, by what the object really is or computes, whether it is a normalization layer:

- PyTorch: an instance of a torch.nn normalization class (BatchNorm*, SyncBatchNorm, InstanceNorm*, LayerNorm,
  GroupNorm, RMSNorm, LocalResponseNorm, CrossMapLRN2d, lazy variants) or of a subclass of one; otherwise, for leaf
  modules defined in the library, a numeric test: the module (with its parameters and buffers set to random
  values) is run on random inputs whose rows have different means and scales, and its output is compared with RMS
  normalization, layer normalization (over the last dim, or over dim 1 of an (N, C, H, W) input), group
  normalization, and inference-mode batch normalization with the module's own running_mean/running_var, each
  followed by a per-channel affine map fitted by least squares (this accepts `w`, `1 + w`, no weight, with or
  without bias). A module that passes is a custom norm: `definedBy` names its class, `class` is the torch.nn class
  with the same semantics, `kind` what it computes.
- Keras: instances of keras.layers BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization,
  UnitNormalization and their subclasses.
- Flax: instances of flax.nnx / flax.linen BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm and subclasses.

Where an object was built: hooks on torch.nn.Module.__init__, keras Layer.__init__, the nnx norm classes' __init__
and linen Module.__post_init__ walk the Python stack outward from the hook, skip the frames that belong to building
that same object (`__init__`/`__post_init__` frames whose `self` is the object: a subclass's `super().__init__()`
chain), and take the next frame: the code that called the class. If that frame is in one of the five libraries, the
site is recorded; otherwise (e.g. torch's own nn.TransformerEncoderLayer building a LayerNorm) it is counted in
`outsideLibrary` and not listed, because no line of the library builds the norm itself.

Which line: the CPython 3.11 code position of the executing CALL instruction gives the call expression's end; the
script parses the file with `ast` and takes the `ast.Call` node ending exactly there. `line` is that node's
`lineno` (1-based), i.e. the line where the call expression STARTS (where its callee starts), and `column` its
0-based start column in code points. This is the line an editor shows the call on and where NormLens's recognizer
anchors a call (the start of `range`); the CALL instruction's own line number would instead be the line of a
method name in a chained call that spans lines, which no user would name.

Output (stdout or --out): JSON with, per library, its version, the models constructed (and those that failed, with
the error), and per file (path relative to site-packages, e.g. torchvision/models/resnet.py) the sorted,
de-duplicated creation sites {line, column, class, kind, definedBy, callee} and `nonNorms`: sites whose callee or
built class looks like a norm (its name contains "norm", or the object is a LayerScale-like module) but whose
object is not one (nn.Identity from `norm_layer(...)`, Conv2dNormActivation, LayerScale ...).

Run (in the venv made by scripts/corpus/setup-venv.sh; ~10-20 min on 2 cores):
    .venv-corpus/bin/python scripts/corpus/gen_creation_sites.py --out test/fixtures/corpus/creation-sites.json
    options: --libs torchvision,timm,transformers,keras,flax   --timm-limit N   --transformers-limit N
"""
import argparse
import functools
import ast
import copy
import json
import os
import signal
import sys
import time
import traceback
import types
import warnings

# torchvision 0.28.0's wheel is a CUDA build; its compiled ops do not load against the CPU torch, and only the
# meta-registration module needs them. Model construction does not.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

LIBS = ["torchvision", "timm", "transformers", "keras", "flax"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Where each object was built

class Recorder:
    def __init__(self, roots):
        # roots: {lib: absolute package dir}; paths are recorded relative to the dir that holds the package
        self.roots = {lib: os.path.realpath(d) + os.sep for lib, d in roots.items()}
        self.events = []  # (obj, lib or None, relpath, code positions, f_lineno)
        self.outside = 0
        self.active = False
        self.positions = {}

    def lib_of(self, filename):
        f = os.path.realpath(filename)
        for lib, root in self.roots.items():
            if f.startswith(root):
                return lib, os.path.relpath(f, os.path.dirname(root.rstrip(os.sep))).replace(os.sep, "/")
        return None, None

    def record(self, obj, frame):
        """frame: the frame of the hooked method (its first local is the object)."""
        if not self.active:
            return
        f = frame
        while f is not None and f.f_code.co_name in ("__init__", "__post_init__", "__new__", "_init_wrapper") and _self_of(f) is obj:
            f = f.f_back
        # keras/flax wrap __init__ in their own machinery (metaclass __call__, tracking decorators): skip frames
        # of the framework itself until the first frame outside it.
        while f is not None and _framework_frame(f.f_code.co_filename):
            f = f.f_back
        if f is None:
            return
        lib, rel = self.lib_of(f.f_code.co_filename)
        if lib is None:
            self.outside += 1
            self.events.append((obj, None, f.f_code.co_filename, None, f.f_lineno))
            return
        pos = None
        try:
            code = f.f_code
            if code not in self.positions:
                self.positions[code] = list(code.co_positions())
            pos = self.positions[code][f.f_lasti // 2]
        except Exception:
            pass
        self.events.append((obj, lib, rel, pos, f.f_lineno))


def _self_of(frame):
    code = frame.f_code
    if code.co_argcount == 0:
        return None
    return frame.f_locals.get(code.co_varnames[0])


_FRAMEWORK_DIRS = []


def _framework_frame(filename):
    if filename.startswith("<"):
        # dataclass-generated __init__ of linen modules, functools, etc.
        return True
    f = os.path.realpath(filename)
    return any(f.startswith(d) for d in _FRAMEWORK_DIRS)


# ----------------------------------------------------------------------------------------------------------------
# Source positions: the ast.Call that ends where the CALL instruction ends

_AST_CACHE = {}


def calls_by_end(path):
    if path not in _AST_CACHE:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        tree = ast.parse(text)
        by_end = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                by_end.setdefault((node.end_lineno, node.end_col_offset), []).append(node)
        _AST_CACHE[path] = (text.splitlines(), by_end)
    return _AST_CACHE[path]


def call_site(abspath, pos, f_lineno):
    """(line, column in code points, callee text) of the call expression that executed, or a fallback."""
    lines, by_end = calls_by_end(abspath)
    node = None
    if pos is not None and pos[1] is not None and pos[3] is not None:
        cands = by_end.get((pos[1], pos[3]), [])
        if cands:
            node = max(cands, key=lambda n: (n.lineno, n.col_offset))
    if node is None:
        return f_lineno, None, None
    line_bytes = lines[node.lineno - 1].encode("utf-8")
    col = len(line_bytes[: node.col_offset].decode("utf-8", "replace"))
    callee = ast.unparse(node.func)
    return node.lineno, col, callee if len(callee) <= 80 else callee[:77] + "..."


# ----------------------------------------------------------------------------------------------------------------
# PyTorch: what a module is

TORCH_KIND = {}
for _n in ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"]:
    TORCH_KIND[_n] = "batch_norm"
for _n in ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]:
    TORCH_KIND[_n] = "instance_norm"
TORCH_KIND.update({"LayerNorm": "layer_norm", "GroupNorm": "group_norm", "RMSNorm": "rms_norm",
                   "LocalResponseNorm": "local_response_norm", "CrossMapLRN2d": "local_response_norm"})
TORCH_NORM_CLASSES = {getattr(nn, n): n for n in TORCH_KIND if hasattr(nn, n)}


def torch_norm_class(obj):
    for c in type(obj).__mro__:
        if c in TORCH_NORM_CLASSES:
            return c
    return None


def _fit_affine(n, y, axis):
    """max residual of y ≈ a[c] * n + b[c] per channel c along `axis`, relative to y's scale; and |a|."""
    nm = n.movedim(axis, -1).reshape(-1, n.shape[axis]).double()
    ym = y.movedim(axis, -1).reshape(-1, y.shape[axis]).double()
    mn, my = nm.mean(0), ym.mean(0)
    dn, dy = nm - mn, ym - my
    var = (dn * dn).mean(0)
    if bool((var < 1e-12).any()):
        return float("inf"), 0.0
    a = (dn * dy).mean(0) / var
    b = my - a * mn
    res = (ym - (a * nm + b)).abs().max().item()
    scale = max(ym.abs().max().item(), 1e-6)
    return res / scale, a.abs().min().item()


def _probe_inputs(c):
    g = torch.Generator().manual_seed(0)
    def rows(shape, row_dims):
        x = torch.randn(*shape, generator=g)
        s = torch.empty(*shape[:row_dims], *([1] * (len(shape) - row_dims))).uniform_(0.5, 4.0, generator=g)
        m = torch.randn(*shape[:row_dims], *([1] * (len(shape) - row_dims)), generator=g) * 3
        return x * s + m
    return {
        "last3": rows((3, 5, c), 2),       # (batch, seq, dim): rows differ in mean and scale
        "last4": rows((2, 3, 4, c), 3),    # channels-last image
    }


def _first4_rows(c):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, c, 3, 4, generator=g)
    s = torch.empty(2, 1, 3, 4).uniform_(0.5, 4.0, generator=g)
    m = torch.randn(2, 1, 3, 4, generator=g) * 3
    return x * s + m  # each (n, h, w) position has its own mean and scale across channels


def _candidate_channels(mod):
    cs = []
    for _, t in list(mod.named_parameters()) + list(mod.named_buffers()):
        # a per-channel tensor: (C,), or (C, 1, 1) / (1, C, 1, 1) as channels-first modules keep gamma
        big = [d for d in (t.shape if t is not None else ()) if d > 1]
        if len(big) == 1:
            cs.append(big[0])
    for attr in ("normalized_shape", "num_features", "num_channels", "hidden_size", "dim", "d_model", "channels"):
        v = getattr(mod, attr, None)
        if isinstance(v, int) and v > 1:
            cs.append(v)
        elif isinstance(v, (tuple, list)) and len(v) == 1 and isinstance(v[0], int):
            cs.append(v[0])
    cs.append(32)
    out = []
    for c in cs:
        if c not in out and c <= 8192:
            out.append(c)
    return out[:3]


def _eps_of(mod):
    for attr in ("eps", "variance_epsilon", "epsilon", "layer_norm_eps", "rms_norm_eps"):
        v = getattr(mod, attr, None)
        if isinstance(v, (float, int)) and not isinstance(v, bool):
            return float(v)
    return 1e-5


def _rms_or_l2(m, kind, n, y, axis, c):
    """x / ||x|| equals x * rsqrt(mean(x²)) / sqrt(C): an L2 normalization (F.normalize) fits RMS normalization
    with a gain 1/sqrt(C) that no weight of the module explains. Tell them apart by that gain."""
    if kind != "rms_norm":
        return kind
    nm = n.movedim(axis, -1).reshape(-1, c).double()
    ym = y.movedim(axis, -1).reshape(-1, c).double()
    a = (nm * ym).sum(0) / (nm * nm).sum(0)
    gains = [torch.ones(c, dtype=torch.float64)]
    for _, p in m.named_parameters(recurse=False):
        if p.dim() == 1 and p.numel() == c:
            gains += [p.detach().double(), 1 + p.detach().double()]
    close = lambda u, v: bool(((u - v).abs() <= 1e-3 * v.abs().clamp(min=1e-3)).all())
    if any(close(a, g) for g in gains):
        return "rms_norm"
    if any(close(a * (c ** 0.5), g) for g in gains):
        return "lp_normalize"
    return "rms_norm"


def numeric_kind(mod):
    """What a leaf module computes, tested numerically: ('rms_norm'|'layer_norm'|'group_norm'|'batch_norm', dims) or None."""
    try:
        m = copy.deepcopy(mod)
    except Exception:
        return None
    try:
        with torch.no_grad():
            for name, p in list(m.named_parameters()) + list(m.named_buffers()):
                if p is None or not p.is_floating_point():
                    continue
                if p.is_meta:
                    return None
                if "var" in name:
                    p.uniform_(0.5, 2.0)
                elif "bias" in name or "mean" in name or "shift" in name or "beta" in name:
                    p.normal_(0, 0.5)
                else:
                    p.uniform_(0.5, 1.5)
        m.eval()
        # parameter-free children (activation, dropout) are taken out: a norm with a fused activation (timm's
        # RmsNormAct2d, like BatchNormAct2d) is a norm; a composite with a conv or linear inside stays none
        for name, ch in list(m.named_children()):
            if not any(True for _ in ch.parameters()) and not any(True for _ in ch.buffers()):
                setattr(m, name, nn.Identity())
    except Exception:
        return None
    eps = _eps_of(m)
    tol = 2e-4
    affine = False
    for c in _candidate_channels(m):
        ins = _probe_inputs(c)
        ins["first4"] = _first4_rows(c)
        for key, x in ins.items():
            y = _run(m, x)
            if y is None:
                continue
            if key.startswith("last"):
                ax = -1
                ms = (x * x).mean(-1, keepdim=True)
                rms = x * torch.rsqrt(ms + eps)
                mu = x.mean(-1, keepdim=True)
                ln = (x - mu) * torch.rsqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)
                for kind, n in (("rms_norm", rms), ("layer_norm", ln)):
                    r, amin = _fit_affine(n, y, ax)
                    if r < tol and amin > 1e-3:
                        return _rms_or_l2(m, kind, n, y, ax, c), "last"
            else:
                # over the channel dim 1 of (N, C, H, W)
                ms = (x * x).mean(1, keepdim=True)
                rms = x * torch.rsqrt(ms + eps)
                mu = x.mean(1, keepdim=True)
                ln = (x - mu) * torch.rsqrt(((x - mu) ** 2).mean(1, keepdim=True) + eps)
                for kind, n in (("rms_norm", rms), ("layer_norm", ln)):
                    r, amin = _fit_affine(n, y, 1)
                    if r < tol and amin > 1e-3:
                        return _rms_or_l2(m, kind, n, y, 1, c), "channels_first"
                # group norm: statistics over (C/G, H, W) of each sample
                groups = [getattr(m, "num_groups", None), getattr(m, "groups", None), 1, 2, 4, 8, 16, 32]
                for gcount in [g for g in groups if isinstance(g, int) and g >= 1 and c % g == 0]:
                    xr = x.reshape(x.shape[0], gcount, -1)
                    mu = xr.mean(-1, keepdim=True)
                    var = ((xr - mu) ** 2).mean(-1, keepdim=True)
                    n = ((xr - mu) * torch.rsqrt(var + eps)).reshape(x.shape)
                    r, amin = _fit_affine(n, y, 1)
                    if r < tol and amin > 1e-3:
                        return ("instance_norm" if gcount == c else "group_norm"), f"groups={gcount}"
                # inference-mode batch norm with the module's own running statistics
                rm, rv = getattr(m, "running_mean", None), getattr(m, "running_var", None)
                if isinstance(rm, torch.Tensor) and isinstance(rv, torch.Tensor) and rm.shape == (c,) and rv.shape == (c,):
                    n = (x - rm.view(1, -1, 1, 1)) * torch.rsqrt(rv.view(1, -1, 1, 1) + eps)
                    r, amin = _fit_affine(n, y, 1)
                    if r < tol and amin > 1e-3:
                        return "batch_norm", "running_stats"
            # not a norm; a per-channel affine map of x itself (LayerScale, NoNorm, Identity) is clearly none
            r, _ = _fit_affine(x, y, -1 if key.startswith("last") else 1)
            if r < tol:
                affine = True
    return "affine" if affine else None


def _run(m, x):
    """m(x) as a float tensor of x's shape, or None. A second tensor argument is tried when one is required:
    gated norms (`RMSNormGated(x, gate)`) get a constant gate of 20, where SiLU/sigmoid gates are constant too, so
    the output is the norm times a constant that the affine fit absorbs. Of a tuple output of a one-argument call the
    first item counts (I-BERT's IntLayerNorm returns (x, scaling_factor)); two-argument modules that return tuples
    are scalers of data (PatchTST's (scaled, loc, scale)), not layers."""
    for extra in ((), (torch.full_like(x, 20.0),)):
        try:
            with torch.no_grad():
                y = m(x.clone(), *extra)  # clone: some modules scale in place (x.mul_(gamma))
        except TypeError:
            continue
        except Exception:
            return None
        if isinstance(y, (tuple, list)) and y and not extra:
            y = y[0]
        if not isinstance(y, torch.Tensor) or y.shape != x.shape or not y.is_floating_point():
            return None
        return y.float()
    return None


KIND_TO_TORCH = {"lp_normalize": "functional.normalize", "rms_norm": "RMSNorm", "layer_norm": "LayerNorm", "group_norm": "GroupNorm",
                 "instance_norm": "InstanceNorm2d", "batch_norm": "BatchNorm2d"}

LOOKS_LIKE_NORM = ("norm", "layerscale", "layer_scale")


def looks_like_norm(*names):
    return any(n and any(k in n.lower().replace("_", "") or k in n.lower() for k in LOOKS_LIKE_NORM) for n in names)


# ----------------------------------------------------------------------------------------------------------------
# Collecting

class Sites:
    def __init__(self):
        self.files = {}  # lib -> rel -> {"sites": set, "nonNorms": set}
        self.models = {}  # lib -> [names]
        self.failed = {}  # lib -> {name: error}
        self.skipped = {}
        self.outside = {}  # lib -> count of norms built by framework code outside the libraries
        self.class_defs = {}

    def add(self, lib, rel, key, entry):
        f = self.files.setdefault(lib, {}).setdefault(rel, {"sites": {}, "nonNorms": {}, "unclassified": {}})
        f[key][tuple(sorted(entry.items(), key=lambda kv: kv[0]))] = entry


def classify_torch(obj, memo):
    """(class, kind, definedBy) for a norm, ('nonnorm', qualified class name) otherwise."""
    base = torch_norm_class(obj)
    if base is not None:
        name = TORCH_NORM_CLASSES[base]
        return ("norm", f"torch.nn.{name}", TORCH_KIND[name], None if type(obj) is base else type(obj).__qualname__, "subclass")
    t = type(obj)
    q = f"{t.__module__}.{t.__qualname__}"
    if t.__module__.startswith("torch."):
        return ("nonnorm", q, True)
    children = list(obj.children())
    # leaf modules, and composites named like a norm (I-BERT's IntLayerNorm holds a QuantAct), are run
    if not children or looks_like_norm(t.__name__):
        key = (t, tuple((n, tuple(p.shape)) for n, p in obj.named_parameters()),
               tuple(sorted((k, v) for k, v in vars(obj).items() if isinstance(v, (int, float, str, bool, tuple)) and not k.startswith("_"))))
        if key not in memo:
            memo[key] = numeric_kind(obj)
        nk = memo[key]
        if isinstance(nk, tuple):
            kind, how = nk
            return ("norm", f"torch.nn.{KIND_TO_TORCH[kind]}", kind, t.__qualname__, "computes")
        # clearly not a norm: a per-channel affine map of its input (LayerScale, NoNorm); otherwise it may
        # normalize some other way (EvoNorm, FilterResponseNorm, grouped or cumulative norms): unclassified
        if not children:
            # an affine map with statistics in buffers (a fixed mean/variance standardizer) is left unclassified
            stats = any(b is not None and b.is_floating_point() for b in obj.buffers())
            return ("nonnorm", q, nk == "affine" and not stats)
    # a composite (ConvNormAct, a classifier head) is not a norm; a wrapper around a single norm (transposing
    # for BatchNorm1d) is left unclassified
    only_norm = len(children) == 1 and classify_torch(children[0], memo)[0] == "norm"
    return ("nonnorm", q, not only_norm)


def process_events(recorder, sites, classify):
    memo = {}
    for obj, lib, rel, pos, f_lineno in recorder.events:
        if lib is None:
            r = classify(obj, memo)
            if r[0] == "norm":
                d = sites.outside.setdefault(_CURRENT_LIB[0], {})
                where = _short_path(rel) + ":" + str(f_lineno)
                d[where] = d.get(where, 0) + 1
            continue
        r = classify(obj, memo)
        abspath = os.path.join(os.path.dirname(recorder.roots[lib].rstrip(os.sep)), rel)
        line, col, callee = call_site(abspath, pos, f_lineno)
        if r[0] == "norm":
            _, cls, kind, defined_by, how = r
            sites.add(lib, rel, "sites", {"line": line, "column": col, "class": cls, "kind": kind,
                                          "definedBy": defined_by, "definedHow": how if defined_by else None,
                                          "callee": callee})
        else:
            built = r[1]
            short = built.rsplit(".", 1)[-1]
            # keras.layers.Normalization (preprocessing: standardizes with statistics from adapt()) normalizes, but
            # is no normalization layer in NormLens's sense: unclassified, like modules that may normalize otherwise.
            clear = r[2] and built != "keras.src.layers.preprocessing.normalization.Normalization"
            if looks_like_norm(callee, short):
                sites.add(lib, rel, "nonNorms" if clear else "unclassified", {"line": line, "column": col, "built": built, "callee": callee})
    recorder.events.clear()


_CURRENT_LIB = [None]


def _short_path(p):
    """A framework file's path from its package dir on (torch/nn/modules/transformer.py), never the machine's."""
    parts = p.replace(os.sep, "/").split("/")
    for i, x in enumerate(parts):
        if x in ("site-packages", "dist-packages"):
            return "/".join(parts[i + 1:])
    return parts[-1]


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("construction took longer than the limit")


def construct(lib, name, fn, recorder, sites, classify, limit=120):
    _CURRENT_LIB[0] = lib
    recorder.events.clear()
    recorder.active = True
    random_fills(False)
    t0 = time.time()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        model = fn()
    except BaseException as e:  # noqa: BLE001 -- a model that does not build is reported, not fatal
        signal.alarm(0)
        recorder.active = False
        random_fills(True)
        recorder.events.clear()
        if isinstance(e, KeyboardInterrupt):
            raise
        msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
        sites.failed.setdefault(lib, {})[name] = msg
        log(f"  {lib} {name}: FAILED {msg}")
        return False
    signal.alarm(0)
    recorder.active = False
    random_fills(True)
    n = len(recorder.events)
    process_events(recorder, sites, classify)
    sites.models.setdefault(lib, []).append(name)
    log(f"  {lib} {name}: {n} objects, {time.time() - t0:.1f}s")
    del model
    return True


# ----------------------------------------------------------------------------------------------------------------
# Hooks

def no_init():
    """Parameter initialization is irrelevant to which layers are built and dominates construction time."""
    import torch.nn.init as init
    def keep(t, *a, **k):
        return t
    originals = set()
    for n in dir(init):
        if n.endswith("_") and not n.startswith("_") and callable(getattr(init, n)):
            originals.add(getattr(init, n))
            setattr(init, n, keep)
    try:
        import timm.layers.weight_init as wi
        originals.update(getattr(wi, n) for n in ("trunc_normal_", "trunc_normal_tf_", "variance_scaling_", "lecun_normal_") if hasattr(wi, n))
    except ImportError:
        pass
    # the libraries import these functions by name (`from timm.layers import trunc_normal_`): replace every copy
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(("timm", "torchvision", "transformers")):
            continue
        for attr, v in list(vars(mod).items()):
            if callable(v) and v in originals:
                setattr(mod, attr, keep)



_RANDOM_FILLS = {n: getattr(torch.Tensor, n) for n in ("normal_", "uniform_", "erfinv_", "exponential_", "log_normal_", "cauchy_", "geometric_", "random_")}


def random_fills(on):
    """Random in-place fills of tensors (what every init scheme ends in) switched off while models are built:
    which layers get built does not depend on them, and on big models they dominate construction time."""
    for n, f in _RANDOM_FILLS.items():
        setattr(torch.Tensor, n, f if on else (lambda self, *a, **k: self))


def hook_torch(recorder):
    orig = nn.Module.__init__

    def __init__(self, *a, **k):
        orig(self, *a, **k)
        recorder.record(self, sys._getframe(0))
    nn.Module.__init__ = __init__


# ----------------------------------------------------------------------------------------------------------------
# Libraries

def run_torchvision(recorder, sites, args):
    import torchvision.models as tvm
    names = tvm.list_models()
    # The largest variants share their code with smaller ones of the same family; they only cost time.
    skip = {"vit_h_14", "regnet_y_128gf", "regnet_y_32gf", "regnet_x_32gf", "regnet_y_16gf", "regnet_x_16gf"}
    for name in sorted(names):
        if name in skip:
            continue
        kwargs = {"weights": None}
        if name in ("inception_v3", "googlenet"):
            kwargs["init_weights"] = False
        if "quantized" in name:
            kwargs["quantize"] = False
        if tvm.get_model_builder(name).__module__.split(".")[2] in ("detection", "segmentation"):
            kwargs["weights_backbone"] = None  # the default downloads backbone weights
        def build(name=name, kwargs=kwargs):
            m = tvm.get_model(name, **kwargs)
            return m
        construct("torchvision", name, build, recorder, sites, classify_torch)
    # variants reached only by arguments
    import torchvision.models.detection as det
    from torchvision.ops.misc import FrozenBatchNorm2d
    extra = {
        "resnet50(norm_layer=FrozenBatchNorm2d)": lambda: tvm.resnet50(weights=None, norm_layer=FrozenBatchNorm2d),
        "resnet18(norm_layer=partial(GroupNorm, 32))": lambda: tvm.resnet18(weights=None, norm_layer=functools.partial(nn.GroupNorm, 32)),
        "fasterrcnn_resnet50_fpn(weights_backbone=None)": lambda: det.fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None),
    }
    for n, fn in extra.items():
        construct("torchvision", n, fn, recorder, sites, classify_torch)


BIG = ("giant", "huge", "gigantic", "enormous", "xxlarge", "xlarge", "large", "_1b", "_2b", "_3b", "_5b", "_6b",
       "_7b", "bigg", "_g_", "_h_", "_e_", "_l_", "448", "512", "_b7", "_b8", "l2_", "_xl", "_xxl")


def run_timm(recorder, sites, args):
    import timm
    from timm.models import _registry
    names = [n for n in timm.list_models() if not any(b in n for b in BIG)]
    # Round-robin over timm's model files (one architecture of each file first, then the next...), so that a
    # time budget still touches every file; variants of a file reach other branches (norm_layer choices).
    by_file = {}
    for n in names:
        by_file.setdefault(_registry._model_to_module.get(n, "?"), []).append(n)
    order = []
    for i in range(max(len(v) for v in by_file.values())):
        order += [v[i] for v in by_file.values() if i < len(v)]
    order = order[args.timm_start:]
    if args.timm_limit:
        order = order[: args.timm_limit]
    t0 = time.time()
    for name in order:
        if args.timm_budget and time.time() - t0 > args.timm_budget:
            log(f"  timm: time budget of {args.timm_budget}s reached; {len(order)} candidates, stopped at {name}")
            sites.skipped["timm"] = f"time budget {args.timm_budget}s reached after {len(sites.models.get('timm', []))} models (round-robin over model files)"
            break
        def build(name=name):
            return timm.create_model(name, pretrained=False)
        construct("timm", name, build, recorder, sites, classify_torch, limit=60)


LAYER_COUNTS = ("num_hidden_layers", "n_layer", "n_layers", "num_layers", "encoder_layers", "decoder_layers",
                "num_decoder_layers", "num_encoder_layers")


def tiny_config(cfg, depth=0, widths=True):
    """Shrinks the sizes of a transformers config (and its sub-configs) so that models build in well under a second.
    widths=False shrinks only the layer counts (for configs whose checks the generic widths break)."""
    small = {
        "hidden_size": 64, "d_model": 64, "n_embd": 64, "dim": 64, "embed_dim": 64, "d_embed": 64, "n_embed": 64,
        "num_hidden_layers": 2, "n_layer": 2, "n_layers": 2, "num_layers": 2, "encoder_layers": 2,
        "decoder_layers": 2, "num_decoder_layers": 2, "num_encoder_layers": 2,
        "num_attention_heads": 4, "n_head": 4, "n_heads": 4, "encoder_attention_heads": 4,
        "decoder_attention_heads": 4, "num_key_value_heads": 2,
        "intermediate_size": 128, "n_inner": 128, "d_ff": 128, "ffn_dim": 128, "encoder_ffn_dim": 128,
        "decoder_ffn_dim": 128, "moe_intermediate_size": 32, "shared_expert_intermediate_size": 32,
        "num_experts": 4, "num_local_experts": 4, "n_routed_experts": 4, "num_experts_per_tok": 2,
        "head_dim": 16, "d_kv": 16, "kv_lora_rank": 16, "q_lora_rank": 16,
        "qk_rope_head_dim": 8, "qk_nope_head_dim": 8, "v_head_dim": 16,
    }
    for k, v in small.items():
        if not widths and k not in LAYER_COUNTS:
            continue
        cur = getattr(cfg, k, None)
        if isinstance(cur, int) and not isinstance(cur, bool) and cur > v:
            try:
                setattr(cfg, k, v)
            except Exception:
                pass
    if depth < 2:
        for k in list(vars(cfg)):
            sub = getattr(cfg, k, None)
            if sub is not None and hasattr(sub, "to_dict") and type(sub).__name__.endswith("Config") and sub is not cfg:
                tiny_config(sub, depth + 1, widths)
    return cfg


def run_transformers(recorder, sites, args):
    import transformers
    from transformers import AutoConfig, AutoModel
    from transformers.models.auto import modeling_auto as ma
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING
    types_ = list(CONFIG_MAPPING.keys())
    if args.transformers_only:
        types_ = [t for t in types_ if t in args.transformers_only.split(",")]
    if args.transformers_limit:
        types_ = types_[: args.transformers_limit]
    mappings = [getattr(ma, n) for n in ("MODEL_MAPPING_NAMES", "MODEL_FOR_PRETRAINING_MAPPING_NAMES",
                                         "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
                                         "MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES") if hasattr(ma, n)]
    for mt in types_:
        classes = []
        for mp in mappings:
            v = mp.get(mt)
            if isinstance(v, (list, tuple)):
                v = v[0] if v else None
            if v and v not in classes:
                classes.append(v)
        if not classes:
            continue
        try:
            cfg = tiny_config(CONFIG_MAPPING[mt]())
            cfg_layers = tiny_config(CONFIG_MAPPING[mt](), widths=False)
        except Exception as e:
            sites.failed.setdefault("transformers", {})[mt] = f"config: {type(e).__name__}: {str(e)[:150]}"
            continue
        for cname in classes:
            cls = getattr(transformers, cname, None)
            if cls is None:
                continue
            def build(cls=cls, cfg=cfg):
                return cls._from_config(copy.deepcopy(cfg)) if hasattr(cls, "_from_config") else cls(copy.deepcopy(cfg))
            name = f"{mt}:{cname}"
            if not construct("transformers", name, build, recorder, sites, classify_torch, limit=60):
                # the generic shrinking broke the config: the default widths, with few layers
                if construct("transformers", name + " (default widths)", lambda cls=cls: build(cls, cfg_layers),
                             recorder, sites, classify_torch, limit=90):
                    del sites.failed["transformers"][name]


def run_keras(recorder, sites, args):
    import keras
    from keras.src.layers.layer import Layer
    norms = {keras.layers.BatchNormalization: "batch_norm", keras.layers.LayerNormalization: "layer_norm",
             keras.layers.GroupNormalization: "group_norm", keras.layers.UnitNormalization: "unit_norm"}
    if hasattr(keras.layers, "RMSNormalization"):
        norms[keras.layers.RMSNormalization] = "rms_norm"
    orig = Layer.__init__

    def __init__(self, *a, **k):
        orig(self, *a, **k)
        recorder.record(self, sys._getframe(0))
    Layer.__init__ = __init__

    def classify(obj, memo):
        for c in type(obj).__mro__:
            if c in norms:
                return ("norm", f"keras.layers.{c.__name__}", norms[c], None if type(obj) is c else type(obj).__qualname__, "subclass")
        t = type(obj)
        return ("nonnorm", f"{t.__module__}.{t.__qualname__}", True)

    apps = keras.applications
    shape = {"InceptionV3": (75, 75, 3), "InceptionResNetV2": (75, 75, 3), "Xception": (71, 71, 3),
             "NASNetMobile": (224, 224, 3), "NASNetLarge": (331, 331, 3)}
    names = sorted(n for n in dir(apps) if n[0].isupper() and callable(getattr(apps, n)))
    # Keras builds a functional model layer by layer with shape inference: 1-3 minutes per application on a
    # busy machine. Variants of one file (ResNet50/101/152, EfficientNetB0..B7) run the same lines, so by default
    # one or two per application file are built; --keras-all builds every one.
    default = ["ConvNeXtTiny", "DenseNet121", "EfficientNetB0", "EfficientNetV2B0", "EfficientNetV2S",
               "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
               "NASNetMobile", "ResNet50", "ResNet50V2", "Xception", "VGG16"]
    if not args.keras_all:
        names = [n for n in names if n in default]
    skip = {"NASNetLarge", "EfficientNetV2L", "ConvNeXtXLarge", "ConvNeXtLarge", "ResNet152", "ResNet152V2",
            "EfficientNetB7", "EfficientNetB6", "VGG19", "RegNetY320", "RegNetX320"}
    if args.keras_only:
        names = [n for n in names if n in args.keras_only.split(",")]
    for n in names:
        if n in skip:
            continue
        fn = getattr(apps, n)
        kw = {"weights": None, "input_shape": shape.get(n, (64, 64, 3)), "include_top": True}
        if n.startswith("NASNet"):
            kw["input_shape"] = shape[n]
        construct("keras", n, lambda fn=fn, kw=kw: fn(**kw), recorder, sites, classify, limit=180)
    Layer.__init__ = orig


def run_flax(recorder, sites, args):
    import jax
    import jax.numpy as jnp
    from flax import nnx
    import flax.linen as fnn
    nnx_norms = {nnx.BatchNorm: "batch_norm", nnx.LayerNorm: "layer_norm", nnx.RMSNorm: "rms_norm",
                 nnx.GroupNorm: "group_norm"}
    if hasattr(nnx, "InstanceNorm"):
        nnx_norms[nnx.InstanceNorm] = "instance_norm"
    linen_norms = {fnn.BatchNorm: "batch_norm", fnn.LayerNorm: "layer_norm", fnn.RMSNorm: "rms_norm",
                   fnn.GroupNorm: "group_norm"}
    if hasattr(fnn, "InstanceNorm"):
        linen_norms[fnn.InstanceNorm] = "instance_norm"
    restore = []
    for cls in nnx_norms:
        o = cls.__init__

        def __init__(self, *a, _o=o, **k):
            _o(self, *a, **k)
            recorder.record(self, sys._getframe(0))
        cls.__init__ = __init__
        restore.append((cls, "__init__", o))
    o_post = fnn.Module.__post_init__

    def __post_init__(self, *a, **k):
        o_post(self, *a, **k)
        recorder.record(self, sys._getframe(0))
    fnn.Module.__post_init__ = __post_init__
    restore.append((fnn.Module, "__post_init__", o_post))

    def classify(obj, memo):
        for table, prefix in ((nnx_norms, "flax.nnx"), (linen_norms, "flax.linen")):
            for c in type(obj).__mro__:
                if c in table:
                    return ("norm", f"{prefix}.{c.__name__}", table[c], None if type(obj) is c else type(obj).__qualname__, "subclass")
        t = type(obj)
        return ("nonnorm", f"{t.__module__}.{t.__qualname__}", True)

    def nnx_mha():
        return nnx.MultiHeadAttention(num_heads=2, in_features=8, qkv_features=8, decode=False,
                                      normalize_qk=True, rngs=nnx.Rngs(0))

    def linen_mha():
        m = fnn.MultiHeadDotProductAttention(num_heads=2, qkv_features=8, normalize_qk=True)
        x = jnp.ones((1, 3, 8))
        return m.init(jax.random.PRNGKey(0), x, x)

    construct("flax", "nnx.MultiHeadAttention(normalize_qk=True)", nnx_mha, recorder, sites, classify)
    construct("flax", "linen.MultiHeadDotProductAttention(normalize_qk=True).init", linen_mha, recorder, sites, classify)
    for cls, attr, o in restore:
        setattr(cls, attr, o)


# ----------------------------------------------------------------------------------------------------------------

def dump(out):
    """JSON with one site per line: small enough to commit, and diffs of a regeneration stay readable."""
    libs = out.pop("libraries")
    head = json.dumps(out, ensure_ascii=False, indent=1)[:-2]
    parts = [head + ',\n "libraries": {']
    for i, (lib, l) in enumerate(libs.items()):
        meta = {k: v for k, v in l.items() if k != "files"}
        parts.append(("," if i else "") + f"\n  {json.dumps(lib)}: " + json.dumps(meta, ensure_ascii=False)[:-1] + ', "files": {')
        for j, (rel, f) in enumerate(l["files"].items()):
            rows = lambda xs: "[\n" + ",\n".join("     " + json.dumps(x, ensure_ascii=False) for x in xs) + "\n    ]" if xs else "[]"
            parts.append(("," if j else "") + f"\n   {json.dumps(rel)}: {{\n    \"sites\": {rows(f['sites'])},\n    \"nonNorms\": {rows(f['nonNorms'])},\n    \"unclassified\": {rows(f.get('unclassified', []))}}}")
        parts.append("\n  }}")
    parts.append("\n }\n}\n")
    text = "".join(parts)
    json.loads(text)
    out["libraries"] = libs
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="write the JSON here (default: stdout)")
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--timm-limit", type=int, default=0, help="construct at most N timm models (0: all)")
    ap.add_argument("--timm-start", type=int, default=0, help="skip the first N timm models of the round-robin order")
    ap.add_argument("--timm-budget", type=int, default=0, help="stop starting timm models after N seconds (0: no limit)")
    ap.add_argument("--transformers-limit", type=int, default=0, help="at most N transformers model types (0: all)")
    ap.add_argument("--transformers-only", default="", help="comma-separated model types (e.g. llama,t5)")
    ap.add_argument("--keras-only", default="", help="comma-separated keras.applications names (e.g. ResNet50)")
    ap.add_argument("--keras-all", action="store_true", help="every keras.applications model (slow)")
    ap.add_argument("--merge", help="an earlier output whose libraries not in --libs are kept")
    ap.add_argument("--combine", nargs="+", metavar="JSON",
                    help="only combine earlier outputs (e.g. of runs in parallel, one per library) into --out")
    args = ap.parse_args()
    libs = [x for x in args.libs.split(",") if x]
    if args.combine:
        out = None
        for path in args.combine:
            with open(path, encoding="utf-8") as fh:
                d = json.load(fh)
            if out is None:
                out = d
                continue
            for lib, l in d["libraries"].items():
                o = out["libraries"].get(lib)
                if o is None:
                    out["libraries"][lib] = l
                    continue
                # two runs of one library (e.g. timm in two slices): union of models and sites
                assert o["version"] == l["version"], f"{lib}: {o['version']} vs {l['version']}"
                o["models"] = sorted(set(o["models"]) | set(l["models"]))
                o["failed"] = dict(sorted({**o["failed"], **l["failed"]}.items()))
                o["stopped"] = l.get("stopped")
                for k, v in l.get("normsBuiltOutsideLibrary", {}).items():
                    o["normsBuiltOutsideLibrary"][k] = o["normsBuiltOutsideLibrary"].get(k, 0) + v
                for rel, f in l["files"].items():
                    g = o["files"].setdefault(rel, {"sites": [], "nonNorms": [], "unclassified": []})
                    for k in ("sites", "nonNorms", "unclassified"):
                        seen = {json.dumps(x, sort_keys=True) for x in g.get(k, [])}
                        g[k] = g.get(k, []) + [x for x in f.get(k, []) if json.dumps(x, sort_keys=True) not in seen]
                        g[k].sort(key=lambda e: (e["line"], e["column"] if e["column"] is not None else -1, e.get("class", ""), e.get("built", ""), e.get("definedBy") or "", e.get("callee") or ""))
                o["files"] = dict(sorted(o["files"].items()))
        out["libraries"] = {k: out["libraries"][k] for k in LIBS if k in out["libraries"]}
        text = dump(out)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return

    import importlib
    import importlib.metadata as md
    roots, versions = {}, {}
    for lib in LIBS:
        mod = importlib.import_module(lib)
        roots[lib] = os.path.dirname(mod.__file__)
        versions[lib] = md.version(lib)
    # keras's own layer machinery (keras/src/ops, backend, tracking) wraps __init__; keras/src/layers and
    # keras/src/applications are library code whose lines we want.
    kroot = os.path.realpath(roots["keras"]) + os.sep
    for sub in ("src/backend", "src/ops", "src/utils", "src/saving", "src/models", "src/trainers", "src/export", "src/dtype_policies"):
        _FRAMEWORK_DIRS.append(kroot + sub + os.sep)
    froot = os.path.realpath(roots["flax"]) + os.sep
    for sub in ("core", "nnx/object.py", "nnx/pytreelib.py", "nnx/graph.py", "nnx/graphlib.py", "linen/module.py", "linen/kw_only_dataclasses.py"):
        _FRAMEWORK_DIRS.append(froot + sub + ("" if sub.endswith(".py") else os.sep))

    import timm, torchvision.models, transformers  # noqa: E401,F401 -- loaded before no_init() patches them
    import timm.models, timm.layers  # noqa: E401,F401
    recorder = Recorder(roots)
    sites = Sites()
    no_init()
    hook_torch(recorder)
    torch.manual_seed(0)
    runners = {"torchvision": run_torchvision, "timm": run_timm, "transformers": run_transformers,
               "keras": run_keras, "flax": run_flax}
    for lib in libs:
        log(f"== {lib} {versions[lib]}")
        t0 = time.time()
        try:
            runners[lib](recorder, sites, args)
        except Exception:
            log(traceback.format_exc())
            raise
        log(f"== {lib}: {len(sites.models.get(lib, []))} models in {time.time() - t0:.0f}s")

    out = {"generator": "scripts/corpus/gen_creation_sites.py", "python": sys.version.split()[0],
           "torch": torch.__version__, "lineConvention": "line: 1-based line where the call expression starts; column: 0-based, code points",
           "libraries": {}}
    if args.merge and os.path.exists(args.merge):
        with open(args.merge, encoding="utf-8") as fh:
            old = json.load(fh)
        for lib, v in old.get("libraries", {}).items():
            if lib not in libs:
                out["libraries"][lib] = v
    for lib in libs:
        files = {}
        for rel in sorted(sites.files.get(lib, {})):
            f = sites.files[lib][rel]
            key = lambda e: (e["line"], e["column"] if e["column"] is not None else -1, e.get("class", ""), e.get("built", ""), e.get("definedBy") or "", e.get("callee") or "")
            files[rel] = {k: sorted(f[k].values(), key=key) for k in ("sites", "nonNorms", "unclassified")}
        out["libraries"][lib] = {
            "version": versions[lib],
            "models": sorted(sites.models.get(lib, [])),
            "failed": dict(sorted(sites.failed.get(lib, {}).items())),
            "stopped": sites.skipped.get(lib),
            "normsBuiltOutsideLibrary": dict(sorted(sites.outside.get(lib, {}).items())),
            "files": files,
        }
    text = dump(out)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    for lib in libs:
        fl = out["libraries"][lib]["files"]
        n = sum(len(v["sites"]) for v in fl.values())
        c = sum(1 for v in fl.values() for s in v["sites"] if s["definedBy"])
        nn_ = sum(len(v["nonNorms"]) for v in fl.values())
        log(f"{lib}: {len(fl)} files, {n} sites ({c} via user classes), {nn_} non-norm look-alikes, "
            f"{len(out['libraries'][lib]['models'])} models, {len(out['libraries'][lib]['failed'])} failed")


if __name__ == "__main__":
    main()
