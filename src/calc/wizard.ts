/**
 * Multi-step input for the calculators, without `vscode`: a calculator asks its questions in
 * order (text fields and picks); the wizard numbers them (step i of n), lets the person go Back,
 * keeps every answer given (going back and forward again shows them prefilled), and when the
 * calculator fails at the end it goes back to the last step with the message instead of losing
 * what was typed.
 *
 * Back works by replay: the calculator runs again from the start, and the steps before the one
 * to show are answered from the recorded answers without showing anything (the questions are a
 * function of the earlier answers, so the same steps come back in the same order).
 */

/** One text step as the UI shows it. `value` is prefilled; `error` is shown at once (from the last try). */
export interface TextStep {
  title: string;
  prompt: string;
  value?: string;
  placeHolder?: string;
  validate: (text: string) => string | null;
  step: number;
  totalSteps: number;
  canGoBack: boolean;
  error?: string;
}

export interface PickItem<T> {
  label: string;
  detail?: string;
  description?: string;
  value: T;
}

export interface PickStep<T> {
  title: string;
  placeHolder: string;
  items: PickItem<T>[];
  /** Label of the item to put first and select (a kept answer, or the layer's). */
  active?: string;
  step: number;
  totalSteps: number;
  canGoBack: boolean;
  error?: string;
}

/** What the UI answers: the text or item, BACK (for text, with what was typed), or undefined when dismissed. */
export const BACK = Symbol('back');
export interface BackWithText {
  back: typeof BACK;
  /** The text in the box when Back was pressed, valid or not: it is shown again on the way forward. */
  typed: string;
}
export interface WizardUI {
  text(step: TextStep): Promise<string | BackWithText | typeof BACK | undefined>;
  pick<T>(step: PickStep<T>): Promise<PickItem<T> | typeof BACK | undefined>;
}

/** Thrown when the person dismisses a step: the calculator ends quietly. */
export class Cancelled extends Error {}
/** Thrown (and caught by `runWizard`) to go back to an earlier step. */
class GoBack extends Error {
  constructor(readonly toStep: number) {
    super('back');
  }
}

export class Wizard {
  /** Answers by step index: text, or the picked item's label. */
  private readonly answers: (string | undefined)[] = [];
  private replayUntil = 0;
  private error: { step: number; message: string } | undefined;
  private step = 0;
  /** Steps shown in the longest run so far: the total shown as "step i of n". */
  private total: number;

  constructor(
    private readonly ui: WizardUI,
    estimatedSteps: number,
  ) {
    this.total = estimatedSteps;
  }

  /** Steps asked in the current run. */
  get asked(): number {
    return this.step;
  }

  async text(o: { title: string; prompt: string; value?: string; placeHolder?: string; validate: (text: string) => string | null }): Promise<string> {
    const i = this.step++;
    const kept = this.answers[i];
    if (i < this.replayUntil && kept !== undefined && o.validate(kept) === null) return kept;
    this.total = Math.max(this.total, i + 1);
    const error = this.error?.step === i ? this.error.message : undefined;
    this.error = undefined;
    const r = await this.ui.text({ ...o, value: kept ?? o.value, step: i + 1, totalSteps: this.total, canGoBack: i > 0, error });
    if (r === BACK) throw new GoBack(i - 1);
    if (r === undefined) throw new Cancelled();
    if (typeof r === 'object') {
      this.answers[i] = r.typed;
      throw new GoBack(i - 1);
    }
    this.answers[i] = r;
    return r;
  }

  async pick<T>(title: string, placeHolder: string, items: PickItem<T>[], preferred?: string): Promise<T> {
    const i = this.step++;
    const kept = this.answers[i];
    const keptItem = kept === undefined ? undefined : items.find((x) => x.label === kept);
    if (i < this.replayUntil && keptItem) return keptItem.value;
    this.total = Math.max(this.total, i + 1);
    const error = this.error?.step === i ? this.error.message : undefined;
    this.error = undefined;
    const r = await this.ui.pick({
      title,
      placeHolder,
      items,
      active: keptItem?.label ?? preferred,
      step: i + 1,
      totalSteps: this.total,
      canGoBack: i > 0,
      error,
    });
    if (r === BACK) throw new GoBack(i - 1);
    if (r === undefined) throw new Cancelled();
    this.answers[i] = r.label;
    return r.value;
  }

  /**
   * Runs `calc` until it gives an outcome: Back replays up to the step before; a failed outcome
   * after questions goes back to the last step with the message (at most `maxRetries` times).
   */
  async run<R extends { ok: boolean; message?: string }>(calc: () => Promise<R>, maxRetries = 50): Promise<R> {
    for (let tries = 0; ; tries++) {
      this.step = 0;
      let outcome: R;
      try {
        outcome = await calc();
      } catch (e) {
        if (e instanceof GoBack && tries < maxRetries) {
          this.replayUntil = Math.max(0, e.toStep);
          continue;
        }
        throw e;
      }
      if (!outcome.ok && this.step > 0 && tries < maxRetries) {
        // Keep everything typed: show the last step again with the message.
        this.replayUntil = this.step - 1;
        this.error = { step: this.step - 1, message: outcome.message ?? 'the calculation failed' };
        continue;
      }
      return outcome;
    }
  }
}
