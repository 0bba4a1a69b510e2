// The page's side of the worker protocol: an engine that aborted (out of memory) is reported once,
// with the worker's message, so the page restarts it; other errors only reject their request.
import { describe, expect, it } from 'vitest';
import { EngineClient } from '../../web/engine-client.js';

function fakeWorker() {
  return { sent: [], postMessage(message) { this.sent.push(message); }, terminate() {} };
}

describe('EngineClient', () => {
  it('rejects the request and calls onEngineLost when the engine aborted', async () => {
    const client = new EngineClient(fakeWorker);
    const lost = [];
    client.onEngineLost = (message) => lost.push(message);
    const plain = client.request('analyze', {});
    const fatal = client.request('distill', {});
    client.receive({ id: plain.id, error: 'the prompt is empty' });
    client.receive({ id: fatal.id, error: 'The engine stopped while distilling: step 0 of 300: it ran out of memory', engineLost: true });
    await expect(plain).rejects.toThrow('the prompt is empty');
    await expect(fatal).rejects.toThrow(/ran out of memory/);
    expect(lost).toEqual(['The engine stopped while distilling: step 0 of 300: it ran out of memory']);
  });
});
