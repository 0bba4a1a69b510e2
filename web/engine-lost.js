// The words for an engine that aborted. After an abort (Emscripten's, when an allocation fails:
// the engine is built without exceptions) the engine cannot be used again, and the page starts a
// fresh one (web/engine-client.js onEngineLost).
import { HEAP_BYTES } from './model-intake.js';

/** `doing`: the request's last progress label, else its verb; `error`: the WebAssembly.RuntimeError. */
export const lostEngine = (doing, error) => `The engine stopped while ${doing}: ${/Aborted\(\)/.test(error.message)
  ? `it ran out of memory (the page's engine has at most ${HEAP_BYTES / 2 ** 30} GB; the CLI has no such limit)`
  : `it failed (${error.message.split('.')[0]})`}. The model is being loaded again.`;
