"""Write the golden fixtures the core is tested against, computed by real PyTorch 2.13 (the reference).

Run with the frameworks' venv (bash scripts/setup-frameworks.sh):
    .venv-frameworks/bin/python scripts/gen_golden.py

Every case runs twice: in float32 (the expected values, what PyTorch users get) and in
float64 (to measure how far PyTorch's own float32 result is from the exact one). Each stored
tolerance is max(4 x that distance, 4 float32 epsilons relative to the largest magnitude).
Each case also stores the float64 result (`reference64`) with a tight tolerance of 16 float32
epsilons relative to its magnitude (`tol64`). Error cases store the Python exception type and
message PyTorch raises.

RMSNorm is torch.nn.RMSNorm (PyTorch >= 2.4). Keras/Flax-style biased stored variance and Haiku's
zero-debiased EMA are likewise computed with torch ops from the batch statistics.

The output is deterministic: every random tensor comes from a per-case seeded generator.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# NORMLENS_GOLDEN_OUT redirects the output (the freshness test regenerates into a temporary folder).
OUT_DIR = os.environ.get('NORMLENS_GOLDEN_OUT') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'golden')
F32_EPS = float(np.finfo(np.float32).eps)
torch.set_num_threads(1)


def f32list(t):
    """Flat list of float32 values in their shortest round-trip form (NaN/inf as strings)."""
    out = []
    for v in t.detach().to(torch.float32).reshape(-1).tolist():
        if math.isnan(v):
            out.append('NaN')
        elif math.isinf(v):
            out.append('Infinity' if v > 0 else '-Infinity')
        else:
            out.append(float(str(np.float32(v))))
    return out


def tol_of(a32, a64):
    """max(4 * |f32 - f64|, 4 eps * max(1, |f64|)) over the non-NaN entries."""
    a32 = a32.detach().double().reshape(-1)
    a64 = a64.detach().double().reshape(-1)
    ok = torch.isfinite(a64) & torch.isfinite(a32)
    if ok.sum() == 0:
        return 0.0
    d = (a32[ok] - a64[ok]).abs().max().item()
    scale = max(1.0, a64[ok].abs().max().item())
    return float('%.3g' % max(4 * d, 4 * F32_EPS * scale))


def tight(a64):
    """16 float32 epsilons relative to the largest finite magnitude (at least 1)."""
    a = a64.detach().double().reshape(-1)
    a = a[torch.isfinite(a)]
    scale = max([1.0] + ([a.abs().max().item()] if a.numel() else []))
    return float('%.3g' % (16 * F32_EPS * scale))


def gen(seed, shape, scale=1.0, offset=0.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g, dtype=torch.float64) * scale + offset
    # Round to 3 decimals (relative to scale) so fixtures stay short; then to float32.
    q = 1000.0 / scale
    return (torch.round(x * q) / q).to(torch.float32)


# ---------------------------------------------------------------------------------------------
# Building a torch computation from a core spec


def torch_module(spec, rank):
    k = spec['kind']
    if k == 'batch_norm':
        # Without allowedRanks (other frameworks' layouts) the class matching the input rank.
        ranks = spec.get('allowedRanks') or ([2, 3] if rank <= 3 else [rank])
        cls = {(2, 3): nn.BatchNorm1d, (4,): nn.BatchNorm2d, (5,): nn.BatchNorm3d}[tuple(ranks)]
        return cls(spec['numFeatures'], eps=spec['eps'], momentum=spec['momentum'],
                   affine=spec['hasWeight'], track_running_stats=spec['trackRunningStats'])
    if k == 'instance_norm':
        cls = {3: nn.InstanceNorm1d, 4: nn.InstanceNorm2d, 5: nn.InstanceNorm3d}[spec['batchedRank']]
        return cls(spec['numFeatures'], eps=spec['eps'], momentum=spec['momentum'],
                   affine=spec['hasWeight'], track_running_stats=spec['trackRunningStats'])
    if k == 'group_norm':
        return nn.GroupNorm(spec['numGroups'], spec['numChannels'], eps=spec['eps'], affine=spec['hasWeight'])
    if k == 'layer_norm':
        return nn.LayerNorm(spec['normalizedShape'], eps=spec['eps'], elementwise_affine=spec['hasWeight'],
                            bias=spec['hasBias'] or not spec['hasWeight'])
    if k == 'local_response_norm':
        return nn.LocalResponseNorm(spec['size'], alpha=spec['alpha'], beta=spec['beta'], k=spec['k'])
    raise ValueError(k)


class ManualBatchNorm(nn.Module):
    """BatchNorm with Keras/Flax (biased stored variance) or Haiku (zero-debiased EMA) running
    statistics, from torch ops; normalization itself is the same as PyTorch's."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        c = spec['numFeatures']
        self.weight = nn.Parameter(torch.ones(c)) if spec['hasWeight'] else None
        self.bias = nn.Parameter(torch.zeros(c)) if spec['hasBias'] else None
        self.register_buffer('running_mean', torch.zeros(c))
        self.register_buffer('running_var', torch.zeros(c) if spec.get('debiasedEma') else torch.ones(c))
        self.register_buffer('num_batches_tracked', torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        s = self.spec
        dims = [d for d in range(x.dim()) if d != 1]
        shp = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            mean = x.mean(dims)
            var = x.var(dims, unbiased=False)
            with torch.no_grad():
                m = s['momentum']
                stored = var if s['storedVariance'] == 'biased' else x.var(dims, unbiased=True)
                t = int(self.num_batches_tracked)
                if s.get('debiasedEma'):
                    d = 1 - m
                    hm = self.running_mean * (1 - d ** t)
                    hv = self.running_var * (1 - d ** t)
                    self.running_mean.copy_((d * hm + m * mean) / (1 - d ** (t + 1)))
                    self.running_var.copy_((d * hv + m * stored) / (1 - d ** (t + 1)))
                else:
                    self.running_mean.mul_(1 - m).add_(m * mean)
                    self.running_var.mul_(1 - m).add_(m * stored)
                self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.reshape(shp)) / torch.sqrt(var.reshape(shp) + s['eps'])
        if self.weight is not None:
            y = y * self.weight.reshape(shp)
        if self.bias is not None:
            y = y + self.bias.reshape(shp)
        return y


def build(spec, rank):
    if spec['kind'] == 'rms_norm':
        return nn.RMSNorm(spec['normalizedShape'], eps=spec['eps'], elementwise_affine=spec['hasWeight'])
    if spec['kind'] == 'batch_norm' and (spec['storedVariance'] == 'biased' or spec.get('debiasedEma')):
        return ManualBatchNorm(spec)
    return torch_module(spec, rank)


def channel_perm(spec, rank):
    """Permutation moving the spec's channel axis to 1 (PyTorch layout), or None."""
    ax = spec.get('channelAxis', 1)
    if spec['kind'] in ('layer_norm', 'rms_norm', 'local_response_norm'):
        return None
    ax = ax % rank
    if ax == 1:
        return None
    perm = list(range(rank))
    perm.pop(ax)
    perm.insert(1, ax)
    return perm


def as_f32(values, dtype):
    """Stored values are float32 numbers; the float64 run must see exactly those, not the decimals."""
    return torch.tensor([float(v) for v in values], dtype=torch.float32).to(dtype)


def run_torch(case, dtype):
    spec = case['spec']
    if spec['kind'] == 'rms_norm' and spec['eps'] is None and dtype == torch.float64:
        # eps=None is the input dtype's machine epsilon; the float64 run measures rounding, so it keeps float32's.
        spec = dict(spec, eps=F32_EPS)
    m = build(spec, len(case['input']['shape']))
    m = m.to(dtype)
    params = case.get('params') or {}
    with torch.no_grad():
        if params.get('weight') is not None and getattr(m, 'weight', None) is not None:
            m.weight.copy_(as_f32(params['weight'], dtype).reshape(m.weight.shape))
        if params.get('bias') is not None and getattr(m, 'bias', None) is not None:
            m.bias.copy_(as_f32(params['bias'], dtype).reshape(m.bias.shape))
        st = case.get('state')
        if st:
            m.running_mean.copy_(as_f32(st['running_mean'], dtype))
            m.running_var.copy_(as_f32(st['running_var'], dtype))
            m.num_batches_tracked.fill_(st['num_batches_tracked'])
    m.train(case['mode'] == 'train')
    shape = case['input']['shape']
    y = None
    xs = [case['input']['data']] + [s for s in case.get('more_inputs', [])]
    for i, data in enumerate(xs):
        x = as_f32(data, dtype).reshape(shape).requires_grad_(True)
        perm = channel_perm(spec, len(shape))
        if perm is not None:
            inv = [perm.index(i) for i in range(len(perm))]
            y = m(x.permute(perm)).permute(inv)
        else:
            y = m(x)
    res = {'output': y}
    if 'gradOutput' in case:
        y.backward(as_f32(case['gradOutput'], dtype).reshape(y.shape))
        res['grad_input'] = x.grad
        w = getattr(m, 'weight', None)
        b = getattr(m, 'bias', None)
        res['grad_weight'] = w.grad if w is not None else None
        res['grad_bias'] = b.grad if b is not None else None
    if getattr(m, 'running_mean', None) is not None:
        res['state'] = (m.running_mean, m.running_var, int(m.num_batches_tracked))
    return res


def finish(case):
    """Run a case in float32 and float64 and store expectations with tolerances."""
    try:
        r32 = run_torch(case, torch.float32)
    except Exception as e:  # the case documents PyTorch's error
        case['error'] = {'type': type(e).__name__, 'message': str(e)}
        return case
    r64 = run_torch(case, torch.float64)
    exp = {'output': f32list(r32['output'])}
    tol = {'output': tol_of(r32['output'], r64['output'])}
    if 'state' in r32:
        rm, rv, nbt = r32['state']
        exp['state'] = {'running_mean': f32list(rm), 'running_var': f32list(rv), 'num_batches_tracked': nbt}
        tol['state'] = max(tol_of(rm, r64['state'][0]), tol_of(rv, r64['state'][1]))
    else:
        exp['state'] = None
    if 'gradOutput' in case:
        g = {'input': f32list(r32['grad_input'])}
        tg = tol_of(r32['grad_input'], r64['grad_input'])
        for k in ('weight', 'bias'):
            a = r32['grad_' + k]
            g[k] = f32list(a) if a is not None else None
            if a is not None:
                tg = max(tg, tol_of(a, r64['grad_' + k]))
        exp['grad'] = g
        tol['grad'] = tg
    case['expected'] = exp
    case['tol'] = tol
    # The float64 result too: the core accumulates in float64, so it must also sit within a
    # few float32 rounding steps of the exact answer, even where PyTorch's float32 is far off.
    ref = {'output': f32list(r64['output']), 'state': None}
    tol64 = {'output': tight(r64['output'])}
    if 'state' in r64:
        rm, rv, nbt = r64['state']
        ref['state'] = {'running_mean': f32list(rm), 'running_var': f32list(rv), 'num_batches_tracked': nbt}
        tol64['state'] = max(tight(rm), tight(rv))
    if 'gradOutput' in case:
        ref['grad'] = {k: (f32list(r64['grad_' + k]) if r64['grad_' + k] is not None else None)
                       for k in ('input', 'weight', 'bias')}
        tol64['grad'] = max(tight(r64['grad_' + k]) for k in ('input', 'weight', 'bias')
                            if r64['grad_' + k] is not None)
    case['reference64'] = ref
    case['tol64'] = tol64
    return case


def inp(shape, seed, scale=1.0, offset=0.0, data=None):
    t = gen(seed, shape, scale, offset) if data is None else torch.tensor(data, dtype=torch.float32).reshape(shape)
    return {'shape': list(shape), 'data': f32list(t)}


def grad_for(shape, seed):
    return f32list(gen(seed + 7919, shape))


def vec(n, seed, offset=0.0, scale=0.5):
    return f32list(gen(seed + 104729, [n], scale, offset))


# ---------------------------------------------------------------------------------------------
# Specs


def bn(c, ranks=(2, 3), eps=1e-5, momentum=0.1, affine=True, track=True, axis=1, name=None, stored='unbiased',
       debiased=False):
    s = {'kind': 'batch_norm', 'numFeatures': c, 'eps': eps, 'momentum': momentum, 'hasWeight': affine,
         'hasBias': affine, 'trackRunningStats': track, 'storedVariance': stored, 'channelAxis': axis}
    if ranks is not None:
        s['allowedRanks'] = list(ranks)
        s['layerName'] = name or {(2, 3): 'BatchNorm1d', (4,): 'BatchNorm2d', (5,): 'BatchNorm3d'}[tuple(ranks)]
    if debiased:
        s['debiasedEma'] = True
    return s


def inorm(c, batched_rank, eps=1e-5, momentum=0.1, affine=False, track=False, axis=1):
    return {'kind': 'instance_norm', 'numFeatures': c, 'eps': eps, 'momentum': momentum, 'hasWeight': affine,
            'hasBias': affine, 'trackRunningStats': track, 'channelAxis': axis, 'batchedRank': batched_rank,
            'layerName': 'InstanceNorm%dd' % (batched_rank - 2)}


def gnorm(g, c, eps=1e-5, affine=True, axis=1):
    return {'kind': 'group_norm', 'numGroups': g, 'numChannels': c, 'eps': eps, 'hasWeight': affine,
            'hasBias': affine, 'channelAxis': axis}


def lnorm(shape, eps=1e-5, affine=True, bias=True):
    return {'kind': 'layer_norm', 'normalizedShape': list(shape), 'eps': eps, 'hasWeight': affine,
            'hasBias': affine and bias}


def rnorm(shape, eps=None, weight=True):
    return {'kind': 'rms_norm', 'normalizedShape': list(shape), 'eps': eps, 'hasWeight': weight}


def lrn(size, alpha=1e-4, beta=0.75, k=1.0):
    return {'kind': 'local_response_norm', 'size': size, 'alpha': alpha, 'beta': beta, 'k': k}


def case(id, spec, mode, x, params=None, state=None, grad=False, more=None, seed=0):
    c = {'id': id, 'spec': spec, 'mode': mode, 'input': x}
    if params:
        c['params'] = params
    if state:
        c['state'] = state
    if more:
        c['more_inputs'] = more
    if grad:
        c['gradOutput'] = grad_for(x['shape'], seed)
    return c


def affine(n, seed):
    return {'weight': vec(n, seed, 1.0), 'bias': vec(n, seed + 1, 0.0)}


def state(n, seed, nbt=3):
    return {'running_mean': vec(n, seed + 2, 0.0), 'running_var': f32list(gen(seed + 3, [n]).abs() + 0.5),
            'num_batches_tracked': nbt}


def with_const(x, shape, channel_slices):
    """Overwrite given (index-tuple) regions of an input with constants / tiny-variance values."""
    t = torch.tensor(x['data'], dtype=torch.float32).reshape(shape)
    for idx, kind in channel_slices:
        if kind == 'const':
            t[idx] = 3.25
        else:  # tiny variance around 1 (spread 1e-4)
            n = t[idx].numel()
            t[idx] = (1 + 1e-4 * torch.linspace(-1, 1, n, dtype=torch.float64)).to(torch.float32).reshape(t[idx].shape)
    return {'shape': list(shape), 'data': f32list(t)}


def seq_example():
    # batch b = [[b, b+1], [b+2, b+3], [b+4, b+5]] for b = 1..4: shape [4, 3, 2]
    return [float(b + 2 * s + d) for b in range(1, 5) for s in range(3) for d in range(2)]


def batch_norm_cases():
    C = []
    C.append(case('seed_bn_2468', bn(1), 'train', inp([4, 1], 0, data=[2, 4, 6, 8]), grad=True, seed=1))
    C.append(case('seed_bn_batch_seq_per_feature', bn(2, ranks=None, axis=-1), 'train',
                  inp([4, 3, 2], 0, data=seq_example()), grad=True, seed=2))
    C.append(case('bn1d_train_2d', bn(4), 'train', inp([8, 4], 10), affine(4, 10), grad=True, seed=10))
    C.append(case('bn1d_train_3d', bn(3), 'train', inp([4, 3, 5], 11), affine(3, 11), state(3, 11), grad=True, seed=11))
    C.append(case('bn2d_train', bn(3, (4,)), 'train', inp([2, 3, 4, 4], 12), affine(3, 12), state(3, 12), grad=True,
                  seed=12))
    C.append(case('bn2d_eval', bn(3, (4,)), 'eval', inp([2, 3, 4, 4], 13), affine(3, 13), state(3, 13), grad=True,
                  seed=13))
    C.append(case('bn2d_eval_default_state', bn(3, (4,)), 'eval', inp([2, 3, 2, 2], 14), grad=True, seed=14))
    C.append(case('bn3d_train', bn(2, (5,)), 'train', inp([2, 2, 3, 2, 2], 15), affine(2, 15), grad=True, seed=15))
    C.append(case('bn3d_eval', bn(2, (5,)), 'eval', inp([1, 2, 2, 2, 3], 16), affine(2, 16), state(2, 16), grad=True,
                  seed=16))
    C.append(case('bn2d_train_planes_of_20', bn(3, (4,)), 'train', inp([2, 3, 4, 5], 55), affine(3, 55), state(3, 55),
                  grad=True, seed=55))
    C.append(case('bn2d_offset_1e5_planes_of_24', bn(2, (4,)), 'train', inp([3, 2, 4, 6], 56, 1.0, 1e5), affine(2, 56),
                  grad=True, seed=56))
    C.append(case('bn_momentum_none_3_steps', bn(3, momentum=None), 'train', inp([5, 3], 17), affine(3, 17),
                  more=[inp([5, 3], 18, 2.0, 1.0)['data'], inp([5, 3], 19, 0.5, -2.0)['data']], grad=True, seed=17))
    C.append(case('bn_momentum_none_from_state', bn(3, momentum=None), 'train', inp([6, 3], 20), state=state(3, 20, 5),
                  more=[inp([6, 3], 21, 3.0)['data']]))
    C.append(case('bn_momentum_0.3_4_steps', bn(2, (4,), momentum=0.3), 'train', inp([2, 2, 2, 3], 22),
                  more=[inp([2, 2, 2, 3], 23 + i, 1.0 + i, 0.5 * i)['data'] for i in range(3)], grad=True, seed=22))
    C.append(case('bn_momentum_1', bn(2, momentum=1.0), 'train', inp([4, 2], 27)))
    C.append(case('bn_momentum_1.5_extrapolates', bn(2, momentum=1.5), 'train', inp([4, 2], 26), state=state(2, 26)))
    C.append(case('bn_affine_false_train', bn(3, (4,), affine=False), 'train', inp([2, 3, 2, 3], 28), grad=True,
                  seed=28))
    C.append(case('bn_affine_false_eval', bn(3, (4,), affine=False), 'eval', inp([2, 3, 2, 3], 29), state=state(3, 29),
                  grad=True, seed=29))
    C.append(case('bn_untracked_train', bn(3, track=False), 'train', inp([4, 3, 2], 30), affine(3, 30), grad=True,
                  seed=30))
    C.append(case('bn_untracked_eval_uses_batch', bn(3, track=False), 'eval', inp([4, 3, 2], 31), affine(3, 31),
                  grad=True, seed=31))
    C.append(case('bn_untracked_no_affine', bn(3, (4,), affine=False, track=False), 'train', inp([2, 3, 2, 2], 32),
                  grad=True, seed=32))
    for off, sd in ((1e4, 33), (1e5, 34), (1e6, 35)):
        C.append(case('bn_offset_%g' % off, bn(3), 'train', inp([6, 3, 4], sd, 1.0, off), affine(3, sd), grad=True,
                      seed=sd))
    C.append(case('bn_offset_1e5_small_spread', bn(2), 'train', inp([8, 2], 36, 0.05, 1e5), grad=True, seed=36))
    x = inp([4, 3, 5], 37)
    C.append(case('bn_constant_and_tiny_channels', bn(3), 'train',
                  with_const(x, [4, 3, 5], [((slice(None), 0), 'const'), ((slice(None), 2), 'tiny')]),
                  affine(3, 37), grad=True, seed=37))
    C.append(case('bn_constant_eps0_returns_bias', bn(3, eps=0.0), 'train',
                  with_const(inp([4, 3], 38), [4, 3], [((slice(None), 1), 'const')]), affine(3, 38), grad=True,
                  seed=38))
    C.append(case('bn_n1_spatial_train', bn(3, (4,)), 'train', inp([1, 3, 2, 2], 39), affine(3, 39), grad=True,
                  seed=39))
    C.append(case('bn1d_n1_length2_train', bn(3), 'train', inp([1, 3, 2], 40), grad=True, seed=40))
    C.append(case('bn_eval_n1', bn(3), 'eval', inp([1, 3], 41), state=state(3, 41)))
    C.append(case('bn_large_eps', bn(3, eps=1.0), 'train', inp([4, 3], 42, 0.3), affine(3, 42), grad=True, seed=42))
    C.append(case('bn_large_eps_eval', bn(3, eps=0.5), 'eval', inp([4, 3], 43), affine(3, 43), state(3, 43)))
    C.append(case('bn_no_check_without_affine_or_tracking', bn(4, (4,), affine=False, track=False), 'train',
                  inp([2, 3, 2, 2], 44)))
    C.append(case('bn_channels_last_4d', bn(3, ranks=None, axis=-1), 'train', inp([2, 3, 2, 3], 45), affine(3, 45),
                  state(3, 45), grad=True, seed=45))
    C.append(case('bn_biased_stored_variance', bn(3, ranks=None, momentum=0.01, axis=1, stored='biased'), 'train',
                  inp([4, 3, 2], 46), state=state(3, 46), more=[inp([4, 3, 2], 47, 2.0)['data']]))
    C.append(case('bn_debiased_ema_3_steps', bn(2, ranks=None, momentum=0.1, stored='biased', debiased=True), 'train',
                  inp([5, 2], 48), more=[inp([5, 2], 49, 2.0, 1.0)['data'], inp([5, 2], 50)['data']]))
    C.append(case('bn_empty_batch_momentum_none', bn(3, momentum=None), 'train', inp([0, 3], 51)))
    C.append(case('bn_empty_spatial', bn(3, (4,)), 'train', inp([2, 3, 0, 2], 52), state=state(3, 52)))
    C.append(case('bn_empty_eval', bn(3, (4,)), 'eval', inp([0, 3, 2, 2], 53), state=state(3, 53)))
    C.append(case('bn_nan_propagates', bn(2), 'train', inp([3, 2], 0, data=[1, float('nan'), 2, 3, 4, 5]), grad=True,
                  seed=54))
    # errors
    C.append(case('err_bn_one_value_per_channel', bn(3), 'train', inp([1, 3], 60)))
    C.append(case('err_bn_one_value_per_channel_3d', bn(3), 'train', inp([1, 3, 1], 61)))
    C.append(case('err_bn_untracked_eval_one_value', bn(3, track=False), 'eval', inp([1, 3], 62)))
    C.append(case('err_bn2d_rank', bn(3, (4,)), 'train', inp([2, 3, 4], 63)))
    C.append(case('err_bn1d_rank', bn(3), 'train', inp([2, 3, 2, 2], 64)))
    C.append(case('err_bn3d_rank', bn(3, (5,)), 'eval', inp([2, 3, 2, 2], 65)))
    C.append(case('err_bn_running_mean_4_not_3', bn(3, (4,)), 'train', inp([2, 4, 2, 2], 66)))
    C.append(case('err_bn_running_mean_eval', bn(4, (4,)), 'eval', inp([2, 3, 2, 2], 67)))
    C.append(case('err_bn_weight_untracked', bn(4, (4,), track=False), 'train', inp([2, 3, 2, 2], 68)))
    return C


def instance_norm_cases():
    C = []
    C.append(case('in1d_train', inorm(3, 3), 'train', inp([2, 3, 5], 100), grad=True, seed=100))
    C.append(case('in1d_affine', inorm(3, 3, affine=True), 'train', inp([2, 3, 5], 101), affine(3, 101), grad=True,
                  seed=101))
    C.append(case('in2d_affine', inorm(3, 4, affine=True), 'eval', inp([2, 3, 3, 3], 102), affine(3, 102), grad=True,
                  seed=102))
    C.append(case('in3d', inorm(2, 5), 'train', inp([1, 2, 2, 2, 3], 103), grad=True, seed=103))
    C.append(case('in1d_unbatched', inorm(3, 3, affine=True), 'train', inp([3, 5], 104), affine(3, 104), grad=True,
                  seed=104))
    C.append(case('in2d_unbatched', inorm(3, 4), 'train', inp([3, 4, 4], 105), grad=True, seed=105))
    C.append(case('in_tracked_train_2_steps', inorm(3, 3, track=True), 'train', inp([4, 3, 6], 106),
                  state=state(3, 106, 2), more=[inp([4, 3, 6], 107, 2.0, 1.0)['data']], grad=True, seed=106))
    C.append(case('in_tracked_eval', inorm(3, 4, affine=True, track=True), 'eval', inp([2, 3, 2, 2], 108),
                  affine(3, 108), state(3, 108), grad=True, seed=108))
    C.append(case('in_tracked_unbatched', inorm(3, 3, track=True, momentum=0.2), 'train', inp([3, 5], 109),
                  grad=True, seed=109))
    C.append(case('in_tracked_eval_one_spatial', inorm(3, 3, track=True), 'eval', inp([2, 3, 1], 110),
                  state=state(3, 110)))
    C.append(case('in_offset_1e6', inorm(2, 3, affine=True), 'train', inp([2, 2, 8], 111, 1.0, 1e6), affine(2, 111),
                  grad=True, seed=111))
    C.append(case('in_constant_eps0', inorm(2, 3, eps=0.0, affine=True), 'train',
                  with_const(inp([2, 2, 4], 112), [2, 2, 4], [((0, 1), 'const'), ((1, 0), 'tiny')]), affine(2, 112)))
    C.append(case('in_no_check_without_affine_or_tracking', inorm(3, 3), 'train', inp([2, 4, 5], 113)))
    C.append(case('in_channels_last', inorm(3, 3, affine=True, axis=-1), 'train', inp([2, 5, 3], 116), affine(3, 116),
                  grad=True, seed=116))
    C.append(case('in_channels_last_tracked_rank4', inorm(2, 4, track=True, axis=-1), 'train', inp([2, 3, 2, 2], 117),
                  state=state(2, 117), grad=True, seed=117))
    C.append(case('in_empty_batch_tracked', inorm(3, 3, track=True), 'train', inp([0, 3, 4], 114), state=state(3, 114)))
    C.append(case('in_empty_spatial', inorm(3, 3), 'train', inp([2, 3, 0], 115)))
    C.append(case('err_in_one_spatial', inorm(3, 3), 'train', inp([2, 3, 1], 120)))
    C.append(case('err_in_one_spatial_eval_untracked', inorm(3, 3), 'eval', inp([2, 3, 1], 121)))
    C.append(case('err_in_unbatched_one_spatial', inorm(3, 3), 'train', inp([3, 1], 122)))
    C.append(case('err_in2d_rank', inorm(3, 4), 'train', inp([3, 5], 123)))
    C.append(case('err_in1d_rank', inorm(3, 3), 'train', inp([2, 3, 4, 4], 124)))
    C.append(case('err_in3d_rank', inorm(3, 5), 'train', inp([3, 2, 2], 125)))
    C.append(case('err_in_weight_channels', inorm(3, 3, affine=True), 'train', inp([2, 4, 5], 126)))
    C.append(case('err_in_running_mean_channels', inorm(3, 3, track=True), 'train', inp([2, 4, 5], 127)))
    C.append(case('err_in_momentum_none', inorm(3, 3, track=True, momentum=None), 'train', inp([2, 3, 5], 128)))
    return C


def group_norm_cases():
    C = []
    C.append(case('gn_2_4_rank3', gnorm(2, 4), 'train', inp([2, 4, 3], 200), affine(4, 200), grad=True, seed=200))
    C.append(case('gn_3_6_rank4', gnorm(3, 6), 'train', inp([2, 6, 2, 2], 201), affine(6, 201), grad=True, seed=201))
    C.append(case('gn_1_group', gnorm(1, 4), 'eval', inp([2, 4, 3], 202), affine(4, 202), grad=True, seed=202))
    C.append(case('gn_group_per_channel', gnorm(4, 4), 'train', inp([2, 4, 5], 203), affine(4, 203), grad=True,
                  seed=203))
    C.append(case('gn_affine_false', gnorm(2, 4, affine=False), 'train', inp([2, 4, 3], 204), grad=True, seed=204))
    C.append(case('gn_rank2', gnorm(2, 4), 'train', inp([3, 4], 205), affine(4, 205), grad=True, seed=205))
    C.append(case('gn_rank5', gnorm(2, 4), 'train', inp([1, 4, 2, 2, 2], 206), affine(4, 206), grad=True, seed=206))
    C.append(case('gn_offset_1e5', gnorm(2, 4), 'train', inp([2, 4, 6], 207, 1.0, 1e5), affine(4, 207), grad=True,
                  seed=207))
    C.append(case('gn_constant_group', gnorm(2, 4), 'train',
                  with_const(inp([2, 4, 3], 208), [2, 4, 3], [((0, slice(0, 2)), 'const'), ((1, slice(2, 4)), 'tiny')]),
                  affine(4, 208), grad=True, seed=208))
    C.append(case('gn_constant_eps0', gnorm(2, 4, eps=0.0), 'train',
                  with_const(inp([2, 4, 3], 209), [2, 4, 3], [((0, slice(0, 2)), 'const')]), affine(4, 209)))
    C.append(case('gn_large_eps', gnorm(2, 4, eps=2.0), 'train', inp([2, 4, 3], 210), grad=True, seed=210))
    C.append(case('gn_n1_two_per_group', gnorm(2, 4), 'train', inp([1, 4], 211), grad=True, seed=211))
    C.append(case('gn_no_channel_check_without_affine', gnorm(2, 4, affine=False), 'train', inp([2, 6, 3], 212)))
    C.append(case('gn_channels_last', gnorm(2, 4, axis=-1), 'train', inp([2, 3, 4], 214), affine(4, 214), grad=True,
                  seed=214))
    C.append(case('gn_channels_last_rank4', gnorm(3, 6, axis=-1), 'train', inp([2, 2, 2, 6], 215), affine(6, 215),
                  grad=True, seed=215))
    C.append(case('gn_empty_batch', gnorm(2, 4), 'train', inp([0, 4, 3], 213)))
    C.append(case('err_gn_divisible', gnorm(2, 3), 'train', inp([2, 3, 4], 220)))
    C.append(case('err_gn_zero_groups', gnorm(0, 4), 'train', inp([2, 4, 4], 221)))
    C.append(case('err_gn_weight_channels', gnorm(2, 4), 'train', inp([2, 6, 3], 222)))
    C.append(case('err_gn_input_not_divisible', gnorm(4, 4, affine=False), 'train', inp([2, 6, 3], 223)))
    C.append(case('err_gn_one_value', gnorm(1, 1), 'train', inp([1, 1], 224)))
    C.append(case('err_gn_one_value_per_group', gnorm(2, 2), 'train', inp([1, 2, 1], 225)))
    C.append(case('err_gn_rank1', gnorm(2, 4), 'train', inp([4], 226)))
    return C


def layer_norm_cases():
    C = []
    C.append(case('seed_ln_over_dim', lnorm([2]), 'train', inp([4, 3, 2], 0, data=seq_example()), grad=True, seed=3))
    C.append(case('ln_last_dim', lnorm([4]), 'train', inp([2, 3, 4], 300), affine(4, 300), grad=True, seed=300))
    C.append(case('ln_two_dims', lnorm([3, 4]), 'eval', inp([2, 3, 4], 301), {'weight': vec(12, 301, 1.0),
                                                                          'bias': vec(12, 302)}, grad=True, seed=301))
    C.append(case('ln_no_affine', lnorm([5], affine=False), 'train', inp([3, 5], 303), grad=True, seed=303))
    C.append(case('ln_no_bias', lnorm([5], bias=False), 'train', inp([3, 5], 304), {'weight': vec(5, 304, 1.0)},
                  grad=True, seed=304))
    C.append(case('ln_whole_input', lnorm([2, 3]), 'train', inp([2, 3], 305), grad=True, seed=305))
    for off, sd in ((1e4, 306), (1e5, 307), (1e6, 308)):
        C.append(case('ln_offset_%g' % off, lnorm([8]), 'train', inp([3, 8], sd, 1.0, off), affine(8, sd), grad=True,
                      seed=sd))
    C.append(case('ln_constant_and_tiny_rows', lnorm([6]), 'train',
                  with_const(inp([3, 6], 309), [3, 6], [((0,), 'const'), ((2,), 'tiny')]), affine(6, 309), grad=True,
                  seed=309))
    C.append(case('ln_constant_eps0_nan', lnorm([4], eps=0.0), 'train',
                  with_const(inp([2, 4], 310), [2, 4], [((0,), 'const')]), affine(4, 310)))
    C.append(case('ln_large_eps', lnorm([4], eps=1.0), 'train', inp([2, 4], 311, 0.2), grad=True, seed=311))
    C.append(case('ln_empty_rows', lnorm([4]), 'train', inp([0, 4], 312)))
    C.append(case('err_ln_shape', lnorm([3]), 'train', inp([2, 4], 320)))
    C.append(case('err_ln_shape_2d', lnorm([3, 4]), 'train', inp([2, 4, 3], 321)))
    C.append(case('err_ln_rank_too_small', lnorm([3, 4]), 'train', inp([4], 322)))
    return C


def rms_norm_cases():
    C = []
    C.append(case('rms_last_dim', rnorm([4]), 'train', inp([2, 3, 4], 400), {'weight': vec(4, 400, 1.0)}, grad=True,
                  seed=400))
    C.append(case('rms_two_dims', rnorm([3, 4], eps=1e-6), 'train', inp([2, 3, 4], 401), {'weight': vec(12, 401, 1.0)},
                  grad=True, seed=401))
    C.append(case('rms_no_weight', rnorm([5], weight=False), 'train', inp([3, 5], 402), grad=True, seed=402))
    C.append(case('rms_eps_none_tiny_rows', rnorm([4]), 'train', inp([3, 4], 403, 1e-3), grad=True, seed=403))
    C.append(case('rms_large_eps', rnorm([4], eps=1.0), 'train', inp([2, 4], 404), grad=True, seed=404))
    C.append(case('rms_offset_1e4', rnorm([6], eps=1e-5), 'train', inp([2, 6], 405, 1.0, 1e4), grad=True, seed=405))
    C.append(case('rms_zero_row', rnorm([4]), 'train',
                  {'shape': [2, 4], 'data': [0.0] * 4 + inp([1, 4], 406)['data']}, grad=True, seed=406))
    return C


def lrn_cases():
    C = []
    C.append(case('lrn_size2_rank3', lrn(2), 'train', inp([2, 5, 3], 500, 3.0), grad=True, seed=500))
    C.append(case('lrn_size3_rank4', lrn(3, alpha=0.01, beta=0.75, k=2.0), 'eval', inp([2, 6, 2, 2], 501, 4.0),
                  grad=True, seed=501))
    C.append(case('lrn_size5_rank5', lrn(5, alpha=0.5, beta=0.5, k=1.0), 'train', inp([1, 7, 2, 2, 2], 502, 2.0),
                  grad=True, seed=502))
    C.append(case('lrn_size_over_channels', lrn(7, alpha=1.0, beta=1.0, k=0.5), 'train', inp([2, 3, 4], 503),
                  grad=True, seed=503))
    C.append(case('lrn_size1', lrn(1, alpha=1.0, beta=2.0, k=1.0), 'train', inp([1, 3, 3], 504), grad=True, seed=504))
    C.append(case('lrn_empty_batch', lrn(2), 'train', inp([0, 3, 4], 505)))
    C.append(case('err_lrn_rank2', lrn(2), 'train', inp([2, 3], 510)))
    C.append(case('err_lrn_size0_rank3', lrn(0), 'train', inp([2, 3, 4], 511)))
    C.append(case('err_lrn_size0_rank4', lrn(0), 'train', inp([2, 3, 4, 2], 512)))
    return C


# ---------------------------------------------------------------------------------------------
# Conversions: BatchNorm folding and parameter counts


def fold_cases():
    out = []
    for id, conv_shape, x_shape, seed, stride, padding in (
            ('conv2d_bn2d', [4, 3, 3, 3], [2, 3, 5, 5], 600, 1, 0),
            ('linear_bn1d', [5, 4], [3, 4], 601, 1, 0),
            ('conv1d_bn1d_nobias', [3, 2, 2], [2, 2, 6], 602, 1, 0),
            ('conv2d_stride2_pad1_bn2d', [3, 2, 3, 2], [1, 2, 5, 4], 603, 2, 1),
            ('conv3d_bn3d', [2, 2, 2, 2, 2], [1, 2, 3, 3, 3], 604, 1, 1)):
        c_out = conv_shape[0]
        w = gen(seed, conv_shape, 0.5)
        b = None if 'nobias' in id else gen(seed + 1, [c_out], 0.5)
        x = gen(seed + 2, x_shape)
        bnw, bnb = gen(seed + 3, [c_out], 0.5, 1.0), gen(seed + 4, [c_out], 0.5)
        rm, rv = gen(seed + 5, [c_out], 0.5), gen(seed + 6, [c_out]).abs() + 0.3
        eps = 1e-3

        def compute(dtype):
            xd, wd = x.to(dtype), w.to(dtype)
            bd = b.to(dtype) if b is not None else None
            if len(conv_shape) == 2:
                z = F.linear(xd, wd, bd)
            else:
                conv = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[len(conv_shape)]
                z = conv(xd, wd, bd, stride=stride, padding=padding)
            return z, F.batch_norm(z, rm.to(dtype), rv.to(dtype), bnw.to(dtype), bnb.to(dtype), False, 0.1, eps)

        (z32, y32), (z64, y64) = compute(torch.float32), compute(torch.float64)
        out.append({'id': id, 'convWeight': {'shape': conv_shape, 'data': f32list(w)},
                    'convBias': f32list(b) if b is not None else None,
                    'bn': {'weight': f32list(bnw), 'bias': f32list(bnb), 'runningMean': f32list(rm),
                           'runningVar': f32list(rv), 'eps': eps},
                    'input': {'shape': x_shape, 'data': f32list(x)}, 'stride': stride, 'padding': padding,
                    'layerOutput': {'shape': list(z32.shape), 'data': f32list(z32)}, 'layerTol': tol_of(z32, z64),
                    'expected': {'shape': list(y32.shape), 'data': f32list(y32)},
                    'tol': tol_of(y32, y64)})
    return out


def count_cases():
    specs = [
        ('BatchNorm2d(64)', bn(64, (4,)), nn.BatchNorm2d(64)),
        ('BatchNorm1d(10, affine=False)', bn(10, affine=False), nn.BatchNorm1d(10, affine=False)),
        ('BatchNorm3d(8, track_running_stats=False)', bn(8, (5,), track=False),
         nn.BatchNorm3d(8, track_running_stats=False)),
        ('LayerNorm(768)', lnorm([768]), nn.LayerNorm(768)),
        ('LayerNorm([4, 5], elementwise_affine=False)', lnorm([4, 5], affine=False),
         nn.LayerNorm([4, 5], elementwise_affine=False)),
        ('GroupNorm(32, 256)', gnorm(32, 256), nn.GroupNorm(32, 256)),
        ('InstanceNorm2d(16)', inorm(16, 4), nn.InstanceNorm2d(16)),
        ('InstanceNorm1d(16, affine=True, track_running_stats=True)', inorm(16, 3, affine=True, track=True),
         nn.InstanceNorm1d(16, affine=True, track_running_stats=True)),
        ('LocalResponseNorm(5)', lrn(5), nn.LocalResponseNorm(5)),
    ]
    out = []
    for name, spec, m in specs:
        params = sum(p.numel() for p in m.parameters())
        buffers = sum(b.numel() for b in m.buffers())
        nbytes = sum(p.numel() * p.element_size() for p in m.parameters()) + \
            sum(b.numel() * b.element_size() for b in m.buffers())
        out.append({'id': name, 'spec': spec, 'parameters': params, 'buffers': buffers, 'bytes': nbytes,
                    'names': [n for n, _ in m.named_parameters()] + [n for n, _ in m.named_buffers()]})
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    groups = {
        'batch_norm': batch_norm_cases,
        'instance_norm': instance_norm_cases,
        'group_norm': group_norm_cases,
        'layer_norm': layer_norm_cases,
        'rms_norm': rms_norm_cases,
        'local_response_norm': lrn_cases,
    }
    meta = {'torch': torch.__version__, 'generator': 'scripts/gen_golden.py'}
    total = 0
    for name, fn in groups.items():
        cases = [finish(c) for c in fn()]
        total += len(cases)
        with open(os.path.join(OUT_DIR, name + '.json'), 'w') as f:
            json.dump({'meta': meta, 'cases': cases}, f, separators=(',', ':'))
            f.write('\n')
    with open(os.path.join(OUT_DIR, 'conversions.json'), 'w') as f:
        json.dump({'meta': meta, 'fold': fold_cases(), 'counts': count_cases()}, f, separators=(',', ':'))
        f.write('\n')
    print('wrote %d layer cases to %s' % (total, os.path.normpath(OUT_DIR)), file=sys.stderr)


if __name__ == '__main__':
    main()
