import { strict as assert } from 'node:assert';
import { BACK, Cancelled, Wizard, type PickItem, type PickStep, type TextStep, type WizardUI } from '../../../src/calc/wizard';
import { perGroupCount, validatePerGroup } from '../../../src/calc/normalize';
import { parseNumbers } from '../../../src/calc/parse';

type Shown = { kind: 'text'; step: TextStep } | { kind: 'pick'; step: PickStep<unknown> };

/** A person answering from a script; records every step shown. */
function scripted(answers: (string | typeof BACK | undefined)[]): WizardUI & { shown: Shown[] } {
  const shown: Shown[] = [];
  let i = 0;
  return {
    shown,
    async text(step) {
      shown.push({ kind: 'text', step });
      const a = answers[i++];
      if (a === BACK || a === undefined) return a;
      // The UI refuses Enter on an invalid text: the script must only "press Enter" on valid ones.
      assert.equal(step.validate(a), null, `step ${step.step}: '${a}' is valid`);
      return a;
    },
    async pick<T>(step: PickStep<T>) {
      shown.push({ kind: 'pick', step: step as PickStep<unknown> });
      const a = answers[i++];
      if (a === BACK || a === undefined) return a;
      return step.items.find((x) => x.label === a) as PickItem<T>;
    },
  };
}

/** A small Normalize-like flow: values, then γ checked against the channels of those values, then a mode. */
async function flow(w: Wizard) {
  const values = await w.text({
    title: 't',
    prompt: 'values',
    value: '[[1, 2], [3, 4]]',
    validate: (t) => {
      const r = parseNumbers(t);
      return r.ok ? null : r.message;
    },
  });
  const shape = parseNumbers(values);
  const count = perGroupCount('batch_norm', shape.ok ? shape.shape : [1], 1);
  const gamma = await w.text({ title: 't', prompt: 'γ', value: '1', validate: (t) => validatePerGroup(t, count, 'γ', 'channel') });
  const mode = await w.pick('t', 'mode', [
    { label: 'train', value: 'train' },
    { label: 'eval', value: 'eval' },
  ]);
  return gamma === '0' ? { ok: false, message: 'γ = 0 zeroes every output' } : { ok: true, value: { values, gamma, mode } };
}

describe('calculators: the wizard (steps, Back, answers kept, errors on the last step)', () => {
  it('numbers the steps and goes Back with every answer kept', async () => {
    const ui = scripted(['[[1, 2, 3]]', '1 2 3', BACK, BACK, '[[1, 2], [3, 4]]', '2 3', 'eval']);
    const w = new Wizard(ui, 3);
    const r = await w.run(() => flow(w));
    assert.deepEqual(r, { ok: true, value: { values: '[[1, 2], [3, 4]]', gamma: '2 3', mode: 'eval' } });
    const seen = ui.shown.map((s) => `${s.step.step}/${s.step.totalSteps}${s.step.canGoBack ? '<' : ''} ${s.kind === 'text' ? s.step.value : ''}`);
    assert.deepEqual(seen, [
      '1/3 [[1, 2], [3, 4]]', // the default
      '2/3< 1',
      '3/3< ', // the pick: Back
      '2/3< 1 2 3', // γ as typed; Back again
      '1/3 [[1, 2, 3]]', // the values as typed
      '2/3< 1 2 3', // forward: γ kept, though now invalid for 2 channels...
      '3/3< ',
    ]);
    // ...and the γ step checks it against the values typed before: 3 values for 2 channels is refused as typed.
    const gammaStep = ui.shown.filter((s) => s.kind === 'text' && s.step.prompt === 'γ').pop()!.step as TextStep;
    assert.equal(gammaStep.validate('1 2 3'), 'γ: 3 values for 2 channels; give one number or 2 (one per channel, index 0 to 1)');
    assert.equal(gammaStep.validate('2 3'), null);
  });

  it('a failed calculation goes back to the last step with the message, nothing retyped', async () => {
    const ui = scripted(['[[1, 2], [3, 4]]', '0', 'train', BACK, '1', 'train']);
    const w = new Wizard(ui, 3);
    const r = await w.run(() => flow(w));
    assert.equal(r.ok, true);
    const again = ui.shown[3];
    assert.equal(again.kind, 'pick');
    assert.equal((again.step as PickStep<unknown>).error, 'γ = 0 zeroes every output');
    assert.equal((again.step as PickStep<unknown>).active, 'train', 'the pick made is kept');
    const gamma = ui.shown[4].step as TextStep;
    assert.equal(gamma.value, '0', 'γ as typed');
    // The values step was not shown again.
    assert.equal(ui.shown.filter((s) => s.kind === 'text' && s.step.prompt === 'values').length, 1);
  });

  it('Back keeps even a text that was not valid yet, and shows it on the way forward', async () => {
    const ui = scripted(['[[1, 2], [3, 4]]']);
    let calls = 0;
    const base = ui.text.bind(ui);
    ui.text = async (step) => {
      calls++;
      // On γ the first time: type '1 2 3' (refused for 2 channels) and press Back.
      if (step.prompt === 'γ' && calls === 2) return { back: BACK, typed: '1 2 3' };
      if (step.prompt === 'values' && calls === 3) return '[[1, 2, 3]]';
      if (step.prompt === 'γ' && calls === 4) {
        assert.equal(step.value, '1 2 3', 'the γ typed before Back');
        assert.equal(step.validate(step.value!), null, 'now valid for 3 channels');
        return step.value!;
      }
      return base(step);
    };
    ui.pick = async <T>(step: PickStep<T>) => step.items[0] as PickItem<T>;
    const w = new Wizard(ui, 3);
    const r = await w.run(() => flow(w));
    assert.deepEqual(r, { ok: true, value: { values: '[[1, 2, 3]]', gamma: '1 2 3', mode: 'train' } });
  });

  it('Escape ends it quietly', async () => {
    const w = new Wizard(scripted(['[[1, 2]]', undefined]), 3);
    await assert.rejects(() => w.run(() => flow(w)), Cancelled);
  });
});
