import { strict as assert } from 'node:assert';
import { perGroupCount, validatePerGroup } from '../../../src/calc/normalize';
import { countTyped, typedLayerProblem } from '../../../src/calc/count';

describe('calculators: each field checked against the others as it is typed', () => {
  it('γ, β and running statistics: one number or one per channel of the values typed before', () => {
    // Values typed as (N, C) = (3, 2): two channels.
    const c = perGroupCount('batch_norm', [3, 2], 1);
    assert.equal(c, 2);
    assert.equal(validatePerGroup('1 2', c, 'γ', 'channel'), null);
    assert.equal(validatePerGroup('0.5', c, 'γ', 'channel'), null);
    assert.equal(validatePerGroup('1 2 3', c, 'γ', 'channel'), 'γ: 3 values for 2 channels; give one number or 2 (one per channel, index 0 to 1)');
    assert.equal(validatePerGroup('1 -1', c, 'running variance', 'channel', true), 'running variance cannot be negative');
    assert.match(validatePerGroup('1 x', c, 'γ', 'channel')!, /x/);
    // Channels last, and LayerNorm over the trailing dimensions.
    assert.equal(perGroupCount('group_norm', [2, 5, 5, 6], -1), 6);
    assert.equal(perGroupCount('layer_norm', [2, 3, 4], undefined, 2), 12);
    assert.equal(perGroupCount('rms_norm', [2, 3, 4]), 4);
  });

  it('Count Parameters: a name needs a value, and what PyTorch refuses to build is said before any other step', () => {
    assert.equal(
      typedLayerProblem('BatchNorm2d(planes)'),
      'num_features=planes: a name or expression has a value only when the code runs; type the number (e.g. BatchNorm2d(64))',
    );
    assert.equal(
      typedLayerProblem('GroupNorm(32, 100)'),
      'PyTorch refuses to build it: num_channels=100 cannot be split into num_groups=32 equal groups; group counts that divide 100 nearby: 25, 50.',
    );
    assert.equal(typedLayerProblem('GroupNorm(32, 96)'), null);
    assert.equal(typedLayerProblem('BatchNorm2d(64)'), null);
    assert.match(typedLayerProblem('BatchNorm2d(64')!, /not closed/);
    assert.match(typedLayerProblem('Conv2d(3, 8)')!, /not a normalization layer/);
    const r = countTyped('GroupNorm(32, 100)');
    assert.equal(r.ok, false);
    const ok = countTyped('GroupNorm(32, 96)');
    assert.ok(ok.ok && ok.value.parameters === 192);
  });
});
