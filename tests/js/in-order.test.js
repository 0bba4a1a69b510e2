// The parts after the first numbers: all sent at once (the worker is never left waiting while the
// page draws), shown in the table's order, a part of several requests in turn waiting its turn,
// and what is left cancelled when a part fails.
import { describe, expect, it } from 'vitest';
import { sendAllShowInOrder } from '../../web/in-order.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

// Parts whose answers the test releases by name; `log` records sends and shows in order.
function harness(names, { runs = [], fails = [], skipped = [], unsendable = [], overtaken = [] } = {}) {
  const log = [], release = {}, cancelled = [];
  const parts = names.map((name) => ({ name, run: runs.includes(name) }));
  const send = async (part) => {
    if (skipped.includes(part.name)) return null;
    if (unsendable.includes(part.name)) {
      await settle();
      throw new Error('cancelled');  // e.g. the students the sweep waits for, cancelled by a newer refresh
    }
    log.push(`send ${part.name}`);
    const answer = new Promise((resolve, reject) => {
      release[part.name] = () => (fails.includes(part.name) ? reject(new Error(`${part.name} failed`)) : resolve(part.name));
    });
    const sent = { name: part.name, answer, answeredAt: null };
    answer.then(() => { sent.answeredAt = log.length; }, () => {});
    return sent;
  };
  const show = async (sent) => {
    if (sent) log.push(`show ${await sent.answer}`);
    return !overtaken.includes(sent?.name);
  };
  const done = sendAllShowInOrder(parts, { send, show, waits: (part) => part.run,
    cancel: (sent) => cancelled.push(...sent.map((s) => s.name)) });
  return { log, release, cancelled, done };
}

describe('sendAllShowInOrder', () => {
  it('sends every request before the first answer, and shows the answers in order', async () => {
    const h = harness(['structure', 'generation', 'speed', 'sweep'], { skipped: ['generation'] });
    await settle();
    expect(h.log).toEqual(['send structure', 'send speed', 'send sweep']);
    h.release.sweep();  // an answer out of turn waits for the ones before it
    h.release.speed();
    await settle();
    expect(h.log).toHaveLength(3);
    h.release.structure();
    await expect(h.done).resolves.toBe(true);
    expect(h.log.slice(3)).toEqual(['show structure', 'show speed', 'show sweep']);
    expect(h.cancelled).toEqual([]);
  });

  it('sends a part of several requests once the parts before it are shown, and the rest after its answer', async () => {
    const h = harness(['structure', 'experiment', 'speed'], { runs: ['experiment'] });
    await settle();
    expect(h.log).toEqual(['send structure']);
    h.release.structure();
    await settle();
    expect(h.log).toEqual(['send structure', 'show structure', 'send experiment']);
    h.release.experiment();
    await settle();
    expect(h.log.slice(3)).toEqual(['show experiment', 'send speed']);
    h.release.speed();
    await expect(h.done).resolves.toBe(true);
  });

  it('throws the failed part\'s error and cancels the parts sent after it', async () => {
    const h = harness(['structure', 'generation', 'speed'], { fails: ['structure'] });
    await settle();
    h.release.structure();
    await expect(h.done).rejects.toThrow('structure failed');
    expect(h.cancelled).toEqual(['generation', 'speed']);
  });

  it('stops quietly when a newer refresh takes over, whatever the parts after it meet', async () => {
    const h = harness(['structure', 'speed', 'sweep'], { overtaken: ['structure'], unsendable: ['sweep'] });
    await settle();
    h.release.structure();
    await expect(h.done).resolves.toBe(false);
    await settle();
    await settle();  // the sweep's send fails after the run stopped: no unhandled rejection (Vitest would report one)
    expect(h.cancelled).toEqual(['speed']);
  });
});
