/**
 * A quality gate that fails twice, then passes, against a real broker, reconciler and sessions
 * (tmux and node-pty). The agent is the fake Claude Code, driven through the claude adapter's
 * screens; it fixes its file only after the gate's failure text reached it as a prompt twice.
 * Its one session lives through every failed run and ends only after the final verified done.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeClaudeHost } from '../../helpers/host/fake-claude-host.js';
import type { TestHost } from '../../helpers/host/index.js';

const MARK = 'NOT-FIXED-YET';
// The gate: state.txt must say "fixed".
const GATE = `grep -q fixed state.txt || { echo "state.txt: ${MARK}"; exit 1; }`;
// Run by the fake on every prompt: counts the prompts that carry the gate's failure, fixes the file on the second.
const ON_PROMPT = `p=$(cat); case "$p" in *${MARK}*) n=$(( $(cat feedback 2>/dev/null || echo 0) + 1 )); echo $n > feedback; [ $n -ge 2 ] && echo fixed > state.txt;; esac; exit 0`;

let h: TestHost;
beforeAll(async () => {
  h = await startFakeClaudeHost();
});
afterAll(async () => {
  await h?.close();
});

describe('a gate that fails twice, then passes: the failure goes back to the same live session', () => {
  for (const backend of ['tmux', 'pty'] as const) {
    it(`claude on ${backend}`, { timeout: 120_000 }, async () => {
      // The fake reads its knobs at its start: they are in its workdir before the job is created.
      const id = `fix-${backend}`;
      const workdir = h.workdirOf(id);
      const fakeLog = join(workdir, 'fake.log');
      mkdirSync(workdir, { recursive: true });
      writeFileSync(
        join(workdir, '.fake.json'),
        JSON.stringify({ FAKE_START_MS: '300', FAKE_LOG: fakeLog, FAKE_ON_PROMPT: ON_PROMPT }),
      );
      await h.createJob({
        id,
        backend,
        worktree: false,
        spec: {
          agent: 'claude',
          prompt: 'make state.txt say fixed',
          gate: GATE,
          gateAttempts: 3,
          gateTimeoutMs: 20_000,
        },
      });
      const fake = () => (existsSync(fakeLog) ? readFileSync(fakeLog, 'utf8') : '');
      // While the gate fails, the session is never ended: every time a check ends, it is still live.
      const aliveAtChecks: boolean[] = [];
      const watch = setInterval(() => {
        const checks = h.read((reg) => reg.checksOf(id));
        const s = h.session(id, 1);
        while (aliveAtChecks.length < checks.filter((c) => c.result === 'failed').length)
          aliveAtChecks.push(!!s && s.ended_at === null);
      }, 20);
      const done = await h
        .waitJob(id, (j) => j.state === 'done', 'done after the third gate run', 90_000)
        .catch((err: Error) => {
          throw new Error(`${err.message}\n--- fake log\n${fake()}`);
        })
        .finally(() => clearInterval(watch));

      const checks = h.read((reg) => reg.checksOf(id));
      expect(checks.map((c) => [c.n, c.gen, c.result, c.exit_code])).toEqual([
        [1, 1, 'failed', 1],
        [2, 1, 'failed', 1],
        [3, 1, 'passed', 0],
      ]);
      expect(aliveAtChecks).toEqual([true, true]);
      expect(done.gen, 'one generation throughout').toBe(1);
      expect(done.gate_runs).toBe(3);
      expect(done.reason).toMatch(/quality gate run 3 passed/);
      expect(readFileSync(join(h.ctx.ws.jobDir(id), 'gate-1.log'), 'utf8')).toContain(`state.txt: ${MARK}`);
      // The fake got the failure text as a prompt twice, in the one process it started as.
      expect(readFileSync(join(workdir, 'feedback'), 'utf8').trim()).toBe('2');
      const log = fake();
      expect(log.match(/ start args=/g)).toHaveLength(1);
      expect(
        log.match(/submitted "The quality gate failed, so the task is not done yet \(attempt \d of 3\)/g),
      ).toHaveLength(2);
      // Ended only after the final verified done, and only once.
      await h.waitJob(id, () => !!h.session(id, 1)?.ended_at, 'the session ended');
      const s = h.session(id, 1)!;
      expect(s.backend).toBe(backend);
      expect(s.end_reason).toMatch(/quality gate run 3 passed/);
      expect(s.ended_at!).toBeGreaterThanOrEqual(checks[2]!.ended_at!);
      expect(h.read((reg) => reg.getSession(id, 2))).toBeUndefined();
      expect(await h.sessionAlive(s)).toBe(false);
    });
  }
});
