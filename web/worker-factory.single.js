// The single-file build: the worker (with the engine's wasm) inline, since a page opened from disk
// may not load a neighbouring file.
import InlineWorker from './worker.js?worker&inline';

export const createWorker = () => new InlineWorker();
