// Waits until the browsers this process launched have finished starting. Chromium's start-up keeps
// a renderer of its own busy for about 1.5 s (the address bar's preloaded popup), which on a
// 2-core machine takes the core a page's main thread and worker share; a visitor's browser has long
// finished starting (docs/loading.md, "An eighth pass"). Reads /proc (Linux); elsewhere a fixed wait.
import { readdirSync, readFileSync } from 'node:fs';

const WINDOW_MS = 500;        // idle means under 10 % of a core over this long
const LIMIT_MS = 15_000;      // a machine too busy to tell: go on anyway
const FALLBACK_MS = 3_000;    // no /proc

// CPU time (ms) used so far by every process below this one (its browsers and their children).
function descendantsCpuMs() {
  const stats = new Map();  // pid → {ppid, ticks}
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      stats.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch { /* the process ended while being read */ }
  }
  const below = new Set([process.pid]);
  let ticks = 0, grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (below.has(pid) || !below.has(s.ppid)) continue;
      below.add(pid);
      ticks += s.ticks;
      grew = true;
    }
  }
  return ticks * 10;  // USER_HZ is 100 on Linux
}

/** Resolves, with the milliseconds waited, once the launched browsers are idle. */
export async function browsersSettled() {
  const start = performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  let before;
  try {
    before = descendantsCpuMs();
  } catch {
    await sleep(FALLBACK_MS);
    return performance.now() - start;
  }
  while (performance.now() - start < LIMIT_MS) {
    await sleep(WINDOW_MS);
    const now = descendantsCpuMs();
    if (now - before < WINDOW_MS * 0.1) break;
    before = now;
  }
  return performance.now() - start;
}
