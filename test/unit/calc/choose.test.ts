import { strict as assert } from 'node:assert';
import { chooseNormalization, validateBatchSize, RELIABLE_BATCH, SMALL_BATCH } from '../../../src/calc/choose';

function pick(req: Parameters<typeof chooseNormalization>[0]) {
  const r = chooseNormalization(req);
  assert.ok(r.ok, (r as { message?: string }).message);
  return r;
}

describe('calc/chooseNormalization', () => {
  it('CNN with a large batch → BatchNorm; with a tiny batch → GroupNorm(32); tiny per device but many devices → SyncBatchNorm', () => {
    assert.equal(pick({ architecture: 'cnn', batchPerDevice: 64 }).value.recommended, 'BatchNorm');
    assert.equal(pick({ architecture: 'cnn', batchPerDevice: RELIABLE_BATCH }).value.recommended, 'BatchNorm');
    const small = pick({ architecture: 'cnn', batchPerDevice: 2 });
    assert.equal(small.value.recommended, 'GroupNorm');
    assert.match(small.value.setting!, /32 groups/);
    assert.ok(small.value.reasons.some((r) => /noisy/.test(r)));
    assert.equal(pick({ architecture: 'cnn', batchPerDevice: 4, devices: 8 }).value.recommended, 'SyncBatchNorm');
    assert.equal(pick({ architecture: 'cnn', batchPerDevice: SMALL_BATCH }).value.recommended, 'BatchNorm');
  });

  it('transformers → LayerNorm, pre-norm, with RMSNorm as the alternative; RNNs → LayerNorm', () => {
    const t = pick({ architecture: 'transformer', batchPerDevice: 32, variableLengths: true, inferenceBatch: 1 });
    assert.equal(t.value.recommended, 'LayerNorm');
    assert.equal(t.value.setting, 'pre-norm');
    assert.deepEqual(
      t.value.alternatives.map((a) => a.name),
      ['RMSNorm'],
    );
    assert.ok(
      t.value.reasons.some((r) => /padding/.test(r)),
      'variable lengths reason',
    );
    assert.ok(t.value.reasons.some((r) => /train\/eval mismatch/.test(r)));
    assert.ok(t.value.reasons.some((r) => /Post-norm/.test(r)));
    assert.equal(pick({ architecture: 'rnn', batchPerDevice: 128 }).value.recommended, 'LayerNorm');
    assert.match(t.markdown, /^### Use LayerNorm \(pre-norm\)/);
    assert.match(t.text, /^Use LayerNorm \(pre-norm\)\nTransformer, batch 32 per device, variable sequence lengths, inference batch 1/);
  });

  it('every reason is a sentence and BatchNorm choices carry the eval-mode caution', () => {
    const r = pick({ architecture: 'cnn', batchPerDevice: 32, inferenceBatch: 1 });
    for (const s of [...r.value.reasons, ...r.value.cautions]) assert.match(s, /^[A-Z].*\.$/);
    assert.ok(r.value.cautions.some((c) => /eval mode/.test(c)));
    assert.ok(r.value.reasons.some((c) => /inference batch of 1 is fine/.test(c)));
  });

  it('GAN/style → InstanceNorm with the affine=False caution; MLP small batch → LayerNorm', () => {
    const g = pick({ architecture: 'gan', batchPerDevice: 1 });
    assert.equal(g.value.recommended, 'InstanceNorm');
    assert.ok(g.value.cautions.some((c) => /affine=True/.test(c)));
    assert.equal(pick({ architecture: 'mlp', batchPerDevice: 4 }).value.recommended, 'LayerNorm');
  });

  it('validates the batch size', () => {
    assert.equal(validateBatchSize('0'), 'batch size must be at least 1');
    assert.equal(validateBatchSize('2.5'), "batch size must be a whole number (got '2.5')");
    assert.equal(validateBatchSize('16'), null);
    const bad = chooseNormalization({ architecture: 'cnn', batchPerDevice: 0 });
    assert.deepEqual(bad, { ok: false, message: 'batch size per device must be a whole number ≥ 1 (got 0)' });
  });
});
