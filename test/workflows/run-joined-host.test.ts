/**
 * A run started on a joined host (`mam host add C --operator`, `mam join`), with the admin's
 * embedded broker checking every publish against the jobs it saw created for C. The steps C's
 * own reconciler launches must be C's in the broker's eyes too, or their agents' events are
 * refused and the run never ends.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { joinHost, type JoinedHost } from '../helpers/joined-host.js';

const STEP = (name: string) =>
  `[sh, -c, 'printf %s "$MAM_PROMPT" > ${name}.prompt; mam emit job.done --field "summary=${name} ran" || exit 1; exec sleep 600']`;

const WORKFLOW = `name: joined
steps:
  - id: first
    agent: command
    command: ${STEP('first')}
  - id: second
    agent: command
    needs: [first]
    prompt: "after {{steps.first.summary}}"
    command: ${STEP('second')}
`;

describe('a run started on a joined host', () => {
  let h: TestHost;
  let c: JoinedHost | undefined;

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
    c = await joinHost(h, 'C', ['--operator']);
  });
  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it("runs to done: the steps C launches are C's at the broker, their agents' events committed on C", async () => {
    const dir = join(c!.root, 'work');
    mkdirSync(dir);
    writeFileSync(join(dir, 'wf.yaml'), WORKFLOW);
    const r = await c!.mam(['run', join(dir, 'wf.yaml'), '--id', 'jr', '--workdir', dir]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const onC = c!.read;
    await waitFor(() => onC((reg) => reg.getRun('jr')?.state) !== 'running', 40_000, 'the run ended').catch(() => {
      throw new Error(`run: ${JSON.stringify(onC((reg) => [reg.getRun('jr'), reg.runSteps('jr')]))}\n${h.logs()}`);
    });
    expect(onC((reg) => reg.getRun('jr'))).toMatchObject({ state: 'done', reason: null });
    for (const job of ['jr-first-1', 'jr-second-1']) {
      expect(onC((reg) => reg.getJob(job))).toMatchObject({ host: 'C', state: 'done' });
      // The admin follows C's jobs from C's signed snapshots.
      await waitFor(() => h.job(job)?.state === 'done', 20_000, `the admin sees ${job} done`);
    }
    expect(readFileSync(join(dir, 'second.prompt'), 'utf8')).toBe('after first ran');
    // C's own claims for its steps were recorded, never refused as a second create.
    expect(onC((reg) => reg.listRejections({ limit: 100 }))).toEqual([]);
    const owners = readFileSync(join(h.tw.root, '.mam', 'job-owners.jsonl'), 'utf8');
    expect(owners).toContain('{"job":"jr-first-1","host":"C"}');
  }, 120_000);
});
