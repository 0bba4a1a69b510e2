// How the default model reaches the engine (issue 25): each file's bytes of its total in the
// progress line, one buffer per file handed to the worker and given back (no copy, and a restarted
// engine can load it again), and the distilled students fetched only when asked for.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { download, fetchEarly } from '../../web/assets.js';
import { readdirSync } from 'node:fs';
import { fetchDefaultFiles } from '../../web/default-files.js';
import { READY_MADE_BLOCKS, readyMadeBlock } from '../../web/saved-students.js';
import { createEngineHost } from '../../web/engine-host.js';
import { loadEngineModule, modelFiles } from './load-engine.js';

// A response whose body arrives in chunks of `chunk` bytes, with or without its length.
function response(bytes, { chunk = 1000, length = true, encoding } = {}) {
  let at = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
  const headers = {};
  if (length) headers['content-length'] = String(bytes.length);
  if (encoding) headers['content-encoding'] = encoding;
  return new Response(body, { headers });
}

const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
// Byte equality of large buffers in one comparison: toEqual walks 3 MB element by element (12 s).
const sameBytes = (buffer, bytes) => Buffer.from(buffer).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));

afterEach(() => vi.unstubAllGlobals());

describe('download', () => {
  it('reads a file of known length into one buffer, reporting bytes of the total', async () => {
    const bytes = pattern(10_500);
    vi.stubGlobal('fetch', async () => response(bytes));
    const seen = [];
    const buffer = await download('models/x.bin', '', (done, total) => seen.push([done, total]));
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(buffer)).toEqual(bytes);
    expect(seen.at(-1)).toEqual([10_500, 10_500]);
    expect(seen.every(([done, total], i) => total === 10_500 && (i === 0 || done > seen[i - 1][0]))).toBe(true);
  });

  it('reads a byte stream in place with a BYOB reader, and refuses a body longer than announced', async () => {
    // A byte stream, as a browser's fetch body is (Node's Response wraps its own as a plain one).
    const byteResponse = (bytes, announced) => ({ ok: true, headers: new Headers({ 'content-length': String(announced) }),
      body: (() => {
        let at = 0;  // one piece of 3000 bytes each time the reader asks, as they would arrive
        return new ReadableStream({ type: 'bytes', pull(controller) {
          if (at >= bytes.length) {
            controller.close();
            return controller.byobRequest?.respond(0);  // a byte source answers a waiting read so
          }
          controller.enqueue(bytes.slice(at, at + 3000));
          at += 3000;
        } });
      })() });
    const bytes = pattern(10_500);
    vi.stubGlobal('fetch', async () => byteResponse(bytes, 10_500));
    const seen = [];
    const buffer = await download('models/x.bin', '', (done, total) => seen.push([done, total]));
    expect(sameBytes(buffer, bytes)).toBe(true);
    expect(seen.at(-1)).toEqual([10_500, 10_500]);
    expect(seen.length).toBeGreaterThan(2);  // progress as it arrives, not once at the end
    vi.stubGlobal('fetch', async () => byteResponse(bytes, 10_000));
    await expect(download('models/x.bin', '', () => {})).rejects.toThrow(/longer than its Content-Length of 10000 bytes/);
    vi.stubGlobal('fetch', async () => byteResponse(bytes, 12_000));  // cut short: what arrived
    expect((await download('models/x.bin', '', () => {})).byteLength).toBe(10_500);
  });

  it('reads a file of unknown length, or a compressed one, without claiming a total', async () => {
    for (const options of [{ length: false }, { encoding: 'gzip' }]) {
      const bytes = pattern(3_000_000);
      vi.stubGlobal('fetch', async () => response(bytes, { chunk: 65_536, ...options }));
      const seen = [];
      const buffer = await download('models/x.bin', '', (done, total) => seen.push(total));
      expect(buffer.byteLength).toBe(bytes.length);
      expect(sameBytes(buffer, bytes)).toBe(true);
      expect(seen.every((total) => total === 0)).toBe(true);
    }
  });

  it('takes the response a fetch started early, once; an early fetch that failed is asked again', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => i % 251);
    const asked = [];
    vi.stubGlobal('fetch', async (url) => (asked.push(url), response(bytes)));
    fetchEarly('models/early.bin');
    expect(sameBytes(await download('models/early.bin', 'x', () => {}), bytes)).toBe(true);
    expect(sameBytes(await download('models/early.bin', 'x', () => {}), bytes)).toBe(true);
    expect(asked).toEqual(['models/early.bin', 'models/early.bin']);  // the second download asked anew
    let calls = 0;
    vi.stubGlobal('fetch', async () => (++calls === 1 ? Promise.reject(new TypeError('Failed to fetch')) : response(bytes)));
    fetchEarly('models/early.bin');
    expect(sameBytes(await download('models/early.bin', 'x', () => {}), bytes)).toBe(true);
    expect(calls).toBe(2);
  });

  it('says which file failed and how to fix it', async () => {
    vi.stubGlobal('fetch', async () => new Response('no', { status: 404 }));
    await expect(download('models/default.bin', 'build the page again')).rejects.toThrow(
      /models\/default\.bin could not be fetched \(HTTP 404\): build the page again/);
  });
});

describe('the ready-made students', () => {
  it('are the files of models/distilled/, one a block size, and a view at B takes the nearest', () => {
    const files = readdirSync(new URL('../../models/distilled/', import.meta.url)).filter((f) => f.endsWith('.students'));
    expect(files.map((f) => Number(f.slice(1, -'.students'.length))).sort((a, b) => a - b)).toEqual(READY_MADE_BLOCKS);
    expect([1, 2, 4, 64, 256].map(readyMadeBlock)).toEqual([4, 4, 4, 64, 256]);
  });
});

describe('the default files', () => {
  const sizes = { 'models/default.bin': 3_000_000, 'models/tokenizer.bin': 25_000, 'models/distilled/b64.students': 1_500_000,
    'models/distilled/b4.students': 900_000 };
  const serve = (requested) => async (url) => {
    requested.push(url);
    if (url.endsWith('.txt')) return new Response('one line\nanother line\n');
    return response(pattern(sizes[url]), { chunk: 65_536 });
  };

  it('names each file with its bytes of its total, and the bar counts bytes of all of them', async () => {
    const requested = [];
    vi.stubGlobal('fetch', serve(requested));
    const reports = [];
    const files = await fetchDefaultFiles((p) => reports.push(p), { studentsFirst: 64 });
    const last = reports.at(-1);
    expect(last.total).toBe(3_000_000 + 25_000 + 1_500_000);
    expect(last.label).toMatch(/default\.bin [\d.]+ of 2\.9 MB/);
    expect(last.label).toMatch(/tokenizer\.bin \d+ of 25 KB/);
    expect(last.label).toMatch(/b64\.students [\d.]+ of 1\.4 MB/);
    // Until every file's length is known the bar claims no total; after that, never more than it.
    expect(reports.every((p) => p.total === 0 || p.done <= p.total)).toBe(true);
    expect(reports.filter((p) => p.total).length).toBeGreaterThan(1);
    expect(files.model.byteLength).toBe(3_000_000);
    expect(files.lecturePrompts).toEqual(['one line', 'another line']);
    expect((await files.students(64)).byteLength).toBe(1_500_000);
    expect(requested.filter((u) => u.endsWith('.students'))).toHaveLength(1);  // asked twice, fetched once
    // Only the view's block size came with the model; another is fetched when asked for, and a
    // block size with no ready-made file (B = 2) fetches nothing.
    expect((await files.students(4)).byteLength).toBe(900_000);
    expect(await files.students(2)).toBe(null);
    expect(requested.filter((u) => u.endsWith('.students'))).toEqual(['models/distilled/b64.students',
      'models/distilled/b4.students']);
  });

  it('leaves the students unfetched until asked for, when the first view does not show them', async () => {
    const requested = [];
    vi.stubGlobal('fetch', serve(requested));
    const reports = [];
    const files = await fetchDefaultFiles((p) => reports.push(p));
    expect(requested.some((u) => u.endsWith('.students'))).toBe(false);
    expect(reports.some((p) => /students/.test(p.label))).toBe(false);
    expect((await files.students(64)).byteLength).toBe(1_500_000);
  });
});

describe('the load verb', () => {
  it('gives transferred model bytes back, moved again, and loads them a second time', async () => {
    const host = createEngineHost(loadEngineModule);
    const f = modelFiles();
    const model = f.model.slice().buffer;
    const tokenizer = f.tokenizer.slice().buffer;
    const answer = (args) => new Promise((resolve) => host.handle({ verb: 'load', args, id: 1 },
      (message, transfer) => { if (!message.progress) resolve({ message, transfer }); }));
    const first = await answer({ ...f, model, tokenizer });
    expect(first.message.error).toBeUndefined();
    expect(first.message.result.returned.model).toBe(model);
    expect(first.transfer).toEqual([model, tokenizer]);
    // As a restarted engine would: the same bytes, loaded again.
    const again = await answer({ ...f, ...first.message.result.returned });
    expect(again.message.result.config).toEqual(first.message.result.config);
  });
});
