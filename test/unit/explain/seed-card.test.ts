import { strict as assert } from 'node:assert';
import { explainLayer } from '../../../src/explain/hover';
import { chooseNormalization } from '../../../src/calc/choose';
import { simulateRunningStats } from '../../../src/calc/simulate';
import { makeLayer } from './layers';

/**
 * Every concept of the glossary card the product grew from must be explained somewhere the
 * person can see it: in a hover, a pitfall or a calculator's answer.
 */
describe('explain: every concept of the batch-normalization card is covered', () => {
  const o = { decimals: 4, seed: 0 };
  const bn = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [64]), o).markdown;
  const ln = explainLayer(makeLayer('torch.nn.LayerNorm', 'nn.LayerNorm', [768]), o).markdown;
  const rms = explainLayer(makeLayer('torch.nn.RMSNorm', 'nn.RMSNorm', [768]), o).markdown;
  const gn = explainLayer(makeLayer('torch.nn.GroupNorm', 'nn.GroupNorm', [32, 64]), o).markdown;
  const ok = <T>(r: { ok: true; value: T; text: string } | { ok: false; message: string }) => {
    assert.ok(r.ok);
    return r.text;
  };
  const cnnBig = ok(chooseNormalization({ architecture: 'cnn', batchPerDevice: 64 }));
  const cnnSmall = ok(chooseNormalization({ architecture: 'cnn', batchPerDevice: 2 }));
  const transformer = ok(chooseNormalization({ architecture: 'transformer', batchPerDevice: 8, variableLengths: true }));
  const rnn = ok(chooseNormalization({ architecture: 'rnn', batchPerDevice: 32 }));
  const noisy = ok(
    simulateRunningStats({
      momentum: 0.1,
      convention: 'new-weight',
      storedVariance: 'unbiased',
      dataMean: 1,
      dataVar: 1,
      batchSize: 4,
      tolerancePct: 5,
      noise: true,
      seed: 1,
      maxSteps: 50,
    }),
  );

  const concepts: [string, string, RegExp][] = [
    ['normalize across the batch', bn, /Across the batch:\*\* one mean and variance per channel, over N·H·W/],
    ['batch statistics formula with ε', bn, /y = \(x − mean\) \/ √\(var \+ ε\) · γ \+ β\nε = 1e-05/],
    ['learnable γ and β, and why scale and shift', bn, /γ = σ, β = μ gives back the input/],
    ['running statistics for inference', bn, /\*\*Eval:\*\* the running mean and var are used instead/],
    ['internal covariate shift', bn, /internal covariate shift/],
    ['batch dependency / small batches give noisy statistics', bn, /Small batches give noisy statistics/],
    ['batch size 1', bn, /Expected more than 1 value per channel when training/],
    ['train/eval mismatch', bn, /Train\/eval mismatch/],
    ['LayerNorm across features, for transformers', ln, /Across the features:\*\* one mean and variance per sample \(per token\)/],
    ['LayerNorm works with variable sequences and batch size 1', ln, /batch size 1 and variable sequence lengths work, and there is no train\/eval mismatch/],
    ['pre-norm vs post-norm', ln, /pre-norm \(x \+ F\(norm\(x\)\)\) trains deep stacks stably; post-norm/],
    ['RMSNorm: no mean subtraction, for efficiency', rms, /No mean subtraction and no β: cheaper than LayerNorm/],
    ['GroupNorm for small batches', gn, /small batches per device/],
    ['rule of thumb: CNN → BatchNorm', cnnBig, /^Use BatchNorm/],
    ['rule of thumb: small-batch CNN → GroupNorm', cnnSmall, /^Use GroupNorm/],
    ['rule of thumb: transformers → LayerNorm, pre-norm, variable lengths', transformer, /^Use LayerNorm \(pre-norm\)[\s\S]*padding/],
    ['rule of thumb: RNN → LayerNorm', rnn, /^Use LayerNorm/],
    ['small batches → noisy running statistics', noisy, /smaller batches make the batch statistics, and so the running ones, noisier/],
  ];
  for (const [name, text, pattern] of concepts) {
    it(name, () => assert.match(text, pattern));
  }
});
