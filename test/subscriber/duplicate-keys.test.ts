import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope } from '../../core/envelope.js';
import { isMamError } from '../../core/errors.js';
import { hmac } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import {
  count,
  publishAll,
  sealEvent,
  seedJobs,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';

// JSON.parse keeps the last of two equal keys, other parsers the first or refuse: the same signed
// bytes must not read two ways, so only the canonical form every mam emitter writes is accepted.
let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['DK']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const topic = () => topics.events(m.ns, 'DK');

/** A correctly signed envelope of exactly `text`, with the outer object written out as given. */
function signed(
  text: string,
  outer = (kid: string, sig: string, msg: string) => JSON.stringify({ kid, sig, msg }),
): Buffer {
  const kid = m.ctx.keyring.activeKid;
  const sig = hmac(m.ctx.keyring.keyFor(kid, 'DK')!, `mam-v1\n${topic()}\n${text}`).toString('base64url');
  return Buffer.from(outer(kid, sig, text));
}

const msgText = (seq: number, extra = '') =>
  `{"v":1,"ns":"${m.ns}","job":"DK","type":"job.progress","sender":"agent",${extra}"gen":0,"seq":${seq},"ts":${Date.now()},"body":{}}`;
const rejected = (reason: string) =>
  count(m, 'SELECT COUNT(*) AS n FROM rejections WHERE job IS ? AND reason = ?', null, reason) +
  count(m, "SELECT COUNT(*) AS n FROM rejections WHERE job = 'DK' AND reason = ?", reason);
const reasonOf = (payload: Buffer) => {
  try {
    openEnvelope(m.ns, topic(), payload, m.ctx.keyring, 1 << 16);
    return 'opened';
  } catch (err) {
    return isMamError(err) ? err.code : String(err);
  }
};

describe('duplicate keys', () => {
  it('refuses a correctly signed msg with a duplicate key as BAD_ENVELOPE, and the reconciler records it', async () => {
    // "type" twice: JSON.parse would read the second, another parser the first.
    const dup = signed(msgText(5, '"type":"job.done",'));
    expect(reasonOf(dup)).toBe('MAM_ERR_BAD_ENVELOPE');
    const c = await m.connect();
    await publishAll(c, [{ topic: topic(), payload: dup }]);
    await waitUntil(() => rejected('bad_envelope'), 1, 'the duplicate-key msg recorded as bad_envelope');
    expect(count(m, "SELECT COUNT(*) AS n FROM events WHERE job = 'DK' AND sender = 'agent'")).toBe(0);
  });

  it('refuses an outer envelope with a duplicate key, and records it', async () => {
    const good = msgText(6);
    const dupOuter = signed(
      good,
      (kid, sig, msg) => `{"kid":"${kid}","sig":"${sig}","msg":${JSON.stringify('{}')},"msg":${JSON.stringify(msg)}}`,
    );
    expect(reasonOf(dupOuter)).toBe('MAM_ERR_BAD_ENVELOPE');
    const before = rejected('bad_envelope');
    const c = await m.connect();
    await publishAll(c, [{ topic: topic(), payload: dupOuter }]);
    await waitUntil(() => rejected('bad_envelope') - before, 1, 'the duplicate-key envelope recorded as bad_envelope');
    expect(count(m, "SELECT COUNT(*) AS n FROM events WHERE job = 'DK' AND sender = 'agent'")).toBe(0);
  });

  it('refuses whitespace and other spellings, and still opens what mam emits', () => {
    expect(reasonOf(signed(msgText(7).replace('"gen":0', '"gen": 0')))).toBe('MAM_ERR_BAD_ENVELOPE');
    expect(reasonOf(signed(msgText(7).replace('"gen":0', '"gen":0.0')))).toBe('MAM_ERR_BAD_ENVELOPE');
    expect(reasonOf(signed(msgText(7).replace('"sender":"agent"', '"sender":"\\u0061gent"')))).toBe(
      'MAM_ERR_BAD_ENVELOPE',
    );
    expect(reasonOf(signed(msgText(7), (kid, sig, msg) => JSON.stringify({ kid, sig, msg }, null, 1)))).toBe(
      'MAM_ERR_BAD_ENVELOPE',
    );
    expect(reasonOf(signed(msgText(7)))).toBe('opened');
    expect(reasonOf(sealEvent(m, { job: 'DK', seq: 8 }).payload)).toBe('opened');
  });
});
