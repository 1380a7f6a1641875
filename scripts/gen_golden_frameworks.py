"""Write test/fixtures/golden-frameworks/*.json: `normlens compute` requests in each framework's own terms (class,
constructor keywords, call arguments, parameter and state names) with the answers the real frameworks give:
torch 2.13, Keras 3.15.1 (KERAS_BACKEND=jax), Flax 0.12.8 linen and nnx, and JAX 0.10.2.

Run with the frameworks' venv (bash scripts/setup-frameworks.sh):
    .venv-frameworks/bin/python scripts/gen_golden_frameworks.py
NORMLENS_GOLDEN_OUT redirects the output (the freshness test regenerates into a temporary folder).

Every request is interpreted here generically (the layer built from its qualified name and keywords, parameters
and statistics set by the framework's names, the call made with the call arguments), so the fixtures also prove
that those names are the real ones. Each case runs in float32 (the expected values) and float64 (to measure the
framework's own float32 rounding): the tolerance is max(4 x that distance, 4 float32 epsilons x the largest
magnitude). Error cases store the exception type and message the framework raises.
"""
import json
import math
import os
import sys
import warnings

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
warnings.filterwarnings('ignore')

import jax  # noqa: E402

jax.config.update('jax_enable_x64', True)  # float64 runs need it; float32 runs pass float32 explicitly

import flax  # noqa: E402
import flax.linen as linen  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from flax import nnx  # noqa: E402

OUT_DIR = os.environ.get('NORMLENS_GOLDEN_OUT') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'golden-frameworks')
F32_EPS = float(np.finfo(np.float32).eps)
torch.set_num_threads(1)


def f32list(a):
    out = []
    for v in np.asarray(a, dtype=np.float64).reshape(-1).tolist():
        if math.isnan(v):
            out.append('NaN')
        elif math.isinf(v):
            out.append('Infinity' if v > 0 else '-Infinity')
        else:
            out.append(float(str(np.float32(v))))
    return out


def tol_of(a32, a64):
    a32 = np.asarray(a32, dtype=np.float64).reshape(-1)
    a64 = np.asarray(a64, dtype=np.float64).reshape(-1)
    ok = np.isfinite(a32) & np.isfinite(a64)
    if not ok.any():
        return 0.0
    d = float(np.abs(a32[ok] - a64[ok]).max())
    scale = max(1.0, float(np.abs(a64[ok]).max()))
    return float('%.3g' % max(4 * d, 4 * F32_EPS * scale))


def tight(a64):
    """16 float32 epsilons relative to the largest finite magnitude (at least 1)."""
    a = np.asarray(a64, dtype=np.float64).reshape(-1)
    a = a[np.isfinite(a)]
    return float('%.3g' % (16 * F32_EPS * max([1.0] + ([float(np.abs(a).max())] if a.size else []))))


def sample(seed, shape, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale + offset
    q = 1000.0 / scale
    return (np.round(x * q) / q).astype(np.float32)


def flat(a):
    return f32list(a)


def arr(values, shape, dtype):
    return np.asarray([float(v) for v in values], dtype=np.float32).astype(dtype).reshape(shape)


# ---------------------------------------------------------------------------------------------
# Running a request in each framework. Each runner returns {'output': array, 'state': {name: array} or None}.


def run_torch(req, dtype):
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    layer = req['layer']
    kwargs = dict(req.get('kwargs') or {})
    x = torch.tensor(arr(req['input']['data'], req['input']['shape'], dtype))
    params = req.get('params') or {}
    state = req.get('state') or {}
    if layer.startswith('torch.nn.functional.'):
        fn = getattr(F, layer.rsplit('.', 1)[1])
        for k in ('weight', 'bias'):
            if k in params:
                kwargs[k] = torch.tensor(np.asarray(params[k], dtype=np.float32).astype(dtype))
        rm = rv = None
        if state:
            rm = torch.tensor(np.asarray(state['running_mean'], dtype=np.float32).astype(dtype))
            rv = torch.tensor(np.asarray(state['running_var'], dtype=np.float32).astype(dtype))
        st = lambda: {'running_mean': rm.numpy(), 'running_var': rv.numpy()} if rm is not None else None  # noqa: E731
        if fn is F.batch_norm:
            # "mode" stands in for training= (given in kwargs, it is the function's own argument)
            if 'training' not in kwargs:
                kwargs['training'] = req.get('mode') == 'train'
            y = fn(x, rm, rv, **kwargs)
            return {'output': y.numpy(), 'state': st()}
        if fn is F.instance_norm:
            # "mode": "eval" stands in for use_input_stats=False
            if 'use_input_stats' not in kwargs and 'mode' in req:
                kwargs['use_input_stats'] = req['mode'] == 'train'
            y = fn(x, running_mean=rm, running_var=rv, **kwargs)
            return {'output': y.numpy(), 'state': st()}
        y = fn(x, **kwargs)
        return {'output': y.numpy(), 'state': None}
    cls = getattr(torch.nn, layer.rsplit('.', 1)[1])
    if cls is torch.nn.RMSNorm and kwargs.get('eps') is None and dtype == np.float64:
        # eps=None is the input dtype's machine epsilon; the float64 run measures rounding, so it keeps float32's.
        kwargs['eps'] = F32_EPS
    m = cls(**kwargs).to(tdt)
    with torch.no_grad():
        for k in ('weight', 'bias'):
            if k in params:
                getattr(m, k).copy_(torch.tensor(np.asarray(params[k], dtype=np.float32).astype(dtype)).reshape(getattr(m, k).shape))
        if state:
            m.running_mean.copy_(torch.tensor(np.asarray(state['running_mean'], dtype=np.float32).astype(dtype)))
            m.running_var.copy_(torch.tensor(np.asarray(state['running_var'], dtype=np.float32).astype(dtype)))
            m.num_batches_tracked.fill_(state.get('num_batches_tracked', 0))
    m.train(req['mode'] == 'train')
    with torch.no_grad():
        y = m(x)
    st = None
    if getattr(m, 'running_mean', None) is not None:
        st = {'running_mean': m.running_mean.numpy().copy(), 'running_var': m.running_var.numpy().copy(),
              'num_batches_tracked': int(m.num_batches_tracked)}
    return {'output': y.numpy(), 'state': st}


def run_keras(req, dtype):
    name = req['layer'].rsplit('.', 1)[1]
    kwargs = dict(req.get('kwargs') or {})
    kwargs['dtype'] = 'float64' if dtype == np.float64 else 'float32'
    layer = getattr(keras.layers, name)(**kwargs)
    shape = req['input']['shape']
    x = jnp.asarray(arr(req['input']['data'], shape, dtype))
    layer.build(tuple(shape))
    for k, v in (req.get('params') or {}).items():
        w = getattr(layer, k)
        w.assign(np.asarray(v, dtype=np.float32).astype(dtype).reshape(w.shape))
    for k, v in (req.get('state') or {}).items():
        w = getattr(layer, k)
        w.assign(np.asarray(v, dtype=np.float32).astype(dtype).reshape(w.shape))
    call = dict(req.get('call') or {})
    if 'training' not in call and 'mode' in req:
        call['training'] = req['mode'] == 'train'
    y = layer(x, **call) if name == 'BatchNormalization' else layer(x)
    st = None
    if name == 'BatchNormalization':
        st = {'moving_mean': np.asarray(layer.moving_mean.value), 'moving_variance': np.asarray(layer.moving_variance.value)}
    return {'output': np.asarray(y), 'state': st}


def run_linen(req, dtype):
    name = req['layer'].rsplit('.', 1)[1]
    jdt = jnp.float64 if dtype == np.float64 else jnp.float32
    kwargs = dict(req.get('kwargs') or {})
    mod = getattr(linen, name)(**kwargs, dtype=jdt, param_dtype=jdt)
    x = jnp.asarray(arr(req['input']['data'], req['input']['shape'], dtype))
    call = dict(req.get('call') or {})
    if name == 'BatchNorm' and 'use_running_average' not in call and 'use_running_average' not in kwargs and 'mode' in req:
        call['use_running_average'] = req['mode'] == 'eval'
    variables = mod.init(jax.random.key(0), x, **call)
    variables = jax.tree_util.tree_map(lambda a: a, variables)
    variables = {k: dict(v) for k, v in variables.items()}
    for k, v in (req.get('params') or {}).items():
        shp = variables['params'][k].shape
        variables['params'][k] = jnp.asarray(np.asarray(v, dtype=np.float32).astype(dtype).reshape(shp))
    for k, v in (req.get('state') or {}).items():
        shp = variables['batch_stats'][k].shape
        variables['batch_stats'][k] = jnp.asarray(np.asarray(v, dtype=np.float32).astype(dtype).reshape(shp))
    if 'batch_stats' in variables:
        y, upd = mod.apply(variables, x, **call, mutable=['batch_stats'])
        bs = upd['batch_stats']
        return {'output': np.asarray(y), 'state': {'mean': np.asarray(bs['mean']), 'var': np.asarray(bs['var'])}}
    return {'output': np.asarray(mod.apply(variables, x, **call)), 'state': None}


def run_nnx(req, dtype):
    name = req['layer'].rsplit('.', 1)[1]
    jdt = jnp.float64 if dtype == np.float64 else jnp.float32
    kwargs = dict(req.get('kwargs') or {})
    if name == 'BatchNorm' and 'use_running_average' not in kwargs and 'mode' in req and not req.get('call'):
        kwargs['use_running_average'] = req['mode'] == 'eval'  # what .train() / .eval() set
    m = getattr(nnx, name)(**kwargs, dtype=jdt, param_dtype=jdt, rngs=nnx.Rngs(0))
    x = jnp.asarray(arr(req['input']['data'], req['input']['shape'], dtype))
    for k, v in list((req.get('params') or {}).items()) + list((req.get('state') or {}).items()):
        var = getattr(m, k)
        var.value = jnp.asarray(np.asarray(v, dtype=np.float32).astype(dtype).reshape(var.value.shape))
    y = m(x, **(req.get('call') or {}))
    st = {'mean': np.asarray(m.mean.value), 'var': np.asarray(m.var.value)} if name == 'BatchNorm' else None
    return {'output': np.asarray(y), 'state': st}


def run_jax(req, dtype):
    fn = getattr(jax.nn, req['layer'].rsplit('.', 1)[1])
    x = jnp.asarray(arr(req['input']['data'], req['input']['shape'], dtype))
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in (req.get('kwargs') or {}).items()}
    return {'output': np.asarray(fn(x, **kwargs)), 'state': None}


RUNNERS = {'pytorch': run_torch, 'keras': run_keras, 'flax_linen': run_linen, 'flax_nnx': run_nnx, 'jax': run_jax}


def finish(framework, case):
    run = RUNNERS[framework]
    req = case['request']
    try:
        r32 = run(req, np.float32)
    except Exception as e:  # the case documents the framework's error
        case['error'] = {'type': type(e).__name__, 'message': str(e)}
        return case
    r64 = run(req, np.float64)
    exp = {'output': {'shape': list(np.shape(r32['output'])), 'data': flat(r32['output'])}, 'state': None}
    tol = {'output': tol_of(r32['output'], r64['output'])}
    if r32['state'] is not None:
        exp['state'] = {k: (v if isinstance(v, int) else flat(v)) for k, v in r32['state'].items()}
        tol['state'] = max([tol_of(v, r64['state'][k]) for k, v in r32['state'].items() if not isinstance(v, int)] + [0.0])
    case['expected'] = exp
    case['tol'] = tol
    # The float64 result too, with a tight tolerance: NormLens accumulates in float64, so it must sit within a few
    # float32 steps of it even where the framework's own float32 is far off (Flax/JAX E[x²]−E[x]² on offset data).
    ref = {'output': flat(r64['output']), 'state': None}
    tol64 = {'output': tight(r64['output'])}
    if r64['state'] is not None:
        ref['state'] = {k: (v if isinstance(v, int) else flat(v)) for k, v in r64['state'].items()}
        tol64['state'] = max([tight(v) for v in r64['state'].values() if not isinstance(v, int)] + [0.0])
    case['reference64'] = ref
    case['tol64'] = tol64
    return case


# ---------------------------------------------------------------------------------------------
# Cases


def inp(shape, seed, scale=1.0, offset=0.0, data=None):
    a = sample(seed, shape, scale, offset) if data is None else np.asarray(data, dtype=np.float32).reshape(shape)
    return {'shape': list(shape), 'data': flat(a)}


def vec(n, seed, offset=0.0, scale=0.5):
    return flat(sample(seed + 104729, [n], scale, offset))


def posvec(n, seed):
    return flat(np.abs(sample(seed + 7, [n])) + 0.5)


def case(id, layer, x, kwargs=None, mode=None, call=None, params=None, state=None):
    req = {'layer': layer}
    if kwargs:
        req['kwargs'] = kwargs
    if mode:
        req['mode'] = mode
    if call:
        req['call'] = call
    req['input'] = x
    if params:
        req['params'] = params
    if state:
        req['state'] = state
    return {'id': id, 'request': req}


def torch_cases():
    C = []
    T = 'torch.nn.'
    C.append(case('bn2d_train', T + 'BatchNorm2d', inp([2, 3, 2, 2], 1), {'num_features': 3}, 'train',
                  params={'weight': vec(3, 1, 1.0), 'bias': vec(3, 2)},
                  state={'running_mean': vec(3, 3), 'running_var': posvec(3, 4), 'num_batches_tracked': 2}))
    C.append(case('bn2d_eval', T + 'BatchNorm2d', inp([2, 3, 2, 2], 5), {'num_features': 3, 'eps': 1e-3}, 'eval',
                  state={'running_mean': vec(3, 6), 'running_var': posvec(3, 7)}))
    C.append(case('bn1d_bias_false', T + 'BatchNorm1d', inp([4, 3], 8), {'num_features': 3, 'bias': False}, 'train',
                  params={'weight': vec(3, 8, 1.0)}))
    C.append(case('bn1d_momentum_none', T + 'BatchNorm1d', inp([4, 2, 3], 9), {'num_features': 2, 'momentum': None},
                  'train', state={'running_mean': vec(2, 9), 'running_var': posvec(2, 9), 'num_batches_tracked': 3}))
    C.append(case('syncbn_train_cpu_no_process_group', T + 'SyncBatchNorm', inp([4, 3], 10), {'num_features': 3}, 'train'))
    C.append(case('syncbn_eval_cpu', T + 'SyncBatchNorm', inp([4, 3, 2], 11), {'num_features': 3}, 'eval',
                  state={'running_mean': vec(3, 11), 'running_var': posvec(3, 11)}))
    # rank and shape errors, each in torch's own words
    C.append(case('err_syncbn_1d_input', T + 'SyncBatchNorm', inp([3], 0, data=[1, 2, 3]), {'num_features': 3}, 'train'))
    C.append(case('err_rms_rank_below_normalized_shape', T + 'RMSNorm', inp([4], 0, data=[1, 2, 3, 4]),
                  {'normalized_shape': [3, 4]}, 'train'))
    C.append(case('err_rms_shape_mismatch', T + 'RMSNorm', inp([2, 3], 0, data=[1, 2, 3, 4, 5, 6]),
                  {'normalized_shape': [4]}, 'train'))
    C.append(case('err_ln_shape_mismatch', T + 'LayerNorm', inp([2, 3], 0, data=[1, 2, 3, 4, 5, 6]),
                  {'normalized_shape': [4]}, 'train'))
    # no channels: with a weight, torch's kernel fails (IndexError from select()); without one it returns the empty input
    C.append(case('err_bn2d_zero_features', T + 'BatchNorm2d', inp([2, 0, 2, 2], 0), {'num_features': 0}, 'train'))
    C.append(case('bn1d_zero_features_affine_false', T + 'BatchNorm1d', inp([2, 0], 0), {'num_features': 0, 'affine': False},
                  'train'))
    C.append(case('err_bn_batch_of_one', T + 'BatchNorm1d', inp([1, 4], 12), {'num_features': 4}, 'train'))
    C.append(case('err_bn_eps0_train', T + 'BatchNorm1d', inp([3, 2], 13), {'num_features': 2, 'eps': 0.0}, 'train'))
    C.append(case('bn_eps0_eval', T + 'BatchNorm1d', inp([3, 2], 14), {'num_features': 2, 'eps': 0.0}, 'eval',
                  state={'running_mean': vec(2, 14), 'running_var': posvec(2, 14)}))
    C.append(case('ln', T + 'LayerNorm', inp([2, 3, 4], 15), {'normalized_shape': [4]}, 'train',
                  params={'weight': vec(4, 15, 1.0), 'bias': vec(4, 16)}))
    C.append(case('ln_bias_false', T + 'LayerNorm', inp([3, 5], 17), {'normalized_shape': 5, 'bias': False}, 'eval',
                  params={'weight': vec(5, 17, 1.0)}))
    C.append(case('rms_eps_none', T + 'RMSNorm', inp([2, 6], 18, 0.01), {'normalized_shape': [6]}, 'train',
                  params={'weight': vec(6, 18, 1.0)}))
    C.append(case('gn', T + 'GroupNorm', inp([2, 4, 3], 19), {'num_groups': 2, 'num_channels': 4}, 'train',
                  params={'weight': vec(4, 19, 1.0), 'bias': vec(4, 20)}))
    C.append(case('gn_bias_false', T + 'GroupNorm', inp([2, 6, 2], 21), {'num_groups': 3, 'num_channels': 6, 'bias': False},
                  'train', params={'weight': vec(6, 21, 1.0)}))
    C.append(case('err_gn_divisible', T + 'GroupNorm', inp([2, 6, 2], 22), {'num_groups': 4, 'num_channels': 6}, 'train'))
    C.append(case('in_affine', T + 'InstanceNorm1d', inp([2, 3, 5], 23), {'num_features': 3, 'affine': True}, 'train',
                  params={'weight': vec(3, 23, 1.0), 'bias': vec(3, 24)}))
    C.append(case('err_in_channels', T + 'InstanceNorm1d', inp([2, 4, 5], 25), {'num_features': 3, 'affine': True}, 'train'))
    C.append(case('in_tracked_momentum_none', T + 'InstanceNorm1d', inp([2, 3, 5], 26),
                  {'num_features': 3, 'track_running_stats': True, 'momentum': None}, 'train'))
    C.append(case('f_batch_norm_train', T + 'functional.batch_norm', inp([4, 3], 27), {'momentum': 0.2}, 'train',
                  state={'running_mean': vec(3, 27), 'running_var': posvec(3, 27)}))
    # Without running statistics the functional forms raise in eval mode (modules with track_running_stats=False do not).
    C.append(case('err_f_batch_norm_eval_no_running_stats', T + 'functional.batch_norm', inp([2, 2], 0, data=[1, 2, 3, 4]),
                  mode='eval'))
    C.append(case('err_f_batch_norm_training_false_no_running_stats', T + 'functional.batch_norm',
                  inp([2, 2], 0, data=[1, 2, 3, 4]), {'training': False}))
    C.append(case('err_f_batch_norm_negative_eps_eval', T + 'functional.batch_norm', inp([2, 2], 0, data=[1, 2, 3, 4]),
                  {'eps': -1.0}, 'eval'))
    C.append(case('f_batch_norm_eval_running_stats', T + 'functional.batch_norm', inp([4, 3], 32), {'training': False},
                  state={'running_mean': vec(3, 32), 'running_var': posvec(3, 32)}))
    C.append(case('err_f_instance_norm_use_input_stats_false', T + 'functional.instance_norm',
                  inp([1, 2, 2], 0, data=[1, 2, 3, 4]), {'use_input_stats': False}))
    C.append(case('err_f_instance_norm_eval_no_running_stats', T + 'functional.instance_norm', inp([2, 3, 4], 33), mode='eval'))
    C.append(case('f_instance_norm_use_input_stats_false_running_stats', T + 'functional.instance_norm', inp([2, 3, 4], 34),
                  {'use_input_stats': False}, state={'running_mean': vec(3, 34), 'running_var': posvec(3, 34)}))
    C.append(case('f_instance_norm_train_updates_running_stats', T + 'functional.instance_norm', inp([2, 3, 4], 35),
                  {'momentum': 0.3}, 'train', state={'running_mean': vec(3, 35), 'running_var': posvec(3, 35)}))
    C.append(case('f_layer_norm', T + 'functional.layer_norm', inp([2, 5], 28), {'normalized_shape': [5], 'eps': 1e-3}, 'eval'))
    C.append(case('f_group_norm', T + 'functional.group_norm', inp([2, 4, 2], 29), {'num_groups': 2}, 'eval',
                  params={'weight': vec(4, 29, 1.0), 'bias': vec(4, 30)}))
    C.append(case('f_rms_norm', T + 'functional.rms_norm', inp([3, 4], 31), {'normalized_shape': [4], 'eps': 1e-6}, 'eval'))
    return C


def keras_cases():
    C = []
    K = 'keras.layers.'
    C.append(case('bn_train', K + 'BatchNormalization', inp([4, 3], 101), call={'training': True},
                  params={'gamma': vec(3, 101, 1.0), 'beta': vec(3, 102)},
                  state={'moving_mean': vec(3, 103), 'moving_variance': posvec(3, 103)}))
    C.append(case('bn_inference', K + 'BatchNormalization', inp([4, 3], 104), call={'training': False},
                  state={'moving_mean': vec(3, 104), 'moving_variance': posvec(3, 104)}))
    C.append(case('bn_batch_of_one_train', K + 'BatchNormalization', inp([1, 4], 0, data=[1, 2, 3, 4]), call={'training': True}))
    C.append(case('bn_axis1_nchw_momentum_0.9', K + 'BatchNormalization', inp([2, 3, 2, 2], 105),
                  {'axis': 1, 'momentum': 0.9, 'epsilon': 1e-5}, mode='train'))
    C.append(case('bn_trainable_false_training_true', K + 'BatchNormalization', inp([4, 2], 106), {'trainable': False},
                  call={'training': True}, state={'moving_mean': vec(2, 106), 'moving_variance': posvec(2, 106)}))
    C.append(case('bn_no_center_no_scale_eps0', K + 'BatchNormalization', inp([3, 2], 107),
                  {'center': False, 'scale': False, 'epsilon': 0.0}, call={'training': True}))
    C.append(case('err_bn_unknown_keywords', K + 'BatchNormalization', inp([2, 2], 108),
                  {'fused': False, 'virtual_batch_size': 2}, call={'training': True}))
    C.append(case('ln', K + 'LayerNormalization', inp([2, 3, 4], 109), {}, mode='eval',
                  params={'gamma': vec(4, 109, 1.0), 'beta': vec(4, 110)}))
    C.append(case('ln_two_axes', K + 'LayerNormalization', inp([2, 3, 4], 111), {'axis': [1, 2], 'epsilon': 1e-5}, mode='eval'))
    C.append(case('ln_rms_scaling_1234', K + 'LayerNormalization', inp([1, 4], 0, data=[1, 2, 3, 4]), {'rms_scaling': True},
                  mode='eval'))
    C.append(case('ln_rms_scaling_gamma', K + 'LayerNormalization', inp([3, 5], 112, 2.0, 1.0), {'rms_scaling': True},
                  mode='eval', params={'gamma': vec(5, 112, 1.0)}))
    C.append(case('ln_no_center', K + 'LayerNormalization', inp([2, 4], 113), {'center': False}, mode='eval'))
    C.append(case('gn_2_groups', K + 'GroupNormalization', inp([2, 3, 4], 114), {'groups': 2}, mode='eval',
                  params={'gamma': vec(4, 114, 1.0), 'beta': vec(4, 115)}))
    C.append(case('gn_instance', K + 'GroupNormalization', inp([2, 5, 3], 116), {'groups': -1}, mode='train'))
    C.append(case('gn_batch_of_one_single_values', K + 'GroupNormalization', inp([1, 4], 117), {'groups': 4}, mode='train'))
    C.append(case('err_gn_not_multiple', K + 'GroupNormalization', inp([2, 6], 118), {'groups': 4}, mode='train'))
    C.append(case('err_gn_more_groups', K + 'GroupNormalization', inp([2, 2], 119), {'groups': 4}, mode='train'))
    # Initializer arguments: without "params"/"state" the layer starts from what they give.
    C.append(case('ln_beta_initializer_ones', K + 'LayerNormalization', inp([2, 3, 4], 121), {'beta_initializer': 'ones'},
                  mode='eval'))
    C.append(case('bn_moving_variance_initializer_zeros_inference', K + 'BatchNormalization', inp([4, 3], 122),
                  {'moving_variance_initializer': 'zeros'}, call={'training': False}))
    C.append(case('bn_initializers_training', K + 'BatchNormalization', inp([4, 3], 123),
                  {'gamma_initializer': 'zero', 'beta_initializer': 'Ones', 'moving_mean_initializer': 'one'},
                  call={'training': True}))
    C.append(case('gn_gamma_initializer_zeros_beta_given', K + 'GroupNormalization', inp([2, 4], 124),
                  {'groups': 2, 'gamma_initializer': 'zeros'}, mode='eval', params={'beta': vec(4, 124)}))
    C.append(case('ln_random_gamma_initializer_params_given', K + 'LayerNormalization', inp([2, 4], 125),
                  {'gamma_initializer': 'glorot_uniform'}, mode='eval', params={'gamma': vec(4, 125, 1.0)}))
    C.append(case('err_ln_unknown_initializer', K + 'LayerNormalization', inp([2, 4], 126), {'beta_initializer': 'foo'},
                  mode='eval', params={'beta': vec(4, 126)}))
    C.append(case('rms', K + 'RMSNormalization', inp([2, 6], 120), {'epsilon': 1e-5}, mode='eval',
                  params={'scale': vec(6, 120, 1.0)}))
    return C


def linen_cases():
    C = []
    L = 'flax.linen.'
    C.append(case('bn_call_train', L + 'BatchNorm', inp([4, 3], 201), call={'use_running_average': False},
                  params={'scale': vec(3, 201, 1.0), 'bias': vec(3, 202)},
                  state={'mean': vec(3, 203), 'var': posvec(3, 203)}))
    C.append(case('bn_ctor_eval', L + 'BatchNorm', inp([4, 3], 204), {'use_running_average': True},
                  state={'mean': vec(3, 204), 'var': posvec(3, 204)}))
    C.append(case('bn_batch_of_one', L + 'BatchNorm', inp([1, 3], 205), call={'use_running_average': False}))
    C.append(case('bn_axis1_momentum_0.9', L + 'BatchNorm', inp([2, 3, 4], 206), {'axis': 1, 'momentum': 0.9},
                  call={'use_running_average': False}))
    C.append(case('bn_offset_1e3_fast_variance', L + 'BatchNorm', inp([8, 2], 207, 1.0, 1e3), call={'use_running_average': False}))
    C.append(case('err_bn_both_ctor_and_call', L + 'BatchNorm', inp([2, 2], 208), {'use_running_average': True},
                  call={'use_running_average': False}))
    C.append(case('err_bn_neither', L + 'BatchNorm', inp([2, 2], 209)))
    C.append(case('ln', L + 'LayerNorm', inp([2, 3, 4], 210), mode='eval', params={'scale': vec(4, 210, 1.0), 'bias': vec(4, 211)}))
    C.append(case('rms', L + 'RMSNorm', inp([3, 5], 212), {'epsilon': 1e-5}, mode='eval', params={'scale': vec(5, 212, 1.0)}))
    C.append(case('gn_groups', L + 'GroupNorm', inp([2, 3, 4], 213), {'num_groups': 2}, mode='train',
                  params={'scale': vec(4, 213, 1.0), 'bias': vec(4, 214)}))
    C.append(case('gn_group_size', L + 'GroupNorm', inp([2, 2, 6], 215), {'num_groups': None, 'group_size': 3}, mode='train'))
    C.append(case('gn_single_value_groups', L + 'GroupNorm', inp([1, 4], 216), {'num_groups': 4}, mode='train'))
    C.append(case('err_gn_not_divisible', L + 'GroupNorm', inp([2, 6], 217), {'num_groups': 4}, mode='train'))
    C.append(case('in', L + 'InstanceNorm', inp([2, 5, 3], 218), mode='train', params={'scale': vec(3, 218, 1.0), 'bias': vec(3, 219)}))
    return C


def nnx_cases():
    C = []
    N = 'flax.nnx.'
    C.append(case('bn_train_default', N + 'BatchNorm', inp([4, 3], 301), {'num_features': 3}, mode='train',
                  params={'scale': vec(3, 301, 1.0), 'bias': vec(3, 302)}, state={'mean': vec(3, 303), 'var': posvec(3, 303)}))
    C.append(case('bn_call_running_average', N + 'BatchNorm', inp([4, 3], 304), {'num_features': 3},
                  call={'use_running_average': True}, state={'mean': vec(3, 304), 'var': posvec(3, 304)}))
    C.append(case('bn_batch_of_one', N + 'BatchNorm', inp([1, 3], 305), {'num_features': 3}, mode='train'))
    # No mode at all: nnx's constructor default use_running_average=False (batch statistics) holds.
    C.append(case('bn_no_mode_constructor_default', N + 'BatchNorm', inp([4, 3], 313), {'num_features': 3},
                  state={'mean': vec(3, 313), 'var': posvec(3, 313)}))
    C.append(case('bn_momentum_0.5', N + 'BatchNorm', inp([5, 2], 306), {'num_features': 2, 'momentum': 0.5, 'epsilon': 1e-3},
                  mode='train'))
    C.append(case('ln', N + 'LayerNorm', inp([2, 4], 307), {'num_features': 4}, mode='eval',
                  params={'scale': vec(4, 307, 1.0), 'bias': vec(4, 308)}))
    C.append(case('rms', N + 'RMSNorm', inp([2, 4], 309), {'num_features': 4}, mode='eval', params={'scale': vec(4, 309, 1.0)}))
    C.append(case('gn', N + 'GroupNorm', inp([2, 3, 6], 310), {'num_features': 6, 'num_groups': 3}, mode='train'))
    C.append(case('err_gn_not_divisible', N + 'GroupNorm', inp([2, 6], 311), {'num_features': 6, 'num_groups': 4}, mode='train'))
    C.append(case('in', N + 'InstanceNorm', inp([2, 4, 3], 312), {'num_features': 3}, mode='train'))
    return C


def jax_cases():
    C = []
    C.append(case('standardize_last', 'jax.nn.standardize', inp([3, 5], 401), mode='eval'))
    C.append(case('standardize_two_axes_eps', 'jax.nn.standardize', inp([2, 3, 4], 402), {'axis': [1, 2], 'epsilon': 1e-3},
                  mode='eval'))
    C.append(case('standardize_offset_1e3', 'jax.nn.standardize', inp([2, 8], 403, 1.0, 1e3), mode='eval'))
    return C


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    groups = {'pytorch': torch_cases, 'keras': keras_cases, 'flax_linen': linen_cases, 'flax_nnx': nnx_cases,
              'jax': jax_cases}
    meta = {'generator': 'scripts/gen_golden_frameworks.py', 'torch': torch.__version__, 'keras': keras.__version__,
            'keras_backend': keras.backend.backend(), 'flax': flax.__version__, 'jax': jax.__version__}
    total = 0
    for name, fn in groups.items():
        cases = [finish(name, c) for c in fn()]
        total += len(cases)
        with open(os.path.join(OUT_DIR, name + '.json'), 'w') as f:
            json.dump({'meta': meta, 'framework': name, 'cases': cases}, f, separators=(',', ':'))
            f.write('\n')
    print('wrote %d requests to %s' % (total, os.path.normpath(OUT_DIR)), file=sys.stderr)


if __name__ == '__main__':
    main()
