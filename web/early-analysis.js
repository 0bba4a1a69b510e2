// The first view's comparison, asked for the moment the model is in. The worker answers in order,
// so it goes from loading the model (and the view's distilled student) straight to the numbers,
// while the page draws the model's panels; the page's first refresh then takes the answer instead
// of asking again. A distilled student that would need training is never started this way: the
// worker refuses (existingOnly), and the refresh asks as usual, offer first (docs/loading.md).
import { Cancelled } from './engine-client.js';

export function earlyAnalysis(client) {
  let held = null;  // {key, promise}: one answer, for the part key it was asked for
  return {
    /** Asks for the analysis of `args` ({plan, prompt}) now; `key` is the analyze part's key. */
    ask(key, args) {
      const promise = client.request('analyze', { ...args, existingOnly: true });
      promise.catch(() => {});  // a refusal or a cancel is handled by whoever takes it, if anyone
      held = { key, promise };
    },
    /** The request ids a refresh at `key` must not cancel. */
    keep(key) {
      return held?.key === key ? [held.promise.id] : [];
    },
    /** The answer for `key`, once (else null); a refusal falls back to `ask()`, a cancel stays one. */
    take(key, ask) {
      const h = held;
      held = null;
      if (h?.key !== key) return null;
      return h.promise.catch((error) => {
        if (error instanceof Cancelled) throw error;
        return ask();
      });
    },
  };
}
