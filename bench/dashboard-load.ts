import { existsSync, rmSync } from 'node:fs';
import { sendStop } from '../cli/commands/job-control.js';
import { issueLogin } from '../dashboard/server/logins.js';
import type { JobState } from '../subscriber/state-machine.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { seedRegistry } from './seed-registry.js';
import { createJobs, MAM_BIN, spawnNode, withMesh } from './setup.js';
import { percentile } from './stats.js';
import { readRegistry } from './termination-latency.js';

const NAME = 'dashboard-load';
const ENDED: JobState[] = ['done', 'done', 'done', 'failed', 'cancelled', 'timeout'];

/** In the page: resolves with Date.now() once a card of `job` shows `state` (at once if it does). */
const cardShown = ([job, state]: [string, string]) =>
  new Promise<number>((resolve) => {
    const sel = `a.card[data-job="${job}"][data-state="${state}"]`;
    if (document.querySelector(sel)) return resolve(Date.now());
    const obs = new MutationObserver(() => {
      if (document.querySelector(sel)) {
        obs.disconnect();
        resolve(Date.now());
      }
    });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
  });

async function scenario(opts: BenchOptions, jobs: number, eventsPerJob: number, loads: number, changes: number) {
  return withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: { ...opts.config } }, async (mesh) => {
    const t0 = Date.now();
    seedRegistry(mesh.ctx, { jobs, live: 0, eventsPerJob, ended: (i) => ENDED[i % ENDED.length]! });
    opts.log(`  seeded ${jobs} jobs and ${jobs * eventsPerJob} events in ${Date.now() - t0} ms`);
    await mesh.startReconciler('reconciler');
    const { child: dash, line } = await spawnNode('dashboard', [MAM_BIN, 'dashboard', '--port', '0', '--json'], {
      env: mesh.ws.env,
      cwd: mesh.ws.root,
      logFile: mesh.ws.log(`${NAME}-dashboard`),
      ready: (l) => l.startsWith('{'),
    });
    mesh.defer(() => dash.stop());
    const url = (JSON.parse(line) as { url: string }).url;
    const { context: browser, profile } = await launchChromium('mam-bench-chromium-');
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${url}/login?t=${issueLogin(mesh.ctx.ws, 'operator', 'bench', 60_000)}`);
      await page.waitForSelector('main[data-ready="board"]', { timeout: 60_000 });
      const load: number[] = [];
      for (let i = 0; i < loads; i++) {
        await page.goto(url);
        await page.waitForSelector('main[data-ready="board"]', { timeout: 60_000 });
        load.push(await page.evaluate(() => performance.getEntriesByName('view-board')[0]!.startTime));
      }
      opts.log(`  board first load p50 ${percentile(load, 50).toFixed(0)} ms over ${loads} loads`);
      await page.waitForSelector('#live.up');
      const appear: number[] = [];
      const move: number[] = [];
      for (let i = 0; i < changes; i++) {
        const id = `dash-${i}`;
        const shown = page.evaluate(cardShown, [id, 'starting'] as [string, string]);
        await createJobs(mesh.ctx, [id]);
        const seenAt = await shown;
        const created = readRegistry(mesh.ctx, (reg) => reg.getJob(id)!.created_at);
        appear.push(seenAt - created);
        const stopped = page.evaluate(cardShown, [id, 'cancelled'] as [string, string]);
        const r = await sendStop(mesh.ctx, id, 'bench', 'bench', 15_000);
        if (!r.committed) throw new Error(`the stop of ${id} was not committed`);
        const movedAt = await stopped;
        const committed = readRegistry(mesh.ctx, (reg) => reg.getJob(id)!.updated_at);
        move.push(movedAt - committed);
      }
      const rss = (dash.peakRssKb() ?? Number.NaN) / 1024;
      opts.log(
        `  state change → visible p50 ${percentile(move, 50).toFixed(0)} ms, new job p50 ${percentile(appear, 50).toFixed(0)} ms, RSS ${rss.toFixed(0)} MiB`,
      );
      const note = `${jobs} jobs, ${jobs * eventsPerJob} events in the registry; headless Chromium`;
      const ms = (what: string, sample: number[], p: number, goal: number) =>
        figure(NAME, `${what} p${p}`, percentile(sample, p), 'ms', { goal: { op: '<=', value: goal }, note });
      return [
        ms('board first load (navigation start → board rendered)', load, 50, 1500),
        ms('board first load (navigation start → board rendered)', load, 95, 1500),
        ms('committed state change → visible on the board', move, 50, 500),
        ms('committed state change → visible on the board', move, 95, 500),
        figure(NAME, 'committed new job → card on the board p50', percentile(appear, 50), 'ms', { note }),
        figure(NAME, 'dashboard server peak RSS', rss, 'MiB', { note }),
      ] satisfies Figure[];
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
}

export const dashboardLoad: Benchmark = {
  name: NAME,
  issue: '#18',
  describe:
    'the dashboard over a registry of 10,000 jobs and 200,000 events: board first load in headless Chromium, committed state change → visible, server RSS',
  run: async (opts) => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed (apt-get install chromium)`);
    return opts.quick ? scenario(opts, 2000, 20, 3, 5) : scenario(opts, 10_000, 20, 10, 20);
  },
};
