// Where the page's data files come from: beside the page, or, in the single-file build, inside it
// (vite.config.js fills virtual:embedded-models with data: URLs only for that build).
import embedded from 'virtual:embedded-models';

export const assetUrl = (path) => embedded[path] ?? path;

/** fetch(path) that reports {done, total} bytes as the body arrives; resolves to a Blob. */
export async function download(path, what, onBytes) {
  const response = await fetch(assetUrl(path));
  if (!response.ok) throw new Error(`${path} could not be fetched (HTTP ${response.status}): ${what}`);
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body || !onBytes) return response.blob();
  const reader = response.body.getReader();
  const chunks = [];
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    onBytes(done, total);
  }
  return new Blob(chunks);
}
