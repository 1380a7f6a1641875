import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { check, fixed, positionOf, underlined } from './helpers';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const read = (name: string) => readFileSync(path.join(EXAMPLES, name), 'utf8');

/** Offset of `needle` inside the first line of `src` that contains `line`. */
function offsetIn(src: string, line: string, needle: string): number {
  const at = src.indexOf(line);
  assert.ok(at >= 0, `line not found: ${line}`);
  const inner = line.indexOf(needle);
  assert.ok(inner >= 0, `${needle} not in ${line}`);
  return at + inner;
}

interface Expect {
  code: string;
  severity: string;
  line: string;
  text: string;
}

function expectDiagnostics(file: string, expected: Expect[]) {
  const src = read(file);
  const ds = check(src);
  assert.deepEqual(
    ds.map((d) => ({ code: d.code, severity: d.severity, start: d.range.start, text: underlined(src, d) })),
    expected.map((e) => ({ code: e.code, severity: e.severity, start: positionOf(src, offsetIn(src, e.line, e.text)), text: e.text })),
  );
  // Every fix removes its diagnostic and introduces no other.
  for (const d of ds) {
    for (let i = 0; i < d.fixes.length; i++) {
      const after = check(fixed(src, d, i));
      assert.equal(after.length, ds.length - 1, `${d.code} fix ${i}`);
      assert.ok(!after.some((x) => x.code === d.code && x.range.startOffset === d.range.startOffset), `${d.code} fix ${i}`);
    }
  }
  return ds;
}

describe('rules on the shipped examples', () => {
  it('resnet_block.py: the conv bias before bn1 and the Keras-style momentum of bn2', () => {
    const ds = expectDiagnostics('resnet_block.py', [
      { code: 'conv-bias-before-bn', severity: 'info', line: 'self.conv1 = nn.Conv2d(in_channels, out_channels', text: 'Conv2d' },
      { code: 'momentum-convention', severity: 'warning', line: 'self.bn2 = nn.BatchNorm2d(out_channels, momentum=0.99)', text: '0.99' },
    ]);
    assert.equal(ds[1].fixes[0].edits[0].newText, '0.01');
  });

  it('transformer.py and flax_model.py: nothing to report', () => {
    expectDiagnostics('transformer.py', []);
    expectDiagnostics('flax_model.py', []);
  });

  it('keras_model.py: bias before BatchNormalization and PyTorch-style momentum', () => {
    const ds = expectDiagnostics('keras_model.py', [
      { code: 'conv-bias-before-bn', severity: 'info', line: 'x = layers.Conv2D(128, 3, padding="same")(x)', text: 'Conv2D' },
      { code: 'momentum-convention', severity: 'warning', line: 'layers.BatchNormalization(momentum=0.1, epsilon=1e-5)', text: '0.1' },
    ]);
    assert.equal(ds[1].fixes[0].edits[0].newText, '0.9');
  });

  it('groupnorm_unet.py: 80 channels in 32 groups, and 160 channels after a 320-channel conv', () => {
    const ds = expectDiagnostics('groupnorm_unet.py', [
      { code: 'groupnorm-divisibility', severity: 'error', line: 'nn.GroupNorm(32, 80)', text: '32' },
      { code: 'channel-mismatch', severity: 'error', line: 'nn.GroupNorm(32, 160),\n            nn.SiLU(),\n        )', text: '160' },
    ]);
    assert.deepEqual(
      ds[0].fixes.map((f) => f.edits[0].newText),
      ['40', '20'],
    );
    assert.deepEqual(
      ds[1].fixes.map((f) => f.edits[0].newText),
      ['320'],
    );
  });
});
