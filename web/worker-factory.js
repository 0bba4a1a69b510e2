// The engine's worker, as a file beside the page (the single-file build swaps in
// worker-factory.single.js, which carries it inline). The first worker starts as this module is
// evaluated, the first of the page's (web/main.js imports it first), and the page compiles the
// engine's wasm at the same moment and posts the module to it: the worker's own script arrives
// and runs 0.2–0.6 s later on a 2-core machine, and the engine it fetched after that was the last
// thing the first number waited for (docs/loading.md, "A sixth pass"). Started earlier still, from
// a script in the HTML, the worker took the CPU that the page's own script needed.
import singleUrl from './engine/engine.wasm?url';
import threadedUrl from './engine/engine-mt.wasm?url';
import { COMPILED_BY_PAGE, compileEngine, compiledEngineMessage } from './engine-compile.js';
import { chooseBuild } from './threads.js';

// The build the worker will start (web/worker.js loadModule makes the same choice).
const build = chooseBuild({ isolated: self.crossOriginIsolated, sharedMemory: typeof SharedArrayBuffer === 'function',
  included: true, cores: navigator.hardwareConcurrency || 1 });
const engineUrl = new URL(build === 'threaded' ? threadedUrl : singleUrl, location.href).href;
const compiled = compileEngine(engineUrl).catch(() => null);  // the worker then tries, and says why

function startWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: COMPILED_BY_PAGE });
  compiled.then((module) => worker.postMessage(compiledEngineMessage(engineUrl, module)));
  return worker;
}

let early = startWorker();

// A restarted engine (after a Cancel that did not answer in time) gets the same compiled module.
export const createWorker = () => {
  const worker = early ?? startWorker();
  early = null;
  return worker;
};
