"""Execute NormLens's translations in the real frameworks (used by test/unit/frameworks/translations-run.test.ts).

Reads a JSON list on stdin; each item has a source layer (qualified name and keywords, as the table knows it), the
translated target code as NormLens writes it, an input shape in the source's layout and whether the target needs
the input transposed (channels first <-> last). Builds both, runs both on the same input with fresh parameters and
statistics, in training and in evaluation mode, and writes for each item the largest |difference| per mode, or the
exception the target code raised. Run with .venv-frameworks/bin/python (torch 2.13, Keras 3.15.1 on JAX, Flax 0.12.8).
"""
import json
import os
import sys
import warnings

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
warnings.filterwarnings('ignore')

import flax  # noqa: E402,F401
import flax.linen  # noqa: E402,F401
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from flax import nnx  # noqa: E402

torch.set_num_threads(1)


def build_source(src):
    q = src['layer']
    kwargs = dict(src.get('kwargs') or {})
    if q.startswith('torch.'):
        m = getattr(torch.nn, q.rsplit('.', 1)[1])(**kwargs)
        # γ or β removed (false) or put back (true) once built, as a user subclass does
        for name, keep in (src.get('tensors') or {}).items():
            if not keep:
                setattr(m, name, None)
            else:
                shape = m.normalized_shape if hasattr(m, 'normalized_shape') else (m.num_features if hasattr(m, 'num_features') else m.num_channels,)
                setattr(m, name, torch.nn.Parameter(torch.full(tuple(shape), 1.0 if name == 'weight' else 0.0)))
        return 'torch', m
    if q.startswith('keras.'):
        return 'keras', getattr(keras.layers, q.rsplit('.', 1)[1])(**kwargs)
    if q.startswith('flax.linen.'):
        return 'linen', getattr(flax.linen, q.rsplit('.', 1)[1])(**kwargs)
    if q.startswith('flax.nnx.'):
        return 'nnx', getattr(nnx, q.rsplit('.', 1)[1])(**kwargs, rngs=nnx.Rngs(0))
    raise ValueError(q)


def build_target(code):
    ns = {'torch': torch, 'keras': keras, 'flax': flax}
    obj = eval(code, ns)  # the translation as NormLens shows it, executed as written
    kind = 'torch' if code.startswith('torch.') else 'keras' if code.startswith('keras.') else \
        'linen' if code.startswith('flax.linen.') else 'nnx'
    return kind, obj


def run(kind, obj, x, train):
    is_bn = type(obj).__name__ in ('BatchNorm', 'BatchNormalization') or 'BatchNorm' in type(obj).__name__
    if kind == 'torch':
        obj.train(train)
        with torch.no_grad():
            return obj(torch.tensor(x)).numpy()
    if kind == 'keras':
        return np.asarray(obj(jnp.asarray(x), training=train) if is_bn else obj(jnp.asarray(x)))
    if kind == 'linen':
        call = {'use_running_average': not train} if is_bn else {}
        variables = obj.init(jax.random.key(0), jnp.asarray(x), **call)
        if is_bn and train:
            y, _ = obj.apply(variables, jnp.asarray(x), **call, mutable=['batch_stats'])
            return np.asarray(y)
        return np.asarray(obj.apply(variables, jnp.asarray(x), **call))
    if kind == 'nnx':
        return np.asarray(obj(jnp.asarray(x), use_running_average=not train) if is_bn else obj(jnp.asarray(x)))
    raise ValueError(kind)


def learnable(kind, obj, x):
    """How many learnable values the layer holds once built on x (its γ and β)."""
    if kind == 'torch':
        return int(sum(p.numel() for p in obj.parameters()))
    if kind == 'keras':
        return int(sum(np.prod(w.shape) for w in obj.trainable_weights))
    if kind == 'linen':
        is_bn = 'BatchNorm' in type(obj).__name__
        variables = obj.init(jax.random.key(0), jnp.asarray(x), **({'use_running_average': True} if is_bn else {}))
        return int(sum(np.size(v) for v in jax.tree_util.tree_leaves(variables.get('params', {}))))
    if kind == 'nnx':
        return int(sum(np.size(v) for v in jax.tree_util.tree_leaves(nnx.state(obj, nnx.Param))))
    raise ValueError(kind)


def main():
    items = json.load(sys.stdin)
    out = []
    rng = np.random.default_rng(0)
    for it in items:
        x = rng.standard_normal(it['shape']).astype(np.float32) * 2 + 0.5
        res = {'id': it['id']}
        try:
            build_source(it['source'])
        except Exception as e:
            res['sourceError'] = '%s: %s' % (type(e).__name__, e)
            out.append(res)
            continue
        try:
            diffs = {}
            for train in (True, False):
                # Fresh layers for each mode: evaluation compares fresh statistics, not what training left behind.
                sk, src = build_source(it['source'])
                tk, tgt = build_target(it['code'])
                ys = run(sk, src, x, train)
                xt = np.moveaxis(x, 1, -1) if it['transpose'] == 'to_last' else np.moveaxis(x, -1, 1) if it['transpose'] == 'to_first' else x
                yt = run(tk, tgt, xt, train)
                if it['transpose'] == 'to_last':
                    yt = np.moveaxis(yt, -1, 1)
                elif it['transpose'] == 'to_first':
                    yt = np.moveaxis(yt, 1, -1)
                diffs['train' if train else 'eval'] = float(np.abs(np.asarray(ys, np.float64) - np.asarray(yt, np.float64)).max()) \
                    if np.shape(ys) == np.shape(yt) else float('inf')
            res['diff'] = diffs
            # and as many learnable values (a translation that drops or adds γ or β computes alike at initialization)
            res['learnable'] = [learnable(sk, src, x), learnable(tk, tgt, xt)]
        except Exception as e:
            res['targetError'] = '%s: %s' % (type(e).__name__, str(e).splitlines()[0] if str(e) else '')
        out.append(res)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
