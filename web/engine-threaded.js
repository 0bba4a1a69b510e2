// The threaded engine (engine-mt.js/.wasm, built with Emscripten pthreads), for the worker of a
// cross-origin isolated page; the single-file build swaps in engine-threaded.single.js.
//
// Its files are taken as they are, not bundled: each pthread is a classic Web Worker running
// engine-mt.worker.js, which imports engine-mt.js by URL (mainScriptUrlOrBlob), so the worker and
// its pthreads share one copy of the code. The pthread script comes as text (?raw) and starts from
// a blob: URL, because Vite's dev server (npm start) would rewrite the file, if fetched, into a
// module that a classic worker cannot run. The pthreads start with the module, `pool` of them,
// once: a thread started later would wait for the event loop of a worker busy running the engine.
import glueUrl from './engine/engine-mt.js?url';
import pthreadSource from './engine/engine-mt.worker.js?raw';
import wasmUrl from './engine/engine-mt.wasm?url';

// The module resolves only once every pthread has loaded the engine; one that cannot (its script
// refused, say) would leave the page loading for ever, so past this the page goes single-threaded.
const START_TIMEOUT_MS = 30_000;

const absolute = (url) => new URL(url, self.location.href).href;

/** `startEngine(create, wasmUrl, options)` compiles and instantiates (web/worker.js). */
export async function loadThreadedEngine(startEngine, pool) {
  const { default: createEngineModule } = await import(/* @vite-ignore */ absolute(glueUrl));
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`its ${pool} threads did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS);
  });
  const pthreadUrl = URL.createObjectURL(new Blob([pthreadSource], { type: 'text/javascript' }));
  const started = startEngine(createEngineModule, wasmUrl, {
    threadPoolSize: pool,
    mainScriptUrlOrBlob: absolute(glueUrl),
    locateFile: (file) => (file.endsWith('.worker.js') ? pthreadUrl : file),
  });
  try {
    return await Promise.race([started, late]);
  } finally {
    clearTimeout(timer);
  }
}
