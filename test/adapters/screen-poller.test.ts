/**
 * The probes' pacing (agents/readiness/screen-watch.ts createPoller): reads
 * follow the session's output — its log in the job folder growing — and back
 * off while there is none. A real folder watcher; the screen is a stand-in.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPoller, POLL_MAX_MS, POLL_MIN_MS, type ScreenPoller } from '../../agents/readiness/screen-watch.js';
import { CLAUDE } from './recorded-screens.js';
import { scriptedSession, type Scripted } from './scripted-screen.js';

let jobDir: string;
let scripted: Scripted;
let poller: ScreenPoller;
beforeEach(() => {
  jobDir = mkdtempSync(join(tmpdir(), 'mam-poller-'));
  scripted = scriptedSession(
    { starting: { text: CLAUDE.starting, on: { Up: 'trust' } }, trust: { text: CLAUDE.trustNo } },
    'starting',
  );
  poller = createPoller(scripted.session, jobDir);
});
afterEach(() => {
  poller.close();
  rmSync(jobDir, { recursive: true, force: true });
});

const output = (text = 'x'): void => appendFileSync(join(jobDir, 'session.log'), text);
const timed = async (work: () => Promise<void>): Promise<number> => {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
};
/** Pauses without output until the backoff has reached its longest pause. */
async function backOff(): Promise<void> {
  for (let ms = POLL_MIN_MS; ms < POLL_MAX_MS; ms = Math.round(ms * 1.5)) {
    await poller.read();
    await poller.pause(Date.now() + 10_000);
  }
  await poller.read();
}

describe('screen poller', () => {
  it('backs off from 25 ms while nothing is drawn', async () => {
    await poller.read();
    expect(await timed(() => poller.pause(Date.now() + 10_000))).toBeGreaterThanOrEqual(POLL_MIN_MS - 2);
    await poller.read();
    expect(await timed(() => poller.pause(Date.now() + 10_000))).toBeGreaterThanOrEqual(
      Math.round(POLL_MIN_MS * 1.5) - 2,
    );
  });

  it('ends a long pause as soon as the agent answers a key with output', async () => {
    await backOff();
    poller.sent();
    setTimeout(() => output(), 30);
    // Well under the 200 ms the pause would last without the output.
    expect(await timed(() => poller.pause(Date.now() + 10_000))).toBeLessThan(POLL_MAX_MS / 2);
  });

  it('does not wait for output that came before the pause: the last read may not show it', async () => {
    await backOff();
    // The agent answered while the key was still being sent.
    output();
    await sleep(30);
    poller.sent();
    // Read after a moment for the drawing to finish, not after the backed-off pause (POLL_MAX_MS) that
    // only new output could cut short. Bounds at half of it: a loaded machine's scheduling never decides.
    expect(await timed(() => poller.pause(Date.now() + 10_000))).toBeLessThan(POLL_MAX_MS / 2);
  });

  it('reads each piece of an answer at once: a redraw caught half done is read again when its rest arrives', async () => {
    await backOff();
    await scripted.session.backend.sendKeys('scripted', ['Up']);
    poller.sent();
    setTimeout(() => output('first half'), 5);
    await poller.pause(Date.now() + 10_000);
    expect(await poller.read()).toBe(CLAUDE.trustNo);
    setTimeout(() => output('second half'), 5);
    expect(await timed(() => poller.pause(Date.now() + 10_000))).toBeLessThan(POLL_MIN_MS * 2 - 10);
  });

  it('reads streaming output at most once per 25 ms when no key waits for an answer', async () => {
    const stream = setInterval(() => output(), 2);
    let reads = 0;
    const until = Date.now() + 300;
    try {
      while (Date.now() < until) {
        await poller.read();
        reads += 1;
        await poller.pause(until);
      }
    } finally {
      clearInterval(stream);
    }
    expect(reads).toBeLessThanOrEqual(300 / POLL_MIN_MS + 2);
  });

  it('never pauses past the deadline', async () => {
    // Backed off, the next pause would last POLL_MAX_MS: the deadline ends it long before.
    await backOff();
    expect(await timed(() => poller.pause(Date.now() + 5))).toBeLessThan(POLL_MAX_MS / 2);
  });
});
