"""Write test/fixtures/framework-signatures.json: `inspect.signature` of every normalization class and function
of torch 2.13, Keras 3.15.1 and Flax 0.12.8 (linen and nnx), found by walking the public modules, so the framework
table (src/frameworks/table.ts) is compared with the real packages in both directions: every table entry
must match its real signature (names, order, keyword-only or positional, defaults), and every real normalization
class or function must be in the table or listed in the test as deliberately left out.

Run with the frameworks' venv (scripts/setup-frameworks.sh):
    .venv-frameworks/bin/python scripts/gen_framework_signatures.py
NORMLENS_SIGNATURES_OUT redirects the output (the freshness test regenerates into a temporary file).

Also records, for each class, the other importable paths NormLens accepts for it (`aliases`), each checked to
resolve to the same object (e.g. keras.src.layers.normalization.batch_normalization.BatchNormalization).
"""
import importlib
import inspect
import json
import os
import re
import sys
import warnings

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
warnings.filterwarnings('ignore')

import flax  # noqa: E402
import jax  # noqa: E402
import keras  # noqa: E402
import torch  # noqa: E402

OUT = os.environ.get('NORMLENS_SIGNATURES_OUT') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'framework-signatures.json')

# Public modules walked, and the names in them that are normalizations.
MODULES = {
    'torch.nn': re.compile(r'Norm(\dd)?$'),
    'torch.nn.functional': re.compile(r'(_norm|^normalize)$'),
    'keras.layers': re.compile(r'Normalization$'),
    'flax.linen': re.compile(r'Norm$'),
    'flax.nnx': re.compile(r'Norm$'),
    'jax.nn': re.compile(r'^standardize$'),
}
# Other paths under which the table knows the same objects (checked to be the same object).
ALIASES = {
    'torch.nn': ['torch.nn.modules.batchnorm', 'torch.nn.modules.instancenorm', 'torch.nn.modules.normalization'],
    'keras.layers': ['keras.src.layers', 'keras.src.layers.normalization.batch_normalization',
                     'keras.src.layers.normalization.layer_normalization',
                     'keras.src.layers.normalization.group_normalization',
                     'keras.src.layers.normalization.rms_normalization',
                     'keras.src.layers.normalization.unit_normalization',
                     'keras.src.layers.normalization.spectral_normalization'],
    'flax.linen': ['flax.linen.normalization'],
    'flax.nnx': ['flax.nnx.nn.normalization'],
}


def value(v):
    if v is inspect.Parameter.empty:
        return {'required': True}
    if isinstance(v, float) and v != v:
        return {'repr': 'nan'}
    if isinstance(v, (bool, int, float, str)) or v is None:
        return {'default': v}
    if isinstance(v, tuple) and all(isinstance(e, (bool, int, float, str)) or e is None for e in v):
        return {'default': list(v)}
    if inspect.isclass(v) or inspect.isfunction(v) or inspect.isbuiltin(v):
        return {'repr': '%s.%s' % (getattr(v, '__module__', '?'), getattr(v, '__qualname__', repr(v)))}
    # Objects without a literal form: their repr without the memory address, which changes every run.
    return {'repr': re.sub(r' at 0x[0-9a-f]+', '', repr(v))}


def describe(obj):
    is_class = inspect.isclass(obj)
    sig = inspect.signature(obj)
    names = [p.name for p in sig.parameters.values()]
    skip_self = False
    if is_class and names == ['args', 'kwargs']:
        # flax.nnx modules are built by a metaclass whose __call__ hides the constructor's signature.
        sig = inspect.signature(obj.__init__)
        skip_self = True
    params = []
    for i, p in enumerate(sig.parameters.values()):
        if skip_self and i == 0:
            continue
        if p.kind == p.VAR_KEYWORD:
            params.append({'name': p.name, 'kind': 'var_keyword'})
        elif p.kind == p.VAR_POSITIONAL:
            params.append({'name': p.name, 'kind': 'var_positional'})
        else:
            entry = {'name': p.name, 'keywordOnly': p.kind == p.KEYWORD_ONLY}
            if p.kind == p.POSITIONAL_ONLY:
                entry['positionalOnly'] = True
            entry.update(value(p.default))
            params.append(entry)
    return {'form': 'module' if is_class else 'function', 'params': params}


def main():
    out = {
        'versions': {'torch': torch.__version__, 'keras': keras.__version__, 'flax': flax.__version__,
                     'jax': jax.__version__, 'python': '%d.%d' % sys.version_info[:2]},
        'generator': 'scripts/gen_framework_signatures.py',
        'signatures': {},
    }
    for mod_name, pattern in MODULES.items():
        mod = importlib.import_module(mod_name)
        for name in sorted(dir(mod)):
            if name.startswith('_') or not pattern.search(name):
                continue
            obj = getattr(mod, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj) or callable(obj)):
                continue
            entry = describe(obj)
            aliases = []
            for alias_mod in ALIASES.get(mod_name, []):
                try:
                    m = importlib.import_module(alias_mod)
                except ImportError:
                    continue
                if getattr(m, name, None) is obj:
                    aliases.append('%s.%s' % (alias_mod, name))
            entry['aliases'] = aliases
            out['signatures']['%s.%s' % (mod_name, name)] = entry
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print('wrote %d signatures to %s' % (len(out['signatures']), os.path.normpath(OUT)), file=sys.stderr)


if __name__ == '__main__':
    main()
