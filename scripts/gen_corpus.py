#!/usr/bin/env python3
"""Generate the recognizer's test corpora: varied, seeded, valid Python 3.12 programs.

Usage: gen_corpus.py OUTDIR [--seed N] [--files K] [--lines L]
Each file mixes models written for one framework (PyTorch, Keras, tf.keras, Flax linen/nnx,
Haiku, MLX, Paddle, JAX) with the lexical traps the scanner must get right: comments and
strings that contain `BatchNorm2d(`, f-strings with calls and nested format specs, calls split
over lines (also between the module and the class name), backslash continuations, decorators,
lambdas, walrus, comprehensions, semicolons and non-ASCII identifiers. Every file is checked
with ast.parse before it is written.
"""
import ast
import os
import random
import sys

FRAMEWORKS = {
    "torch": (
        ["import torch", "import torch.nn as nn", "import torch.nn.functional as F",
         "from torch.nn import LayerNorm, BatchNorm2d as BN2d", "from torch import nn as tnn"],
        ["nn.BatchNorm1d({c})", "nn.BatchNorm2d({c}, eps={eps})", "nn.BatchNorm3d({c}, momentum={mom})",
         "nn.LayerNorm({c})", "nn.LayerNorm(({c},), elementwise_affine=False)", "nn.GroupNorm({g}, {c})",
         "nn.InstanceNorm2d({c}, affine=True)", "nn.SyncBatchNorm({c})", "nn.RMSNorm([{c}], eps=None)",
         "nn.LazyBatchNorm2d()", "nn.LocalResponseNorm(5)", "tnn.BatchNorm2d({c})", "BN2d({c})",
         "LayerNorm([{c}, 4, 4])", "torch.nn.BatchNorm2d(num_features={c}, affine=False)",
         "nn.Conv2d({c}, {c2}, 3, padding=1, bias=False)", "nn.Linear({c}, {c2})", "nn.ReLU(inplace=True)"],
        ["F.layer_norm(x, ({c},))", "F.batch_norm(x, rm, rv, training=True, momentum={mom})",
         "F.group_norm(x, {g})", "F.normalize(x, dim=-1)", "torch.nn.functional.instance_norm(x)",
         "F.rms_norm(x, [{c}], eps={eps})"],
    ),
    "keras": (
        ["import keras", "from keras import layers", "import tensorflow as tf",
         "from tensorflow.keras import layers as tfl"],
        ["layers.BatchNormalization(momentum=0.99, epsilon={eps})", "layers.LayerNormalization(axis=-1)",
         "layers.GroupNormalization(groups={g})", "keras.layers.RMSNormalization()",
         "tf.keras.layers.BatchNormalization(axis=1)", "tfl.LayerNormalization(epsilon={eps})",
         "layers.UnitNormalization()", "layers.Dense({c}, activation='relu')", "layers.Conv2D({c}, 3)"],
        ["keras.ops.mean(x, axis=-1)", "tf.nn.batch_normalization(x, m, v, None, None, {eps})"],
    ),
    "flax": (
        ["import flax.linen as nn", "from flax import nnx", "import jax", "import jax.numpy as jnp"],
        ["nn.BatchNorm(use_running_average=not train, momentum=0.9)", "nn.LayerNorm(epsilon={eps})",
         "nn.GroupNorm(num_groups={g})", "nn.RMSNorm()", "nnx.BatchNorm({c}, rngs=rngs)",
         "nnx.LayerNorm({c}, rngs=nnx.Rngs(0))", "nn.Dense({c})", "nn.Conv({c}, (3, 3))"],
        ["jax.nn.standardize(x, axis=-1, epsilon={eps})", "jnp.mean(x, axis=(1, 2))", "jax.nn.relu(x)"],
    ),
    "haiku": (
        ["import haiku as hk", "import jax"],
        ["hk.BatchNorm(create_scale=True, create_offset=True, decay_rate=0.999)",
         "hk.LayerNorm(axis=-1, create_scale=True, create_offset=False)", "hk.RMSNorm(axis=-1)",
         "hk.GroupNorm(groups={g})", "hk.InstanceNorm(create_scale=True, create_offset=True)",
         "hk.Linear({c})"],
        ["jax.nn.gelu(x)", "hk.next_rng_key()"],
    ),
    "mlx": (
        ["import mlx.nn as nn", "import mlx.core as mx"],
        ["nn.BatchNorm({c}, momentum={mom})", "nn.LayerNorm({c}, eps={eps})", "nn.RMSNorm({c})",
         "nn.GroupNorm({g}, {c}, pytorch_compatible=True)", "nn.InstanceNorm({c})", "nn.Linear({c}, {c2})"],
        ["mx.mean(x, axis=-1)", "nn.gelu(x)"],
    ),
    "paddle": (
        ["import paddle", "import paddle.nn as nn", "from paddle import nn as pnn"],
        ["nn.BatchNorm1D({c})", "nn.BatchNorm2D({c}, momentum=0.9, epsilon={eps})", "nn.LayerNorm({c})",
         "pnn.GroupNorm({g}, {c})", "nn.InstanceNorm2D({c})", "paddle.nn.BatchNorm3D({c})"],
        ["paddle.nn.functional.relu(x)", "paddle.mean(x)"],
    ),
}

NAMES = ["bn", "norm", "ln", "gn", "layer", "feat", "μ", "σ_layer", "schicht", "正規化", "ノルム", "x̂"]


class Gen:
    def __init__(self, rnd):
        self.r = rnd

    def fill(self, t):
        r = self.r
        c = r.choice([8, 16, 32, 64, 96, 128, 256, 1_000, 0x40])
        lit = lambda v: r.choice([str(v), hex(v), f"{v:_}"]) if isinstance(v, int) and v > 15 else str(v)
        return t.format(
            c=lit(c), c2=lit(r.choice([16, 32, 64, 128])), g=r.choice([1, 2, 4, 8, 32]),
            eps=r.choice(["1e-5", "1e-3", "0.001", "1E-6", "1_0e-6", "-1e-5"]),
            mom=r.choice(["0.1", "0.01", ".9", "0.99", "None"]),
        )

    def split(self, call, indent):
        """Reformat a call: spaces, line breaks inside the parentheses, comments, trailing comma."""
        r = self.r
        name, rest = call.split("(", 1)
        body = rest[:-1]
        choice = r.random()
        if choice < 0.15 and "." in name:
            mod, cls = name.rsplit(".", 1)
            name = r.choice([f"{mod}.\\\n{indent}    {cls}", f"{mod} .{cls}", f"{mod}. {cls}", f"{mod}\\\n{indent}    .{cls}"])
        if choice > 0.6 and body:
            parts = split_args(body)
            sep = r.choice([",\n" + indent + "    ", ", # note: nn.BatchNorm2d(1)\n" + indent + "    ", " ,  "])
            body = sep.join(parts) + r.choice(["", ",", ",\n" + indent])
            return f"{name}(\n{indent}    {body})" if r.random() < 0.5 else f"{name}({body})"
        return f"{name}{r.choice(['', ' '])}({body})"

    def statement(self, fw, indent, target):
        r = self.r
        imports, ctors, funcs = FRAMEWORKS[fw]
        k = r.random()
        ctor = self.fill(r.choice(ctors))
        ctor = self.split(ctor, indent)
        if k < 0.35:
            return f"{indent}{target} = {ctor}"
        if k < 0.45:
            inner = ", ".join(self.fill(r.choice(ctors)) for _ in range(r.randint(1, 3)))
            outer = {"torch": "nn.Sequential", "keras": "keras.Sequential", "flax": "nn.Sequential",
                     "haiku": "hk.Sequential", "mlx": "nn.Sequential", "paddle": "nn.Sequential"}[fw]
            if fw in ("keras", "flax", "haiku"):
                inner = "[" + inner + "]"
            return f"{indent}{target} = {outer}({inner})"
        if k < 0.52:
            return f"{indent}# {target} = nn.BatchNorm2d(64)  keep in sync with {ctor.splitlines()[0]}"
        if k < 0.58:
            q = r.choice(['"', "'", '"""', "'''"])
            return f"{indent}doc = {q}use BatchNorm2d( and LayerNorm(x) here{q}"
        if k < 0.66:
            f = self.fill(r.choice(funcs))
            spec = r.choice(["", "!r", ":>10", ":{width}", "=", "!s:^{w}"])
            q = r.choice(['"', "'"])
            other = "'" if q == '"' else '"'
            if r.random() < 0.5:
                return f"{indent}print(f{q}value: {{{f}{spec}}} {{{{literal}}}} {{len({other}ab{other})}}{q})"
            return f'{indent}msg = f"""\n{indent}{{ {f} }} and {{x:{{fmt({target!r})}}}}\n{indent}"""'
        if k < 0.72:
            f = self.fill(r.choice(funcs))
            return f"{indent}y = (lambda x, scale=2: {f})(x) if (n := len(x)) > 0 else None"
        if k < 0.78:
            ctor2 = self.fill(r.choice(ctors))
            return f"{indent}{target}s = [{ctor2} for _ in range({r.randint(1, 4)})]; count = len({target}s)"
        if k < 0.84:
            f = self.fill(r.choice(funcs))
            return f"{indent}out = {f}  # {ctor.splitlines()[0]}"
        if k < 0.9:
            return f"{indent}assert isinstance({target}, object), 'expected nn.BatchNorm2d(...)'"
        f = self.fill(r.choice(funcs))
        return f"{indent}result = {{k: {f} for k in keys}}; other = sorted(keys, key=lambda k: (k, str(k)))"

    def module(self, fw, lines):
        r = self.r
        imports = FRAMEWORKS[fw][0]
        out = ['"""Generated model code for the recognizer tests (%s)."""' % fw]
        for imp in imports:
            if r.random() < 0.85:
                out.append(imp)
        if r.random() < 0.3:
            out.append("try:\n    import numpy as np\nexcept ImportError:  # optional\n    np = None")
        out.append("")
        n = 0
        while sum(s.count("\n") + 1 for s in out) < lines:
            n += 1
            kind = r.random()
            if kind < 0.5:
                out.append("")
                deco = r.choice(["", "@dataclass\n", "@register('block')\n", "@functools.lru_cache(maxsize=None)\n"])
                base = {"torch": "nn.Module", "keras": "keras.layers.Layer", "flax": "nn.Module",
                        "haiku": "hk.Module", "mlx": "nn.Module", "paddle": "nn.Layer"}[fw]
                out.append(f"{deco}class Block{n}({base}):")
                out.append(f"    '''Block {n}: nn.BatchNorm2d(64) in a docstring is text.'''")
                out.append(f"    def __init__(self, channels: int = {r.choice([16, 32])}, *, norm=None) -> None:")
                out.append("        super().__init__()")
                for i in range(r.randint(2, 8)):
                    out.append(self.statement(fw, "        ", f"self.{r.choice(NAMES)}{i}"))
                out.append("")
                out.append("    def __call__(self, x, train: bool = False):")
                for i in range(r.randint(1, 4)):
                    out.append(self.statement(fw, "        ", f"{r.choice(NAMES)}{i}"))
                out.append("        return x")
            elif kind < 0.8:
                out.append(self.statement(fw, "", f"{r.choice(NAMES)}_{n}"))
            else:
                out.append("")
                out.append(f"def make_{n}(c, **kwargs):")
                out.append(f"    if (m := kwargs.get('momentum')) is not None: print(m); c += 1")
                for i in range(r.randint(1, 3)):
                    out.append(self.statement(fw, "    ", f"layer{i}"))
                out.append(f"    return [x for x in (c, c * 2) if x]")
        return "\n".join(out) + "\n"


def split_args(body):
    """Split an argument list at top-level commas (the templates have no strings with commas)."""
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def main(argv):
    out = argv[0]
    seed, files, lines = 20240601, 12, 600
    it = iter(argv[1:])
    for a in it:
        if a == "--seed":
            seed = int(next(it))
        elif a == "--files":
            files = int(next(it))
        elif a == "--lines":
            lines = int(next(it))
    r = random.Random(seed)
    g = Gen(r)
    fws = list(FRAMEWORKS)
    os.makedirs(out, exist_ok=True)
    for i in range(files):
        fw = fws[i % len(fws)]
        text = g.module(fw, lines)
        ast.parse(text)  # must be valid Python
        with open(os.path.join(out, f"corpus_{i:02d}_{fw}.py"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
