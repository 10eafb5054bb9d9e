/**
 * Issue 12: a prompt past ≈ 16 KiB failed to launch on tmux ("command too
 * long"), since it rode in the session's environment on tmux's command line.
 * A 64 KiB prompt now reaches the command agent whole on both backends, in
 * the file MAM_PROMPT_FILE names and in MAM_PROMPT. The session log and the
 * prompt file are 0600.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';

// Every byte value a shell could trip on, and multi-byte text, to 64 KiB.
const unit = `line with 'quotes', "double", $HOME, \`ticks\`, \\ and ünïcödé ✓\n`;
const PROMPT = unit.repeat(Math.ceil(65_536 / Buffer.byteLength(unit))).slice(0, 65_536 - 8);

const AGENT = `printf '%s' "$MAM_PROMPT" > from-env.txt
cat "$MAM_PROMPT_FILE" > from-file.txt
mam emit job.done
exec sleep 600
`;

describe('a 64 KiB prompt', () => {
  let h: TestHost;
  beforeAll(async () => {
    // The prompt travels in the signed control.create, which the default 64 KiB message bound would refuse.
    h = await startHost({ config: { events: { maxMessageBytes: 200_000 } } });
  });
  afterAll(async () => h?.close());

  for (const backend of ['tmux', 'pty'] as const) {
    it(`reaches the agent whole (${backend})`, { timeout: 60_000 }, async () => {
      expect(Buffer.byteLength(PROMPT)).toBeGreaterThan(64_000);
      const job = await h.createJob({
        script: AGENT,
        backend,
        prompt: PROMPT,
        expect: ['from-env.txt', 'from-file.txt'],
      });
      await h.waitJob(job.id, (j) => j.state === 'done', 'done', 40_000);
      expect(readFileSync(join(job.workdir, 'from-file.txt'), 'utf8')).toBe(PROMPT);
      expect(readFileSync(join(job.workdir, 'from-env.txt'), 'utf8')).toBe(PROMPT);
      // What mam writes for a session is the owner's alone: its log, its prompt.
      const jobDir = h.ctx.ws.jobDir(job.id);
      for (const f of ['session.log', 'prompt.txt']) expect(statSync(join(jobDir, f)).mode & 0o777, f).toBe(0o600);
    });
  }
});
