// The page's side of the worker protocol: an engine that aborted (out of memory) is reported once,
// with the worker's message, so the page restarts it; other errors only reject their request.
import { describe, expect, it } from 'vitest';
import { Cancelled, EngineClient } from '../../web/engine-client.js';
import { earlyAnalysis } from '../../web/early-analysis.js';

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

  it("keeps the first view's early analysis through the refresh that takes it, once", async () => {
    const client = new EngineClient(fakeWorker);
    const first = earlyAnalysis(client);
    first.ask('key', { plan: { block: 64 }, prompt: 'Once' });
    const [asked] = client.worker.sent;
    expect(asked).toMatchObject({ verb: 'analyze', args: { prompt: 'Once', existingOnly: true } });
    const other = client.request('threads', {});
    // A refresh at another key cancels it with the rest; at its key it is spared.
    expect(first.keep('other')).toEqual([]);
    expect(client.cancelAll(first.keep('key'))).toEqual([other.id]);
    client.receive({ id: asked.id, result: { analysis: 'early' } });
    expect(first.take('other', () => 'asked again')).toBeNull();  // a state that moved asks anew
    first.ask('key', {});
    client.receive({ id: client.worker.sent.at(-1).id, result: { analysis: 'early' } });
    await expect(first.take('key', () => 'asked again')).resolves.toEqual({ analysis: 'early' });
    expect(first.take('key', () => 'asked again')).toBeNull();  // once
  });

  it('asks again when the worker refused the early analysis, and a cancel stays a cancel', async () => {
    const client = new EngineClient(fakeWorker);
    const first = earlyAnalysis(client);
    first.ask('key', {});
    client.receive({ id: client.worker.sent.at(-1).id, error: 'not distilled yet' });
    await expect(first.take('key', async () => 'asked again')).resolves.toBe('asked again');
    first.ask('key', {});
    client.receive({ id: client.worker.sent.at(-1).id, error: 'cancelled', cancelled: true });
    await expect(first.take('key', async () => 'asked again')).rejects.toBeInstanceOf(Cancelled);
  });
});
