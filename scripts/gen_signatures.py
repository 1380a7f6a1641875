"""Write the constructor/function signatures of torch 1.13's normalization classes to
test/fixtures/torch-signatures.json; the framework-table tests compare the PyTorch entries to it.
Run with a Python that has torch: /usr/bin/python3 scripts/gen_signatures.py"""
import inspect
import json
import os
import torch
import torch.nn.functional as F

MODULES = ['BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d',
           'SyncBatchNorm', 'LayerNorm', 'GroupNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d',
           'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d', 'RMSNorm', 'LocalResponseNorm']
FUNCTIONS = ['batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'rms_norm', 'local_response_norm', 'normalize']


def value(v):
    if v is inspect.Parameter.empty:
        return {'required': True}
    if isinstance(v, float) and v != v:
        return {'repr': 'nan'}
    if isinstance(v, (bool, int, float, str)) or v is None:
        return {'default': v}
    return {'repr': repr(v)}


def describe(fn, skip_self):
    params = []
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        if skip_self and i == 0:
            continue
        if p.kind == p.VAR_KEYWORD:
            params.append({'name': p.name, 'kind': 'var_keyword'})
            continue
        if p.kind == p.VAR_POSITIONAL:
            params.append({'name': p.name, 'kind': 'var_positional'})
            continue
        entry = {'name': p.name, 'keywordOnly': p.kind == p.KEYWORD_ONLY}
        entry.update(value(p.default))
        params.append(entry)
    return params


out = {'torch': torch.__version__, 'classes': {}, 'missing': []}
for name in MODULES:
    cls = getattr(torch.nn, name, None)
    if cls is None:
        out['missing'].append('torch.nn.' + name)
        continue
    out['classes']['torch.nn.' + name] = describe(cls.__init__, True)
for name in FUNCTIONS:
    fn = getattr(F, name, None)
    if fn is None:
        out['missing'].append('torch.nn.functional.' + name)
        continue
    out['classes']['torch.nn.functional.' + name] = describe(fn, False)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch-signatures.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1, sort_keys=False)
    f.write('\n')
print('wrote', os.path.normpath(path), len(out['classes']), 'signatures; missing:', out['missing'])
