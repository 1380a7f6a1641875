"""Execute NormLens's porting snippets in the real frameworks (used by test/unit/calc/port-run.test.ts).

Reads a JSON list on stdin; each item names a source layer (qualified name, keywords), an input shape in its layout,
the snippet `normlens port` wrote and whether the target wants the input transposed. The source gets random
weights and running statistics (seeded); the snippet runs as written with `src` (Flax linen: also `src_vars`) in
scope and must leave `dst` (linen: `dst_vars`); both then run in evaluation mode on the same input, or, for an item
with "mode": "train", run once in training as built (a layer fixed in inference mode stays so) and the running means
they leave are compared too. "offset" is added to the input (a large mean against the spread). Writes, for each item,
the largest |difference| of the outputs (and running means), or the exception the snippet raised.
Run with .venv-frameworks/bin/python (torch 2.13, Keras 3.15.1 on JAX, Flax 0.12.8).
"""
import json
import os
import sys
import warnings

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
warnings.filterwarnings('ignore')

import flax.linen  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from flax import nnx  # noqa: E402

torch.set_num_threads(1)
STATS = ('running_var', 'moving_variance', 'var')


def rand(rng, shape, name):
    a = rng.standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.5 if name in STATS else a


def is_bn(obj):
    return 'BatchNorm' in type(obj).__name__ or type(obj).__name__ == 'BatchNormalization'


def build_source(src, shape, rng):
    q = src['layer']
    kwargs = dict(src.get('kwargs') or {})
    x0 = np.zeros(shape, np.float32)
    if q.startswith('torch.'):
        m = getattr(torch.nn, q.rsplit('.', 1)[1])(**kwargs)
        with torch.no_grad():
            for name, t in list(m.named_parameters()) + [(n, b) for n, b in m.named_buffers() if n != 'num_batches_tracked']:
                t.copy_(torch.as_tensor(rand(rng, tuple(t.shape), name)))
        return 'torch', m, None
    if q.startswith('keras.'):
        m = getattr(keras.layers, q.rsplit('.', 1)[1])(**kwargs)
        m.build(tuple(shape))
        for w in m.weights:
            w.assign(rand(rng, tuple(w.shape), w.name.split('/')[-1]))
        return 'keras', m, None
    if q.startswith('flax.linen.'):
        m = getattr(flax.linen, q.rsplit('.', 1)[1])(**kwargs)
        call = {'use_running_average': True} if is_bn(m) and m.use_running_average is None else {}
        v = m.init(jax.random.key(0), jnp.asarray(x0), **call)
        v = jax.tree_util.tree_map_with_path(
            lambda path, a: jnp.asarray(rand(rng, a.shape, str(path[-1].key))), v)
        return 'linen', m, v
    if q.startswith('flax.nnx.'):
        m = getattr(nnx, q.rsplit('.', 1)[1])(**kwargs, rngs=nnx.Rngs(0))
        for name in ('scale', 'bias', 'mean', 'var'):
            var = getattr(m, name, None)
            if var is not None and hasattr(var, 'value') and var.value is not None:
                var.value = jnp.asarray(rand(rng, var.value.shape, name))
        return 'nnx', m, None
    raise ValueError(q)


def evaluate(kind, obj, variables, x):
    if kind == 'torch':
        obj.eval()
        with torch.no_grad():
            return obj(torch.tensor(x)).numpy()
    if kind == 'keras':
        return np.asarray(obj(jnp.asarray(x), training=False) if is_bn(obj) else obj(jnp.asarray(x)))
    if kind == 'linen':
        call = {'use_running_average': True} if is_bn(obj) and obj.use_running_average is None else {}
        return np.asarray(obj.apply(variables, jnp.asarray(x), **call))
    if kind == 'nnx':
        return np.asarray(obj(jnp.asarray(x), use_running_average=True) if is_bn(obj) else obj(jnp.asarray(x)))
    raise ValueError(kind)


def train_step(kind, obj, variables, x):
    """One forward pass in training, as the layer was built: its output and the running mean it leaves (None without)."""
    if kind == 'torch':
        obj.train()
        with torch.no_grad():
            y = obj(torch.tensor(x)).numpy()
        rm = getattr(obj, 'running_mean', None)
        return y, None if rm is None else rm.numpy().copy()
    if kind == 'keras':
        y = np.asarray(obj(jnp.asarray(x), training=True))
        return y, np.asarray(obj.moving_mean) if is_bn(obj) else None
    if kind == 'linen':
        if is_bn(obj):
            call = {} if obj.use_running_average is not None else {'use_running_average': False}
            y, upd = obj.apply(variables, jnp.asarray(x), mutable=['batch_stats'], **call)
            return np.asarray(y), np.asarray(upd['batch_stats']['mean'])
        return np.asarray(obj.apply(variables, jnp.asarray(x))), None
    if kind == 'nnx':
        y = np.asarray(obj(jnp.asarray(x)))
        return y, np.asarray(obj.mean.value) if is_bn(obj) else None
    raise ValueError(kind)


def main():
    items = json.load(sys.stdin)
    out = []
    for i, it in enumerate(items):
        rng = np.random.default_rng(1000 + i)
        res = {'id': it['id']}
        kind, src, src_vars = build_source(it['source'], it['shape'], rng)
        x = rng.standard_normal(it['shape']).astype(np.float32) * 2 + 0.5 + np.float32(it.get('offset', 0))
        ns = {'src': src, 'src_vars': src_vars}
        try:
            exec(it['snippet'], ns)  # the snippet as normlens port writes it
            to = it['to']
            dkind = {'pytorch': 'torch', 'keras': 'keras', 'flax_linen': 'linen', 'flax_nnx': 'nnx'}[to]
            xt = np.moveaxis(x, 1, -1) if it['transpose'] == 'to_last' else np.moveaxis(x, -1, 1) if it['transpose'] == 'to_first' else x
            train = it.get('mode') == 'train'
            yd, md = train_step(dkind, ns['dst'], ns.get('dst_vars'), xt) if train else (evaluate(dkind, ns['dst'], ns.get('dst_vars'), xt), None)
            if it['transpose'] == 'to_last':
                yd = np.moveaxis(yd, -1, 1)
            elif it['transpose'] == 'to_first':
                yd = np.moveaxis(yd, 1, -1)
            ys, ms = train_step(kind, src, src_vars, x) if train else (evaluate(kind, src, src_vars, x), None)
            diff = float(np.abs(ys.astype(np.float64) - yd.astype(np.float64)).max()) if ys.shape == yd.shape else float('inf')
            if (ms is None) != (md is None):
                diff = float('inf')
            elif ms is not None:
                diff = max(diff, float(np.abs(ms.astype(np.float64) - md.astype(np.float64)).max()) if ms.shape == md.shape else float('inf'))
            res['diff'] = diff
        except Exception as e:
            res['error'] = '%s: %s' % (type(e).__name__, str(e).splitlines()[0] if str(e) else '')
        out.append(res)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
