// Where the page's data files come from: beside the page, or, in the single-file build, inside it
// (vite.config.js fills virtual:embedded-models with data: URLs only for that build).
import embedded from 'virtual:embedded-models';

export const assetUrl = (path) => embedded[path] ?? path;

const started = new Map();  // path → the fetch() started by fetchEarly, until download takes it

/** Starts fetching `path` now; the next download(path) takes this response instead of asking again. */
export function fetchEarly(path) {
  const response = fetch(assetUrl(path));
  response.catch(() => {});  // a failure is download's to report, once it takes the response
  started.set(path, response);
}

/**
 * fetch(path) that reports {done, total} bytes as the body arrives; resolves to an ArrayBuffer, so
 * the bytes can be transferred to the worker instead of copied. With a known length the body is
 * read straight into one buffer of that size. (Gathered into a Blob, which the worker read back
 * out, the model was in the page's hands 0.47 s after its last byte had arrived: docs/loading.md.)
 */
export async function download(path, what, onBytes) {
  const early = started.get(path);
  started.delete(path);
  // An early fetch that failed is asked again: the error reported is that of today's request.
  const response = await (early?.catch(() => fetch(assetUrl(path))) ?? fetch(assetUrl(path)));
  if (!response.ok) throw new Error(`${path} could not be fetched (HTTP ${response.status}): ${what}`);
  // A compressed response's length counts the compressed bytes, not the ones the body yields.
  const encoded = !!response.headers.get('content-encoding');
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body || !onBytes) return response.arrayBuffer();
  onBytes(0, encoded ? 0 : total);  // the total is known before the first byte
  if (total && !encoded) {
    const read = await readInto(response.body, total, onBytes);
    if (read) return read;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(encoded ? 0 : total);
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    if (done + value.length > buffer.length) buffer = grown(buffer, done, done + value.length);
    buffer.set(value, done);
    done += value.length;
    onBytes(done, encoded ? 0 : total);
  }
  return done === buffer.length ? buffer.buffer : buffer.buffer.slice(0, done);
}

// The body read by a BYOB reader straight into one buffer of `total` bytes: the browser fills it in
// place, where the default reader hands over a fresh chunk to copy each time (with the model
// already downloaded by its preload, reading it took the page's main thread about 0.1 s less).
// Null where the stream has no BYOB reader (then nothing has been read); a body longer than
// announced is an error.
async function readInto(body, total, onBytes) {
  let reader;
  try {
    reader = body.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
  let view = new Uint8Array(total);
  let done = 0;
  while (done < total) {
    const { value, done: end } = await reader.read(view.subarray(done));
    if (value) view = new Uint8Array(value.buffer);  // each read detaches the buffer it was lent and returns it
    if (end) break;
    done += value.byteLength;
    onBytes(done, total);
  }
  const extra = done === total && !(await reader.read(new Uint8Array(1))).done;
  if (extra) throw new Error(`the body is longer than its Content-Length of ${total} bytes`);
  return done === total ? view.buffer : view.buffer.slice(0, done);
}

// A larger buffer holding the first `used` bytes: doubles, so an unknown length costs few copies.
function grown(buffer, used, needed) {
  const next = new Uint8Array(Math.max(needed, 2 * buffer.length, 1 << 20));
  next.set(buffer.subarray(0, used));
  return next;
}
