// The page's side of the worker protocol (documented in web/worker.js): requests as promises.

export class Cancelled extends Error {
  constructor() { super('cancelled'); }
}

export class EngineClient {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();  // id → {resolve, reject, onProgress}
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => {
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

  /** Cancels every request still outstanding. */
  cancelAll() {
    if (this.pending.size === 0) return;
    const id = this.nextId++;
    this.worker.postMessage({ verb: 'cancel', args: { ids: [...this.pending.keys()] }, id });
  }

  get busy() { return this.pending.size > 0; }

  receive(message) {
    const p = this.pending.get(message.id);
    if (!p) return;
    if (message.progress) {
      p.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.cancelled) p.reject(new Cancelled());
    else if (message.error !== undefined) p.reject(new Error(message.error));
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
