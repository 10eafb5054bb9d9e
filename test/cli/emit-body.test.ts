import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { eventually, subscribeAll, useBrokerSuite } from '../helpers/mesh.js';
import { runMam } from '../helpers/workspace.js';

const NS = 'body';
const suite = useBrokerSuite(NS);

async function bodiesOf(job: string) {
  const reader = await suite.connect('reader');
  const { messages } = await subscribeAll(reader, [topics.events(NS, job)]);
  return () => messages.map((m) => openEnvelope(NS, m.topic, m.payload, suite.ctx.keyring, 1 << 20).msg.body);
}

describe('mam emit --body from a file or stdin', () => {
  it("--body @file sends the file's JSON", async () => {
    const seen = await bodiesOf('B1');
    const body = { message: 'from a file '.concat('x'.repeat(4000)) };
    const file = join(suite.tw.root, 'body.json');
    writeFileSync(file, JSON.stringify(body));
    const r = await runMam(suite.tw, ['emit', 'job.progress', '--job', 'B1', '--no-wait', '--body', '@body.json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await eventually(() => expect(seen()).toContainEqual(body));
  });

  it('--body - reads stdin', async () => {
    const seen = await bodiesOf('B2');
    const r = await runMam(suite.tw, ['emit', 'job.progress', '--job', 'B2', '--no-wait', '--body', '-'], {
      input: '{"message":"from stdin"}',
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await eventually(() => expect(seen()).toContainEqual({ message: 'from stdin' }));
  });

  it('--body @missing is not found (4) and sends nothing', async () => {
    const r = await runMam(suite.tw, ['emit', 'job.progress', '--job', 'B3', '--no-wait', '--body', '@missing.json']);
    expectCleanFailure(r, 4);
  });
});
