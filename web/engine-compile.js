// Compiling the engine's wasm, for the page and for its worker alike (no DOM). The page compiles
// it while its own script is still being evaluated and hands the module to the worker
// (web/worker-factory.js): a dedicated worker's script arrives and runs late on a busy 2-core
// machine, and its own fetch of the engine started only after that (docs/loading.md).

/** The name a worker is given when the page will post it the compiled engine. */
export const COMPILED_BY_PAGE = 'engine (compiled by the page)';

/**
 * The module at `url`, compiled while its bytes arrive (streaming compilation); a server that does
 * not call the file application/wasm gets the whole file read first.
 */
export async function compileEngine(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch the engine (${url}): HTTP ${response.status}`);
  if (response.headers.get('content-type')?.startsWith('application/wasm')) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * The message the page posts its worker: {compiledEngine: {url, module}}, module null where the
 * page's compilation failed (the worker then fetches the engine itself and reports its own error).
 */
export const compiledEngineMessage = (url, module) => ({ compiledEngine: { url, module: module ?? null } });
