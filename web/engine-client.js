// The page's side of the worker protocol (documented in web/worker.js): requests as promises.

export class Cancelled extends Error {
  constructor() { super('cancelled'); }
}

export class EngineClient {
  /** `createWorker` makes the engine's Web Worker; restart() calls it again. */
  constructor(createWorker) {
    this.createWorker = createWorker;
    this.nextId = 1;
    this.pending = new Map();  // id → {resolve, reject, onProgress}
    this.start();
  }

  start() {
    this.worker = this.createWorker();
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      const error = new Error(`the engine worker failed: ${event.message || 'could not start'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  /** Sends one request; resolves with its result, rejects with an Error (or Cancelled). */
  request(verb, args, onProgress) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, onProgress }));
    promise.id = id;
    this.worker.postMessage({ verb, args, id }, transferables(args));
    return promise;
  }

  /** Cancels every request still outstanding but `keep` (each stops at its next granular step); returns their ids. */
  cancelAll(keep = []) {
    const ids = [...this.pending.keys()].filter((id) => !keep.includes(id));
    if (ids.length) this.worker.postMessage({ verb: 'cancel', args: { ids }, id: this.nextId++ });
    return ids;
  }

  /** Cancels these requests, where they have not answered yet. */
  cancel(ids) {
    const waiting = ids.filter((id) => this.pending.has(id));
    if (waiting.length) this.worker.postMessage({ verb: 'cancel', args: { ids: waiting }, id: this.nextId++ });
  }

  /** True while any of these requests has not answered. */
  waiting(ids) { return ids.some((id) => this.pending.has(id)); }

  /**
   * Stops the worker at once, even inside a long engine call, and starts a fresh one: every
   * outstanding request is cancelled, and the engine must be loaded again.
   */
  restart() {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Cancelled());
    this.pending.clear();
    this.start();
  }

  get busy() { return this.pending.size > 0; }

  /** Set by the page: called with the message when the engine aborted (it must be restarted). */
  onEngineLost = null;

  receive(message) {
    const p = this.pending.get(message.id);
    if (!p) return;
    if (message.progress) {
      p.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.cancelled) p.reject(new Cancelled());
    else if (message.error !== undefined) {
      p.reject(Object.assign(new Error(message.error), message.unloaded && { unloaded: true }));
      if (message.engineLost) this.onEngineLost?.(message.error);
    }
    else p.resolve(message.result);
  }
}

// Model bytes move to the worker instead of being copied.
function transferables(args) {
  const out = [];
  for (const value of Object.values(args || {}))
    if (value instanceof ArrayBuffer) out.push(value);
  return out;
}
