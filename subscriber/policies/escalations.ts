import type { MeshClient } from '../../broker/client.js';
import type { Keyring } from '../../core/keys.js';
import { errorData, type Logger } from '../../core/logger.js';
import { senderClass } from '../../core/signers.js';
import type { Outcome } from '../apply-message.js';
import type { EscalationRow } from '../registry/policy-writes.js';
import type { Registry } from '../registry/registry.js';
import { createEscalationSealer, type EscalationMessage, openBody } from './escalation-messages.js';

export interface EscalationDeps {
  reg: Registry;
  host: string;
  ns: string;
  client: MeshClient;
  keyring: Keyring;
  log: Logger;
}

/** Raises what needs a person: records it once per job and kind, and publishes it when new. */
export type Escalate = (
  job: string,
  kind: string,
  reason: string,
  command: string,
) => Promise<EscalationRow | undefined>;

/** States in which nothing is asked of a person any more: every open escalation of the job clears. */
const RESOLVED = new Set(['done', 'cancelled']);
const REASON_MAX = 4096;
const COMMAND_MAX = 1024;

/**
 * Escalations of this host's jobs (docs/POLICIES.md, "Escalations and inbox"): each is a registry
 * row (what `mam inbox` lists) and a signed, retained message on jobs/<job>/escalations, raised by
 * the policies (blocked here; gates, retries, breakers and approvals through `escalate`) and
 * cleared when the job resolves: done or cancelled, resumed, or acted on by an operator or a
 * verdict. The registry is written first, the message follows once the write is on disk.
 */
export function createEscalations(d: EscalationDeps) {
  const { reg, host, log } = d;
  const seal = createEscalationSealer(d);
  // One job's escalation work in order: a clear never overtakes the raise it answers.
  const chains = new Map<string, Promise<unknown>>();
  function serial<T>(job: string, work: () => Promise<T>): Promise<T> {
    const next = (chains.get(job) ?? Promise.resolve()).then(work);
    const settled = next.catch((err) => log.error('escalation failed', { job, error: errorData(err) }));
    chains.set(job, settled);
    void settled.then(() => chains.get(job) === settled && chains.delete(job));
    return next;
  }

  async function publish(job: string, m: EscalationMessage): Promise<void> {
    const { topic, payload } = seal(job, reg.getJob(job)?.gen ?? 0, m);
    await reg.synced();
    await d.client
      .publish(topic, payload, { qos: 1, retain: true })
      .catch((err) => log.warn('escalation not published', { job, error: errorData(err) }));
  }

  const escalate: Escalate = (job, kind, reason, command) =>
    serial(job, async () => {
      const row = reg.escalate({
        job,
        host,
        kind,
        reason: (reason || kind).slice(0, REASON_MAX),
        command: command.slice(0, COMMAND_MAX),
      });
      if (!row) return undefined;
      log.info('escalated', { job, kind, command, untrusted: { reason: row.reason } });
      await publish(job, { type: 'escalation.open', body: openBody(row) });
      return row;
    });

  /**
   * Clears the job's open escalations that `which` picks (all by default) and says so on the
   * topic; one still open is announced again, so the topic's retained message stays true.
   */
  const clear = (job: string, why: string, which: (e: EscalationRow) => boolean = () => true): Promise<number> =>
    serial(job, async () => {
      const open = reg.openEscalations({ job });
      const cleared = open.filter(which);
      if (!cleared.length) return 0;
      const kinds = [...new Set(cleared.map((e) => e.kind))];
      for (const kind of kinds) reg.clearEscalations(job, kind);
      log.info('escalation cleared', { job, kinds, why });
      await publish(job, {
        type: 'escalation.cleared',
        body: { job, host, kinds, reason: why.slice(0, REASON_MAX), at: Date.now() },
      });
      const left = open.filter((e) => !cleared.includes(e)).at(-1);
      if (left) await publish(job, { type: 'escalation.open', body: openBody(left) });
      return cleared.length;
    });

  /**
   * Brings a job's escalations in line with its state now: a blocked job is escalated; a job done
   * or cancelled has every escalation cleared; a job no longer blocked has its blocked one cleared.
   */
  async function settle(job: string): Promise<void> {
    const row = reg.getJob(job);
    if (!row || row.host !== host) return;
    if (RESOLVED.has(row.state)) await clear(job, `job ${row.state}`);
    else if (row.state === 'blocked') await escalate(job, 'blocked', row.reason ?? 'blocked', `mam job resume ${job}`);
    else await clear(job, `job ${row.state}`, (e) => e.kind === 'blocked');
  }

  /**
   * A committed batch: its state changes settle, and a person's act on a job (resume, verdict, operator event) clears
   * what it asked.
   */
  async function afterCommit(outcomes: Outcome[]): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const o of outcomes) {
      if (o.kind === 'resumed' && o.ownHost) work.push(clear(o.job, `resumed by ${o.sender}`));
      if (o.kind !== 'applied') continue;
      if (o.type === 'review.verdict' || senderClass(o.sender) === 'operator') {
        // What the job's state still asks (blocked while blocked) stays open.
        work.push(clear(o.job, `${o.type} from ${o.sender}`, (e) => !(e.kind === 'blocked' && o.to === 'blocked')));
      }
      if (o.from !== o.to) work.push(settle(o.job));
    }
    await Promise.all(work);
  }

  /**
   * Catches up with what a restart or a missed hook left: blocked jobs without their escalation, escalations their job
   * resolved.
   */
  async function sweep(): Promise<void> {
    const open = reg.openEscalations({ host });
    const jobs = new Set([...open.map((e) => e.job), ...reg.jobsInState(host, 'blocked').map((j) => j.id)]);
    await Promise.all([...jobs].map(settle));
  }

  /**
   * The newest open escalation of each job of this host, again: a restarted broker may have lost its retained messages.
   */
  async function announce(): Promise<void> {
    const newest = new Map(reg.openEscalations({ host }).map((e) => [e.job, e]));
    await Promise.all(
      [...newest.values()].map((e) =>
        serial(e.job, () => publish(e.job, { type: 'escalation.open', body: openBody(e) })),
      ),
    );
  }
  /**
   * The job's newest open escalation, when one was recorded outside `escalate` (in the transaction of the state change
   * that raised it).
   */
  const announceJob = (job: string): Promise<void> =>
    serial(job, async () => {
      const e = reg.openEscalations({ job }).at(-1);
      if (e) await publish(job, { type: 'escalation.open', body: openBody(e) });
    });
  d.client.mqtt.on('connect', () => void announce());
  void announce();

  return { escalate, clear, settle, afterCommit, sweep, announceJob };
}

export type Escalations = ReturnType<typeof createEscalations>;
