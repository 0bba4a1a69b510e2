// Test helper: the real wasm engine in Node (web/engine/, built by scripts/build-web.sh) and the
// model files the tests use (the default model, else llama2.c's stories260K peer model).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const rootPath = (p) => root + p;

export async function loadEngineModule() {
  const glue = rootPath('web/engine/engine.js');
  if (!existsSync(glue)) throw new Error('web/engine/engine.js is missing: run bash scripts/build-web.sh --wasm-only');
  // Emscripten 3.1.6's Node branch uses CommonJS globals even in its ES-module output.
  globalThis.require ??= createRequire(import.meta.url);
  globalThis.__dirname ??= rootPath('web/engine');
  const { default: createEngineModule } = await import(glue);
  return createEngineModule({ wasmBinary: readFileSync(rootPath('web/engine/engine.wasm')) });
}

/** {model, modelName, tokenizer, tokenizerName} as Uint8Arrays: models/default.bin when present. */
export function modelFiles() {
  const candidates = [
    ['models/default.bin', 'models/tokenizer.bin'],
    ['../shared/peer-models/stories260K.bin', '../shared/peer-models/tok512.bin'],
  ];
  for (const [model, tokenizer] of candidates)
    if (existsSync(rootPath(model)) && existsSync(rootPath(tokenizer)))
      return { model: new Uint8Array(readFileSync(rootPath(model))), modelName: model,
        tokenizer: new Uint8Array(readFileSync(rootPath(tokenizer))), tokenizerName: tokenizer };
  throw new Error('no model: models/default.bin (issue 4) and ../shared/peer-models/ are both missing');
}

export const lines = (path) => readFileSync(rootPath(path), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);

/** A fresh Engine with the model of modelFiles() loaded: {module, engine, config}; throws the
 * engine's message when loading fails. */
export async function loadDefaultEngine() {
  const module = await loadEngineModule();
  const engine = new module.Engine();
  const f = modelFiles();
  const loaded = engine.load(f.model, f.modelName, f.tokenizer, f.tokenizerName, 512 * 2 ** 20, null, 0);
  if (loaded.error !== undefined) throw new Error(loaded.error);
  return { module, engine, config: loaded.value };
}

let nextId = 1;
/** Sends one request to a worker host; resolves with its single answer and its progress messages. */
export function callHost(host, verb, args) {
  return new Promise((resolve) => {
    const progress = [];
    host.handle({ verb, args, id: nextId++ }, (message) => {
      if (message.progress) progress.push(message.progress);
      else resolve({ ...message, progress });
    });
  });
}
