/**
 * The dashboard in a real browser (headless Chromium through playwright-core): the login link,
 * the board following a job created from the CLI through its states, the job page streaming its
 * output and showing its diff, a stop from the page ending the job through the verified path,
 * and a reader who sees no actions. Screenshots of the board and a job page go to test-artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, type Browser, browserTitle, launchBrowser, skipBrowser } from '../helpers/browser.js';
import { type RunningDashboard, startDashboardProcess } from '../helpers/dashboard.js';
import { GATE, makeRepo, openGate, startHost, type TestHost } from '../helpers/host/index.js';

let h: TestHost;
let d: RunningDashboard;
let b: Browser;

// Reports started, prints coloured lines, commits a file, then waits for the test's go.
const AGENT = `mam emit job.started || exit 1
i=0; while [ $i -lt 3 ]; do printf '\\033[32mbrowser-marker %s\\033[0m\\n' $i; i=$((i+1)); done
echo "made by the agent" > feature.txt && git add feature.txt && git commit -qm "add feature"
${GATE}exec sleep 600
`;

// Two steps: `build` waits for the test's file `release`, `ship` needs it.
const CHAIN = `steps:
  - id: build
    agent: command
    command: [sh, -c, 'while [ ! -f release ]; do sleep 0.05; done; mam emit job.done || exit 1; exec sleep 600']
  - id: ship
    agent: command
    needs: [build]
    command: [sh, -c, 'mam emit job.done || exit 1; exec sleep 600']
`;

describe.skipIf(skipBrowser)(browserTitle('dashboard in a browser'), () => {
  beforeAll(async () => {
    h = await startHost({ namespace: 'dashb', repos: true, config: { sessions: { isolation: 'none' } } });
    d = await startDashboardProcess(h);
    b = await launchBrowser();
    mkdirSync(artifactPath(''), { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await d?.stop();
    await h?.close();
  });

  it('without a login link the page is refused; with one the board loads', async () => {
    const refused = await b.page.goto(d.url);
    expect(refused?.status()).toBe(401);
    expect(await b.page.textContent('body')).toMatch(/Not logged in/);
    await b.page.goto(await d.link('operator', 'olga'));
    await b.page.waitForSelector('main[data-ready="board"]');
    expect(await b.page.textContent('header')).toContain('olga (operator)');
    await b.page.waitForSelector('#live.up');
  });

  it('a job from the CLI moves live on the board, streams its output, shows its diff, and a stop from the page ends it', async () => {
    const { page } = b;
    const repo = makeRepo();
    const { id } = await h.createJob({ cli: true, workdir: repo, script: AGENT });
    // No reload: the card arrives and moves through the live stream.
    await page.waitForSelector(`a.card[data-job="${id}"][data-state="running"]`, { timeout: 15_000 });
    await page.screenshot({ path: artifactPath('dashboard-board.png') });
    await page.click(`a.card[data-job="${id}"]`);
    await page.waitForSelector('main[data-ready="job"]');
    await page.waitForFunction(
      () => document.querySelector('#output .xterm-rows')?.textContent?.includes('browser-marker 2'),
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(() => document.querySelector('#diff')?.textContent?.includes('feature.txt'), undefined, {
      timeout: 15_000,
    });
    expect(await page.textContent('#attach')).toBe(`mam job attach ${id}`);
    expect(await page.textContent('#timeline')).toContain('job.started');
    await page.screenshot({ path: artifactPath('dashboard-job.png'), fullPage: true });
    await page.click('#act-stop');
    await page.waitForSelector('#job-state[data-state="cancelled"]', { timeout: 15_000 });
    // Ended through the verified path: a signed operator event, committed, the session gone.
    const j = await h.waitJob(id, (x) => x.state === 'cancelled', 'cancelled');
    expect(j.reason).toMatch(/olga/);
    const ev = h.read((reg) => reg.jobTimeline(id)).find((e) => e.type === 'job.cancelled')!;
    expect(ev.body).toMatchObject({ by: 'dashboard:olga' });
    await expect.poll(() => h.session(id)?.ended_at ?? null, { timeout: 15_000 }).not.toBeNull();
    expect(b.errors.filter((e) => /Content Security Policy|pageerror|TypeError/.test(e))).toEqual([]);
  });

  it('a reader sees the job but no actions, and cannot act by calling the API', async () => {
    const { id } = await h.createJob({ workdir: makeRepo(), script: `mam emit job.started\n${GATE}exec sleep 600\n` });
    await h.waitJob(id, (x) => x.state === 'running', 'running');
    const reader = await launchBrowser();
    try {
      await reader.page.goto(await d.link('reader', 'rita'));
      await reader.page.waitForSelector('main[data-ready="board"]');
      await reader.page.goto(`${d.url}/#/job/${id}`);
      await reader.page.waitForSelector('main[data-ready="job"]');
      expect(await reader.page.$('#act-stop')).toBeNull();
      expect(await reader.page.textContent('main')).toMatch(/read-only login/);
      const status = await reader.page.evaluate(async (job) => {
        const s = await (await fetch('/api/session')).json();
        const r = await fetch(`/api/jobs/${job}/stop`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mam-csrf': s.csrf },
          body: '{}',
        });
        return r.status;
      }, id);
      expect(status).toBe(403);
      expect(h.job(id)!.state).toBe('running');
    } finally {
      await reader.close();
      openGate(h, id, 'mam emit job.done');
    }
  });

  // The operator's page of the first test, still logged in.
  it('a workflow run is a graph of its steps that moves live', async () => {
    const file = join(h.tw.root, 'chain.yaml');
    writeFileSync(file, CHAIN);
    const r = await h.mam(['run', file, '--workdir', h.tw.root]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = String(r.stdout).trim();
    await b.page.goto(`${d.url}/#/run/${run}`);
    await b.page.waitForSelector('main[data-ready="run"] #run-graph');
    await b.page.waitForSelector('.step[data-step="build"] :is(.s-starting, .s-running)', { timeout: 15_000 });
    expect(await b.page.textContent('.step[data-step="ship"]')).toMatch(/pending/);
    expect(await b.page.textContent('.step[data-step="ship"]')).toMatch(/← build/);
    writeFileSync(join(h.tw.root, 'release'), '');
    await b.page.waitForSelector('.step[data-step="ship"] .s-done', { timeout: 30_000 });
    await b.page.waitForSelector('h1 .s-done', { timeout: 15_000 });
  });
});
