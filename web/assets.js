// Where the page's data files come from: beside the page, or, in the single-file build, inside it
// (vite.config.js fills virtual:embedded-models with data: URLs only for that build).
import embedded from 'virtual:embedded-models';

export const assetUrl = (path) => embedded[path] ?? path;

/**
 * fetch(path) that reports {done, total} bytes as the body arrives; resolves to an ArrayBuffer, so
 * the bytes can be transferred to the worker instead of copied. With a known length the body is
 * read straight into one buffer of that size. (Gathered into a Blob, which the worker read back
 * out, the model was in the page's hands 0.47 s after its last byte had arrived: docs/loading.md.)
 */
export async function download(path, what, onBytes) {
  const response = await fetch(assetUrl(path));
  if (!response.ok) throw new Error(`${path} could not be fetched (HTTP ${response.status}): ${what}`);
  // A compressed response's length counts the compressed bytes, not the ones the body yields.
  const encoded = !!response.headers.get('content-encoding');
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body || !onBytes) return response.arrayBuffer();
  const reader = response.body.getReader();
  let buffer = new Uint8Array(encoded ? 0 : total);
  let done = 0;
  onBytes(0, encoded ? 0 : total);  // the total is known before the first byte
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

// A larger buffer holding the first `used` bytes: doubles, so an unknown length costs few copies.
function grown(buffer, used, needed) {
  const next = new Uint8Array(Math.max(needed, 2 * buffer.length, 1 << 20));
  next.set(buffer.subarray(0, used));
  return next;
}
