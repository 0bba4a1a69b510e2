// The page's parts after the first numbers (web/main.js): every request is sent at once, in
// order, and every answer is shown in order. The worker runs one request at a time, so it computes
// the next part while the page draws the answer before (0.3-0.4 s of a first load went to the
// worker waiting for the page). No DOM here.

/**
 * Sends and shows `parts` in order.
 * - `send(part)` resolves to what `show` takes, {answer, answeredAt?, ...} with `answer` a
 *   promise, or null for a part skipped;
 * - `show(sent, since)` resolves to false when a newer refresh took over (this one then stops);
 *   `since` is when the part before answered, which is when the worker could start on this one;
 * - `waits(part)`: the part asks several things in turn (a `run`), so it is sent only once the
 *   parts before it are shown, and the parts after it only once it has answered;
 * - `cancel(sent)` gets what was sent and not shown when the run stops early (a failure throws on).
 * Resolves true once every part was shown.
 */
export async function sendAllShowInOrder(parts, { send, show, waits, cancel }) {
  const deferred = () => {
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    return { promise, resolve };
  };
  const sent = parts.map(deferred), shown = parts.map(deferred);
  const outstanding = new Set();
  let stopped = false;
  (async () => {
    for (let i = 0; i < parts.length && !stopped; ++i) {
      if (waits(parts[i]) && i) await shown[i - 1].promise;
      if (stopped) break;
      const sending = send(parts[i]);
      sent[i].resolve(sending);
      sent[i].promise.catch(() => {});  // thrown where shown; not at all once the run has stopped
      let entry;
      try {
        entry = await sending;
      } catch {
        break;  // shown as this part's error
      }
      if (!entry) continue;
      outstanding.add(entry);
      if (waits(parts[i])) await entry.answer.catch(() => {});
    }
  })();
  let since = 0;
  try {
    for (let i = 0; i < parts.length; ++i) {
      const entry = await sent[i].promise;
      outstanding.delete(entry);
      const ok = await show(entry, since);
      since = entry?.answeredAt ?? since;
      shown[i].resolve();
      if (!ok) return false;
    }
    return true;
  } finally {
    stopped = true;
    for (const d of shown) d.resolve();  // a waiting part's turn never comes
    if (outstanding.size) cancel([...outstanding]);
  }
}
