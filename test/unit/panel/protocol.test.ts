import { strict as assert } from 'node:assert';
import { parseHostMessage, parseWebviewMessage, parseOpenRequest, parsePanelState, PROTOCOL_VERSION, MAX_ELEMENTS } from '../../../src/protocol';
import { initialState } from '../../../src/webview/edit';

const reason = (r: { ok: boolean; reason?: string }) => {
  assert.equal(r.ok, false, 'expected the message to be rejected');
  return r.reason as string;
};

describe('panel protocol: host → webview', () => {
  it('accepts an open request with framework, kind and Python-literal args', () => {
    const r = parseHostMessage({
      type: 'open',
      request: {
        framework: 'pytorch',
        kind: 'group_norm',
        args: { num_groups: 8, num_channels: 64, eps: 1e-5, affine: true, x: { expr: 'n * 2' }, shape: [2, [3, null]] },
      },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      type: 'open',
      request: {
        framework: 'pytorch',
        kind: 'group_norm',
        args: { num_groups: 8, num_channels: 64, eps: 1e-5, affine: true, x: { expr: 'n * 2' }, shape: [2, [3, null]] },
      },
    });
  });
  it('accepts an empty open request and reset', () => {
    assert.deepEqual(parseHostMessage({ type: 'open', request: {} }), { ok: true, value: { type: 'open', request: {} } });
    assert.deepEqual(parseHostMessage({ type: 'reset' }), { ok: true, value: { type: 'reset' } });
  });
  it('rejects non-objects and unknown types with the reason', () => {
    assert.match(reason(parseHostMessage(null)), /must be an object, got null/);
    assert.match(reason(parseHostMessage([1])), /got an array/);
    assert.match(reason(parseHostMessage('open')), /got the string "open"/);
    assert.match(reason(parseHostMessage({ type: 'explode' })), /unknown host message type the string "explode"/);
    assert.match(reason(parseHostMessage({})), /unknown host message type undefined/);
  });
  it('rejects unknown fields, frameworks, kinds and non-literal args specifically', () => {
    assert.match(reason(parseHostMessage({ type: 'reset', extra: 1 })), /"reset" message has an unknown field "extra"/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { framework: 'caffe' } })), /unknown framework the string "caffe"/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { kind: 'weight_norm' } })), /unknown layer kind/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { args: [1, 2] } })), /args must be an object.*got an array/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { args: { eps: Infinity } } })), /argument "eps" is not a Python literal value \(Infinity\)/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { args: { f: { expr: 'a', more: 1 } } } })), /argument "f"/);
    assert.match(reason(parseHostMessage({ type: 'open', request: { framework: 'pytorch', layer: 'x' } })), /unknown field "layer"/);
  });
  it("accepts a layer's placement and rejects a malformed one", () => {
    const ok = parseOpenRequest({ kind: 'layer_norm', placement: { kind: 'pre-norm', addLine: 57 } });
    assert.deepEqual(ok, { ok: true, value: { kind: 'layer_norm', placement: { kind: 'pre-norm', addLine: 57 } } });
    assert.match(reason(parseOpenRequest({ placement: { kind: 'sandwich', addLine: 3 } })), /placement kind must be "pre-norm" or "post-norm"/);
    assert.match(reason(parseOpenRequest({ placement: { kind: 'post-norm', addLine: 0 } })), /placement addLine must be a line number from 1, got 0/);
    assert.match(reason(parseOpenRequest({ placement: { kind: 'post-norm', addLine: 2, at: 1 } })), /placement must be \{ kind, addLine \}/);
  });
  it('rejects absurdly deep argument values instead of recursing without bound', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    assert.match(reason(parseOpenRequest({ args: { a: deep } })), /argument "a" is not a Python literal/);
  });
});

describe('panel protocol: webview → host', () => {
  it('accepts ready, copy and error', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready', version: PROTOCOL_VERSION }), { ok: true, value: { type: 'ready', version: PROTOCOL_VERSION } });
    assert.deepEqual(parseWebviewMessage({ type: 'copy', text: '[1, 2]' }), { ok: true, value: { type: 'copy', text: '[1, 2]' } });
    assert.deepEqual(parseWebviewMessage({ type: 'error', message: 'x' }), { ok: true, value: { type: 'error', message: 'x' } });
  });
  it('rejects wrong versions, wrong field types and unknown fields with the reason', () => {
    assert.match(reason(parseWebviewMessage({ type: 'ready', version: 0 })), /protocol version 0 is not 1/);
    assert.match(reason(parseWebviewMessage({ type: 'ready' })), /protocol version undefined/);
    assert.match(reason(parseWebviewMessage({ type: 'copy', text: 5 })), /text must be a string, got 5/);
    assert.match(reason(parseWebviewMessage({ type: 'error', message: null })), /message must be a string, got null/);
    assert.match(reason(parseWebviewMessage({ type: 'copy', text: 'a', to: 'b' })), /unknown field "to"/);
    assert.match(reason(parseWebviewMessage({ type: 'run', code: 'rm -rf' })), /unknown webview message type/);
  });
});

describe('panel state validation (what survives a reload)', () => {
  it('accepts the initial state and returns a copy', () => {
    const s = initialState();
    const r = parsePanelState(JSON.parse(JSON.stringify(s)));
    assert.ok(r.ok);
    assert.deepEqual(r.value, s);
  });
  it('names the field that is wrong', () => {
    const s = initialState();
    const bad = (patch: Record<string, unknown>) => reason(parsePanelState({ ...s, ...patch }));
    assert.match(bad({ version: 2 }), /version 2 is not 1/);
    assert.match(bad({ framework: 'theano' }), /unknown framework/);
    assert.match(bad({ layout: 'NHWC' }), /unknown layout/);
    assert.match(bad({ shape: [4, 3] }), /layout BSD needs 3 dimensions, shape has 2/);
    assert.match(bad({ shape: [4, 0, 2] }), /positive integers/);
    assert.match(bad({ data: s.data.slice(1) }), /data has 23 values but shape \[4, 3, 2\] needs 24/);
    assert.match(bad({ data: [...s.data.slice(1), 'x'] }), /data\[23\] is the string "x"/);
    assert.match(bad({ data: [NaN, ...s.data.slice(1)] }), /data\[0\] is NaN/);
    assert.match(bad({ eps: -1 }), /eps must be null or a number ≥ 0/);
    assert.match(bad({ momentum: 1.5 }), /momentum must be null or within \[0, 1\]/);
    assert.match(bad({ groups: 0 }), /groups must be a positive integer/);
    assert.match(bad({ focus: 'weight_norm' }), /unknown focus method/);
    assert.match(bad({ trainSteps: 301 }), /trainSteps must be an integer within \[0, 300\], got 301/);
    assert.match(bad({ shape: [64, 64, 17], data: [] }), new RegExp(`69632 elements exceed the limit of ${MAX_ELEMENTS}`));
  });
});
