// The loaded model's ready-made distilled students (the default model's models/distilled/, one
// file a block size), each handed to the engine once per load. Asked for by what needs them: a
// view of a distilled student waits for its own block size's file alone (0.1 MB at B = 64), the
// sweep's distilled curve for all of them, which otherwise follow the first numbers.
import { Cancelled } from './engine-client.js';

// The block sizes scripts/distill-canonical.sh makes (B = 2 alone would double the download).
export const READY_MADE_BLOCKS = [4, 8, 16, 32, 64, 128, 256];

/** The ready-made block size nearest to B: the one a view of a distilled student at B needs. */
export const readyMadeBlock = (B) => Math.min(256, Math.max(4, B));

/**
 * `request(verb, args)` asks the engine; `onLoaded()` is called after each file the engine took;
 * `onError(message)` when a file could not be used (the page goes on without it).
 */
export function savedStudents({ request, onLoaded, onError }) {
  let files = null;  // the model's files: students(block) → ArrayBuffer or null
  let loading = new Map();  // block → its file on its way to the engine (a promise)
  let any = false;
  return {
    /** A new model: its files (those of a model of one's own have no students). */
    reset(modelFiles) {
      files = modelFiles;
      loading = new Map();
      any = false;
    },
    /** True once the engine holds a ready-made student of this model. */
    get loaded() { return any; },
    /** Resolves when the engine holds the students of `blocks` that exist. */
    use(blocks = READY_MADE_BLOCKS) {
      const modelFiles = files;
      return Promise.all(blocks.map((block) => {
        if (!loading.has(block)) loading.set(block, (async () => {
          const bytes = await modelFiles?.students?.(block);
          if (!bytes || files !== modelFiles) return;
          try {
            // A view, not the buffer: copied, so a cancelled request leaves the bytes for the next try.
            await request('students', { bytes: new Uint8Array(bytes), name: `b${block}.students` });
            any = true;
            onLoaded();
          } catch (error) {
            if (error instanceof Cancelled) {
              loading.delete(block);
              throw error;
            }
            onError(`The ready-made distilled students (B = ${block}) could not be used: ${error.message}`);
          }
        })());
        return loading.get(block);
      }));
    },
  };
}
