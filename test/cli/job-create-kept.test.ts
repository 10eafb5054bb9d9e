import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../broker/emitter/outbox.js';
import { makeWorkspace, runMam, startBroker, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;
let broker: Awaited<ReturnType<typeof startBroker>>;

beforeAll(async () => {
  tw = await makeWorkspace({ namespace: 'kept' });
  // A broker that takes smaller packets than the workspace's emitters send: it drops the
  // connection of a publish that is already in the outbox (as an external broker configured
  // with a smaller max_packet_size would).
  tw.patchConfig({ broker: { maxPacketBytes: 4096 }, events: { maxMessageBytes: 2048 } });
  broker = await startBroker(tw);
  tw.patchConfig({ broker: { maxPacketBytes: 262144 }, events: { maxMessageBytes: 65536 } });
});
afterAll(async () => {
  await broker?.close();
  tw?.cleanup();
});

describe('mam job create whose publish fails after the outbox write', () => {
  it('exits 75 and keeps the create in the outbox (not 5: nothing is lost)', async () => {
    const prompt = join(tw.root, 'prompt.txt');
    writeFileSync(prompt, 'p'.repeat(8000));
    const r = await runMam(tw, [
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'K1',
      '--no-launch',
      '--prompt',
      `@${prompt}`,
      '--wait',
      '2s',
      '--',
      'true',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(75);
    expect(String(r.stderr)).toMatch(/kept in .*outbox/);
    expect(listOutbox(tw.context().ws.operatorDir('K1')).map((e) => e.seq)).toEqual([1]);
  });
});
