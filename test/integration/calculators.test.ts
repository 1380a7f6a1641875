import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/explain/commands';

interface CalcCommandResult {
  ok: boolean;
  message?: string;
  markdown?: string;
  copyText?: string;
  // Each calculator returns its own result shape; the tests read the fields they check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  value?: any;
  uri?: string;
}

async function run(command: string, args: Record<string, unknown>): Promise<CalcCommandResult> {
  const r = await vscode.commands.executeCommand<CalcCommandResult>(command, { show: false, ...args });
  assert.ok(r, `${command} returned a result`);
  return r;
}

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol;

describe('calculator commands', () => {
  before(async () => {
    await vscode.extensions.getExtension('normlens.normlens')!.activate();
  });

  it('are contributed in the NormLens category and registered', async () => {
    const pkg = vscode.extensions.getExtension('normlens.normlens')!.packageJSON;
    const contributed = (pkg.contributes.commands as { command: string; category: string }[]).filter((c) => c.command.startsWith('normlens.calc.'));
    assert.ok(contributed.length >= 6, `six calculators contributed, got ${contributed.map((c) => c.command)}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.strictEqual(c.category, 'NormLens');
      assert.ok(registered.has(c.command), `${c.command} is registered`);
    }
  });

  it('normalize values: BatchNorm in training mode standardizes each column', async () => {
    // eps 1e-5: PyTorch 2.13 (which the calculator follows) refuses eps <= 0 for BatchNorm in training.
    const r = await run(COMMANDS.normalize.id, {
      kind: 'batch_norm',
      values: [
        [1, 10],
        [3, 14],
        [5, 18],
      ],
      eps: 1e-5,
      gamma: 1,
      beta: 0,
      mode: 'train',
    });
    assert.ok(r.ok, r.message);
    // Column 0: mean 3, biased variance 8/3; column 1: mean 14, biased variance 32/3.
    const s0 = Math.sqrt(8 / 3);
    const s1 = Math.sqrt(32 / 3);
    const expected = [-2 / s0, -4 / s1, 0, 0, 2 / s0, 4 / s1];
    const out = r.value.output as number[];
    expected.forEach((e, i) => assert.ok(close(out[i], e, 1e-5), `output[${i}] = ${out[i]}, expected ${e}`));
    assert.ok(close(r.value.groups[0].mean, 3) && close(r.value.groups[1].mean, 14));
    assert.ok(close(r.value.groups[0].variance, 8 / 3, 1e-5) && close(r.value.groups[1].variance, 32 / 3, 1e-4));
  });

  it('port a layer: PyTorch BatchNorm2d into Keras with its weight order and a snippet', async () => {
    const r = await run(COMMANDS.port.id, { layer: 'torch.nn.BatchNorm2d', kwargs: { num_features: 8 }, to: 'keras', inputShape: [4, 8, 5, 5] });
    assert.ok(r.ok, r.message);
    const plan = r.value as { constructor: string; targetOrder: string[] };
    assert.strictEqual(plan.constructor, 'keras.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-05)');
    assert.deepStrictEqual(plan.targetOrder, ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    assert.match(r.copyText ?? '', /dst\.set_weights\(\[/);
  });

  it('normalize values: a ragged array gets a specific message, not a result', async () => {
    const r = await run(COMMANDS.normalize.id, { kind: 'layer_norm', values: '[[1, 2, 3], [4, 5]]', eps: 1e-5, gamma: 1, beta: 0 });
    assert.strictEqual(r.ok, false);
    assert.match(r.message ?? '', /row|length|ragged|values/i);
  });

  it('fold BatchNorm: folded weight and bias follow γ/√(var+ε) and β − mean·γ/√(var+ε)', async () => {
    const r = await run(COMMANDS.fold.id, {
      weightShape: [2, 1, 1, 1],
      weight: [1, 2],
      bias: null,
      gamma: [2, 3],
      beta: [0.5, -1],
      runningMean: [1, 2],
      runningVar: [4, 9],
      eps: 0,
      seed: 0,
    });
    assert.ok(r.ok, r.message);
    // scale = [2/2, 3/3] = [1, 1]; weight unchanged; bias = β − mean·scale.
    assert.deepStrictEqual(
      r.value.foldedWeight.map((x: number) => Number(x.toFixed(6))),
      [1, 2],
    );
    assert.deepStrictEqual(
      r.value.foldedBias.map((x: number) => Number(x.toFixed(6))),
      [-0.5, -3],
    );
    assert.ok(r.value.check.maxAbsDiff < 1e-4, `conv+BN vs folded conv differ by ${r.value.check.maxAbsDiff}`);
  });

  it('running statistics: momentum 0.1 reaches 1% of the mean in ⌈ln 0.01 / ln 0.9⌉ steps', async () => {
    const r = await run(COMMANDS.simulate.id, {
      convention: 'new-weight',
      storedVariance: 'unbiased',
      momentum: 0.1,
      dataMean: 1,
      dataVar: 4,
      batchSize: 32,
      tolerancePct: 1,
    });
    assert.ok(r.ok, r.message);
    assert.strictEqual(r.value.mean.closedForm, Math.ceil(Math.log(0.01) / Math.log(0.9)));
  });

  it('convert momentum: PyTorch 0.1 is Keras 0.9 (and back)', async () => {
    const r = await run(COMMANDS.momentum.id, { from: 'pytorch', to: 'keras', value: 0.1 });
    assert.ok(r.ok, r.message);
    assert.ok(close(r.value.converted, 0.9, 1e-12), `converted ${r.value.converted}`);
    const back = await run(COMMANDS.momentum.id, { from: 'keras', to: 'pytorch', value: 0.99 });
    assert.ok(close(back.value.converted, 0.01, 1e-12), `converted ${back.value.converted}`);
    const bad = await run(COMMANDS.momentum.id, { from: 'pytorch', to: 'keras', value: 1.5 });
    assert.strictEqual(bad.ok, false);
    assert.match(bad.message ?? '', /between 0 and 1/);
  });

  it('count parameters: γ and β per channel or feature, running statistics as buffers', async () => {
    const bn = await run(COMMANDS.count.id, { layer: 'nn.BatchNorm2d(64)', framework: 'pytorch', dtypeBytes: 4 });
    assert.ok(bn.ok, bn.message);
    assert.strictEqual(bn.value.parameters, 2 * 64);
    assert.ok(bn.value.buffers >= 2 * 64, `running mean and var are buffers (${bn.value.buffers})`);
    const ln = await run(COMMANDS.count.id, { layer: 'nn.LayerNorm([768])', framework: 'pytorch', dtypeBytes: 2 });
    assert.strictEqual(ln.value.parameters, 2 * 768);
    assert.strictEqual(ln.value.buffers, 0);
    const noAffine = await run(COMMANDS.count.id, { layer: 'nn.InstanceNorm2d(64)', framework: 'pytorch' });
    assert.strictEqual(noAffine.value.parameters, 0);
    const bad = await run(COMMANDS.count.id, { layer: 'nn.Conv2d(3, 64, 3)', framework: 'pytorch' });
    assert.strictEqual(bad.ok, false);
  });

  it('choose a normalization: a CNN with 2 images per GPU is steered away from BatchNorm', async () => {
    const small = await run(COMMANDS.choose.id, { architecture: 'cnn', batchPerDevice: 2 });
    assert.ok(small.ok, small.message);
    assert.strictEqual(small.value.recommended, 'GroupNorm');
    const big = await run(COMMANDS.choose.id, { architecture: 'cnn', batchPerDevice: 64 });
    assert.strictEqual(big.value.recommended, 'BatchNorm');
    const tr = await run(COMMANDS.choose.id, { architecture: 'transformer', batchPerDevice: 8, variableLengths: true });
    assert.ok(['LayerNorm', 'RMSNorm'].includes(tr.value.recommended), tr.value.recommended);
  });

  it('shows the result as a readable Markdown document', async () => {
    const r = await vscode.commands.executeCommand<CalcCommandResult>(COMMANDS.normalize.id, {
      kind: 'layer_norm',
      values: [[1, 2, 3, 4]],
      eps: 1e-5,
      gamma: 1,
      beta: 0,
    });
    assert.ok(r?.ok && r.uri, 'shown with a URI');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(r.uri));
    const text = doc.getText();
    assert.match(text, /LayerNorm/);
    // mean 2.5, variance 1.25 of [1, 2, 3, 4]
    assert.match(text, /2\.5000/);
    assert.match(text, /1\.2500/);
    await vscode.commands.executeCommand(COMMANDS.copyLastResult.id);
    const copied = await vscode.env.clipboard.readText();
    assert.match(copied, /-1\.34/);
  });
});
