// How many threads the engine runs on, and why, in words. No DOM: the worker asks chooseBuild and
// poolSize, the engine host setEngineThreads, and the speed panel threadsSentence.
//
// The threaded engine needs memory shared between threads, which a browser gives only to a page
// that is cross-origin isolated: served with the COOP and COEP headers (npm start, vite preview),
// or under the coi-serviceworker shim of a build made with COI_SHIM=1 (web/README.md). Anywhere
// else (the single file opened from disk, an iframe in a course page that is not isolated, a host
// without the headers) the single-threaded engine runs, and the page says which case it is.

// The most threads the page starts. Every pthread is a Web Worker of its own (a JavaScript heap,
// the engine's glue code, and a 2 MB stack in the shared memory; the compiled wasm is shared),
// started when the page loads, whether or not a lesson ever needs it. Eight keeps a many-core
// computer's start-up and memory in bounds while giving a student's laptop all of its cores; the
// build machine has two, so no count above two has been measured here (docs/speed.md).
export const MAX_THREADS = 8;

/** The pthreads the threaded engine starts for a machine of `cores`: the calling thread is one. */
export const poolSize = (cores) => Math.min(Math.max(1, Math.floor(cores) || 1), MAX_THREADS) - 1;

/**
 * 'threaded' or 'single'. isolated: self.crossOriginIsolated; sharedMemory: SharedArrayBuffer
 * exists; included: this build carries the threaded engine (the single file does not); cores:
 * navigator.hardwareConcurrency. One core gains nothing from threads, and Emscripten 3.1.6's
 * loader waits for ever for a pool of no pthreads.
 */
export const chooseBuild = ({ isolated, sharedMemory, included, cores }) =>
  (isolated === true && sharedMemory && included && poolSize(cores) > 0 ? 'threaded' : 'single');

/**
 * Sets the engine's thread count: `wanted` 0 means every thread the page may use, and a count
 * above that is cut to it; so is one above `fit`, the threads whose runs of the loaded model the
 * heap holds (model-intake.js threadsThatFit). → the report threadsSentence reads: {build, threads,
 * available, cores, included, failure, memoryBound}. `module.build` is what the worker loaded
 * (web/worker.js); without it (the Node tests) the module is the single-threaded engine.
 */
export function setEngineThreads(module, wanted, fit = Infinity) {
  if (!Number.isInteger(wanted) || wanted < 0)
    throw new Error(`the thread count must be a whole number, 0 for all the page may use, not ${wanted}`);
  const build = module.build ?? { threaded: false, pool: 0, cores: 1, included: false, failure: '' };
  const started = build.threaded ? build.pool + 1 : 1;
  const available = Math.min(started, fit);
  const set = module.setThreads(wanted === 0 ? available : Math.min(wanted, available));
  if (set.error !== undefined) throw new Error(set.error);
  return { build: build.threaded ? 'threaded' : 'single', threads: module.threads(), available,
    cores: build.cores, included: build.included, failure: build.failure, memoryBound: available < started };
}

const plural = (n) => `${n} thread${n === 1 ? '' : 's'}`;

/**
 * The sentence the speed panel shows, e.g. "4 threads (cross-origin isolated)" or "1 thread: this
 * page is not cross-origin isolated (opened from disk)". `page`: {isolated, protocol, embedded},
 * read in the page (the worker cannot see how the page was opened).
 */
export function threadsSentence(report, page) {
  const { threads, available, cores } = report;
  if (report.build === 'threaded') {
    const count = threads < available ? `${threads} of ${plural(available)}` : plural(threads);
    const capped = report.memoryBound ? `; the engine's 4 GB hold this model's runs for ${available} threads at once`
      : cores > available ? `; the page starts at most ${available} of this computer's ${cores} cores` : '';
    return `${count} (cross-origin isolated${capped})`;
  }
  if (report.failure) return `1 thread: the threaded engine could not start (${report.failure})`;
  if (!page.isolated) {
    const why = page.protocol === 'file:' ? 'opened from disk'
      : page.embedded ? 'embedded in a page that is not isolated'
        : 'served without the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers';
    return `1 thread: this page is not cross-origin isolated (${why})`;
  }
  if (!report.included) return '1 thread: this single-file page carries only the single-threaded engine';
  if (cores < 2) return '1 thread: this computer reports one core';
  return '1 thread: this browser has no shared memory for threads';
}

/** The short form a projector shows: "4 threads (cross-origin isolated)", "1 thread (not cross-origin isolated)". */
export function threadsSummary(report) {
  if (report.build !== 'threaded') return '1 thread (not cross-origin isolated)';
  const { threads, available } = report;
  return `${threads < available ? `${threads} of ${plural(available)}` : plural(threads)} (cross-origin isolated)`;
}

/** The thread counts the select offers: 0 (all, first) and every smaller count down to 1. */
export function threadChoices(available) {
  const choices = [{ value: 0, label: `all (${available})` }];
  for (let n = available - 1; n >= 1; --n) choices.push({ value: n, label: String(n) });
  return choices;
}
