import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    // First line of /proc/stat: user nice system idle iowait irq softirq steal … (ticks, all CPUs)
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - f[4], total };
  } catch {
    return undefined; // no /proc (macOS)
  }
}

/** The share of all CPUs busy over `ms` (0..1): other work on the machine skews every figure. */
export async function busyShare(ms = 1000): Promise<number | undefined> {
  const a = cpuTicks();
  await sleep(ms);
  const b = cpuTicks();
  if (!a || !b || b.total === a.total) return undefined;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** Waits (at most `maxMs`) for the machine to be quiet; resolves with the last busy share seen. */
export async function waitForQuiet(maxMs: number, threshold = 0.1): Promise<number | undefined> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const busy = await busyShare();
    if (busy === undefined || busy <= threshold || Date.now() >= deadline) return busy;
  }
}
