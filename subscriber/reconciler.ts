import { performance } from 'node:perf_hooks';
import type { IPublishPacket } from 'mqtt';
import { connectClient, type MeshClient } from '../broker/client.js';
import { reconcilerClientId } from '../broker/client-ids.js';
import { maxEnvelopeBytes } from '../core/config.js';
import type { Context } from '../core/context.js';
import { openEnvelope, sealEnvelope, type Opened, type SenderMismatch } from '../core/envelope.js';
import { isMamError, MamError } from '../core/errors.js';
import type { Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';
import { parseTopic, prefix, topics } from '../core/topics.js';
import { applyMessage, recordRejection, type Outcome } from './apply-message.js';
import { deferPubacks } from './deferred-pubacks.js';
import { mirrorEscalation } from './policies/escalation-messages.js';
import { openRegistry, type JobRow, type Registry } from './registry/registry.js';
import { pruneRejections } from './registry/prune-rejections.js';
import { fileIdentity, recordRegistry, registryChange, registryGone, type FileIdentity } from './registry/registry-identity.js';
import { acquireWriterLock } from './registry/writer-lock.js';
import { createStatePublisher, type Refusal } from './state-publisher.js';
import { reloadingKeyring } from './reloading-keyring.js';
import { sweepOutboxes } from './sweep-outboxes.js';

/** A message that failed after it had written: its batch must be committed again, message by message. */
class PartialWrite extends Error {
  constructor(cause: unknown) {
    super('a message failed after writing to the registry', { cause });
  }
}

interface Committed {
  outcomes: Outcome[];
  ackedByJob: Map<string, Array<[string, number]>>;
  /** verified events refused for a job: (sender, seq, reason, detail), so their emitters can say so */
  refusedByJob: Map<string, Refusal[]>;
  touched: Set<string>;
}

interface Pending {
  topic: string;
  payload: Buffer;
  messageId?: number;
  connection: number;
  /** verified on arrival (null: not for the reconciler; an Error: refused) */
  opened: Opened | Error | null;
  /** a verified message refused on arrival all the same (its timestamp): its job, sender and seq are known */
  refusedOpened?: Opened;
  /**
   * A message whose sender is not of its key's class: recorded with the job, sender and seq it
   * claims, but never listed as a refusal in the job's state, where the sender it impersonates
   * would take it for the refusal of its own event of that seq.
   */
  claimed?: Opened;
}

export interface ReconcilerHooks {
  /**
   * Runs after each committed batch, with what it did (launch, terminate …: issue-level features plug in here).
   * Called in commit order, but without waiting for the previous batch's call to finish.
   */
  afterCommit?(outcomes: Outcome[]): void | Promise<void>;
  /** Extra work for each sweep (drift checks). */
  sweep?(): void | Promise<void>;
  /** Expected artifacts of a job that are missing (a done without them does not end the job). */
  missingArtifacts?(job: JobRow): string[];
}

/** What the reconciler lends the parts plugged into it, when it creates them. */
export interface ReconcilerCore {
  reg: Registry;
  client: MeshClient;
  /** the keys the reconciler signs and verifies with (reloaded when rotated) */
  keyring: Keyring;
  /** Publishes the retained state of a job of this host (after changes made outside the event path). */
  publishState(job: string): Promise<void>;
  /** True while a committed batch's post-commit work for the job (launch, termination) is still to finish. */
  settling(job: string): boolean;
}

/** Creates the hooks once the registry, client and state publisher exist, before any batch commits. */
export type CreateHooks = (core: ReconcilerCore) => ReconcilerHooks;

export interface Reconciler {
  reg: Registry;
  client: MeshClient;
  /** Publishes the retained state of a job of this host (after changes made outside the event path). */
  publishState(job: string): Promise<void>;
  sweepNow(): Promise<void>;
  /** True while a committed batch's post-commit work for the job (launch, termination) is still to finish. */
  settling(job: string): boolean;
  /** Settles only if the registry file is deleted or replaced under the reconciler: it has stopped taking messages. */
  failed: Promise<MamError>;
  /** sweepMs: durations of the latest sweeps (outbox + drift), newest last, at most 32 */
  stats: {
    received: number; committed: number; duplicates: number; rejected: number; batches: number; sweeps: number; sweepMs: number[];
    /** state announcements made at connects, and how many job snapshots the last one published */
    announces: number; announced: number;
  };
  close(): Promise<void>;
}

/**
 * The host's one reconciler: one persistent session, one wildcard subscription
 * over the namespace, batches verified and committed in one SQLite transaction
 * each, PUBACKs released only after the commit, signed state published after.
 */
export async function createReconciler(ctx: Context, log: Logger, createHooks: CreateHooks = () => ({})): Promise<Reconciler> {
  // One reconciler per registry: a second would take over the first's broker session (same client id) and write the same database.
  const lock = acquireWriterLock(ctx.ws.db);
  let reg: Registry | undefined;
  try {
    reg = openRegistry(ctx.ws.db);
    // Keys rotated while the reconciler runs are picked up without a restart.
    ctx = { ...ctx, keyring: reloadingKeyring(ctx.ws.keys, ctx.keyFile, log) };
    // The file this reconciler writes: a registry deleted or replaced under it must stop it (see registryLost).
    const opened = fileIdentity(ctx.ws.db)!;
    recordRegistry(ctx.ws.runDir, ctx.ws.db, opened);
    return await startReconciler(ctx, log, createHooks, reg, lock.release, opened);
  } catch (err) {
    reg?.close();
    lock.release();
    throw err;
  }
}

async function startReconciler(ctx: Context, log: Logger, createHooks: CreateHooks, reg: Registry, releaseLock: () => void, opened: FileIdentity): Promise<Reconciler> {
  const { cfg, keyring } = ctx;
  const ns = cfg.namespace;
  const host = cfg.host;
  const statusTopic = topics.status(ns, host);
  const status = (s: 'online' | 'offline') =>
    sealEnvelope(ns, statusTopic, { v: 1, ns, job: host, type: 'host.status', sender: `reconciler@${host}`, gen: 0, seq: Date.now(), ts: Date.now(), body: { status: s, pid: process.pid, since: Date.now() } }, keyring);

  /** jobs of committed batches whose post-commit work (launch, termination) has not finished, by count */
  const settling = new Map<string, number>();
  const stats = { received: 0, committed: 0, duplicates: 0, rejected: 0, batches: 0, sweeps: 0, sweepMs: [] as number[], announces: 0, announced: 0 };
  // Created once connected (below), before the first batch can commit.
  let hooks: ReconcilerHooks = {};
  const applyCtx = {
    reg, host, replayWindow: cfg.events.replayWindow, skewMs: cfg.events.maxSkewSeconds * 1000,
    missingArtifacts: (row: JobRow) => hooks.missingArtifacts?.(row) ?? [],
  };

  let batch: Pending[] = [];
  let scheduled: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let actions: Promise<void> = Promise.resolve();
  let closed = false;
  /** set once the registry file is gone: nothing more is committed or acknowledged */
  let lost: MamError | undefined;
  let finished = false;
  let fail!: (err: MamError) => void;
  const failed = new Promise<MamError>((resolve) => (fail = resolve));

  const onMessage = (packet: IPublishPacket, done: () => void) => {
    if (!closed) {
      stats.received++;
      // Verified as it arrives: pure CPU, done while earlier batches wait on the disk or the broker.
      const it: Pending = { topic: packet.topic, payload: packet.payload as Buffer, messageId: packet.messageId, connection: acks.connection(), opened: null };
      it.opened = verify(it, Date.now());
      batch.push(it);
      if (batch.length >= cfg.reconciler.batchMax) flushSoon(0);
      else flushSoon(cfg.reconciler.batchDelayMs);
    }
    done();
  };
  let acks!: ReturnType<typeof deferPubacks>;
  // Assigned once connected; messages of the session's backlog can arrive before, and wait for it.
  let states: ReturnType<typeof createStatePublisher> | undefined;
  let connected!: () => void;
  /** whether the broker kept this reconciler's session at the last connect (it then kept its retained messages too) */
  let sessionPresent = false;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = await connectClient({
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    username: ctx.creds.reconciler.username,
    password: ctx.creds.reconciler.password,
    clientId: reconcilerClientId(ns, host),
    clean: false,
    reconnectMs: cfg.broker.reconnectMs,
    maxInflight: cfg.broker.maxInflight,
    will: { topic: statusTopic, payload: status('offline'), qos: 1, retain: true },
    // Installed before connecting: the persistent session's backlog may come with the CONNACK.
    prepare(c) {
      c.on('connect', (connack) => (sessionPresent = connack.sessionPresent));
      acks = deferPubacks(c);
      c.handleMessage = onMessage;
    },
  });
  states = createStatePublisher({ client, reg, keyring, ns, host });
  const publishState = async (job: string) => {
    await reg.synced();
    await Promise.all(states!.publish(job));
  };
  const isSettling = (job: string) => settling.has(job);
  hooks = createHooks({ reg, client, keyring, publishState, settling: isSettling });
  connected();
  client.mqtt.on('connect', () => {
    log.info('connected', { url: ctx.endpoint.url });
    void client.publish(statusTopic, status('online'), { qos: 1, retain: true }).catch(() => {});
    void republishStates().catch((err) => log.warn('state republish failed', err));
  });

  /**
   * A restarted broker may have lost its retained messages (the embedded one keeps them in
   * memory), and with them the generation an operator's `mam emit` learns from a job's state.
   * Live jobs get their snapshot again at each connect; jobs ended within `events.maxAgeSeconds`
   * (which a resume can still reach) only when the broker did not keep this reconciler's session,
   * i.e. lost its state: the cost of a reconnect follows the live work, not the registry's size.
   */
  async function republishStates() {
    await ready;
    await reg.synced();
    const ended = !sessionPresent;
    const t0 = performance.now();
    const o = { since: Date.now() - cfg.events.maxAgeSeconds * 1000, stop: () => closed };
    let n = await states!.announce('live', o);
    if (ended) {
      // The live jobs' drift (sessions lost while the host was down) before the bulk of ended jobs.
      await sweepNow();
      n += await states!.announce('ended', o);
    }
    stats.announced = n;
    stats.announces++;
    if (n) log.info('job states announced', { jobs: n, endedToo: ended, ms: Math.round(performance.now() - t0) });
  }
  client.mqtt.on('offline', () => log.warn('broker connection lost; reconnecting'));

  function flushSoon(delay: number) {
    if (scheduled && delay > 0) return;
    clearTimeout(scheduled);
    scheduled = setTimeout(() => {
      scheduled = undefined;
      flushing = flushing.then(flush).catch(flushFailed);
    }, delay);
  }

  /**
   * A failed commit acknowledged nothing; dropping the connection makes the
   * broker redeliver every unacknowledged message to the persistent session.
   */
  function flushFailed(err: unknown) {
    log.error('commit failed; reconnecting for redelivery', err);
    client.mqtt.stream?.destroy();
  }

  async function flush(): Promise<void> {
    await ready;
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    stats.batches++;
    const now = Date.now();
    let done: Committed;
    try {
      done = commit(items, now, false);
    } catch (err) {
      if (!(err instanceof PartialWrite)) throw err;
      // The whole batch was rolled back: committed again, each message in a savepoint of its own.
      log.warn('a message failed after writing; batch committed again message by message', err.cause);
      done = commit(items, now, true);
    }
    const { outcomes, ackedByJob, refusedByJob, touched } = done;
    for (const out of outcomes) {
      if (out.kind === 'applied' || out.kind === 'created' || out.kind === 'resumed' || out.kind === 'recorded') stats.committed++;
      else if (out.kind === 'duplicate') stats.duplicates++;
      else stats.rejected++;
    }
    // Until the batch's post-commit work is done, the drift sweep leaves its jobs to it.
    const jobs = [...new Set(outcomes.flatMap((o) => (o.job ? [o.job] : [])))];
    for (const j of jobs) settling.set(j, (settling.get(j) ?? 0) + 1);
    const settled = () => {
      for (const j of jobs) {
        const n = (settling.get(j) ?? 1) - 1;
        if (n > 0) settling.set(j, n);
        else settling.delete(j);
      }
    };
    // The batch's session actions when it has any, else nothing: the jobs settle when it is done.
    let handedOver: Promise<unknown> = Promise.resolve();
    try {
      // Nothing is acknowledged, published or acted on before the commit is on disk.
      await reg.synced();
      // ... on the disk the registry is on: a commit to a deleted file is lost, so its messages stay the broker's.
      if (registryLost()) return;
      acks.release(items);
      const publishes: Promise<void>[] = [];
      for (const job of touched) {
        if (reg.getJob(job)?.host === host) publishes.push(...states!.publish(job, ackedByJob.get(job), refusedByJob.get(job)));
      }
      // Launches and terminations run outside ingestion, so a slow session never stalls it; batches are
      // handed over in commit order but not queued behind each other's work (the hook keeps each job's
      // actions in order), so one job's slow launch never delays another job's termination. They start
      // beside the state publishes (already queued on the connection, so still sent first), not after their PUBACKs.
      if (hooks.afterCommit) {
        const run = hooks.afterCommit;
        const started = Promise.resolve().then(() => run(outcomes)).catch((err) => log.error('post-commit action failed', err));
        actions = Promise.all([actions, started]).then(() => undefined);
        handedOver = started;
      }
      await Promise.all(publishes).catch((err) => log.warn('state publish failed', err));
    } finally {
      void handedOver.then(settled);
    }
  }

  /**
   * Commits one verified batch in one transaction. A savepoint per message
   * costs more than the rest of its commit, so by default messages share the
   * transaction: one refused before it wrote anything is only recorded, and
   * one that failed after writing aborts the batch (PartialWrite) for the
   * caller to commit again with `isolate`, every message in its own savepoint.
   */
  function commit(items: Pending[], now: number, isolate: boolean): Committed {
    const outcomes: Outcome[] = [];
    const ackedByJob = new Map<string, Array<[string, number]>>();
    const refusedByJob = new Map<string, Refusal[]>();
    const touched = new Set<string>();
    const noteRefusal = (o: Opened, out: Outcome) => {
      if (out.kind !== 'rejected') return;
      const list = refusedByJob.get(o.msg.job) ?? [];
      list.push([o.msg.sender, o.msg.seq, out.reason, out.detail]);
      refusedByJob.set(o.msg.job, list);
    };
    reg.transaction(() => {
      items.forEach((it) => {
        const o = it.opened;
        if (o === null) return;
        if (o instanceof Error) {
          const out = recordRejection(reg, o, it.topic, it.payload, it.refusedOpened ?? it.claimed);
          outcomes.push(out);
          if (it.refusedOpened) {
            noteRefusal(it.refusedOpened, out);
            touched.add(it.refusedOpened.msg.job);
          }
          return;
        }
        if (o.topic.kind === 'state') return mirrorState(o);
        if (o.topic.kind === 'escalations') return mirrorEscalation(reg, host, o);
        let out: Outcome;
        const writes = reg.writes();
        try {
          out = isolate ? reg.transaction(() => applyMessage(applyCtx, o, it.payload, it.topic, now)) : applyMessage(applyCtx, o, it.payload, it.topic, now);
        } catch (err) {
          if (!isolate && reg.writes() !== writes) throw new PartialWrite(err);
          out = recordRejection(reg, err, it.topic, it.payload, o);
        }
        if (out.kind === 'duplicate') recordRejection(reg, new MamError('REPLAY', 'seq already committed (duplicate or replay); acknowledged, not applied'), it.topic, it.payload, o);
        outcomes.push(out);
        if (out.kind !== 'rejected' || reg.hasEvent(o.msg.job, o.msg.sender, o.msg.seq)) {
          const list = ackedByJob.get(o.msg.job) ?? [];
          list.push([o.msg.sender, o.msg.seq]);
          ackedByJob.set(o.msg.job, list);
        }
        noteRefusal(o, out);
        touched.add(o.msg.job);
      });
    });
    return { outcomes, ackedByJob, refusedByJob, touched };
  }

  /** null: not for the reconciler (its own echoes, output chunks); an Error: refused. */
  function verify(it: Pending, now: number): Opened | Error | null {
    const t = parseTopic(ns, it.topic);
    if (t && (t.kind === 'output' || t.kind === 'status')) return null;
    if (t?.kind === 'state' && states?.isEcho(it.topic, it.payload)) return null;
    try {
      const o = openEnvelope(ns, it.topic, it.payload, keyring, cfg.events.maxMessageBytes);
      if ((o.topic.kind === 'state' || o.topic.kind === 'escalations') && o.msg.sender === `reconciler@${host}`) return null;
      if (o.msg.ts < now - cfg.events.maxAgeSeconds * 1000 || o.msg.ts > now + cfg.events.maxSkewSeconds * 1000) {
        it.refusedOpened = o;
        throw new MamError('TIMESTAMP', `timestamp ${o.msg.ts} is outside the accepted window`);
      }
      return o;
    } catch (err) {
      if (isMamError(err, 'SENDER_MISMATCH')) it.claimed = (err as SenderMismatch).claimed;
      return err as Error;
    }
  }

  /** Snapshots from the owner of a job on another host keep this host's copy of the job current. */
  function mirrorState(o: Opened) {
    const row = reg.getJob(o.msg.job);
    if (!row || row.host === host || o.msg.sender !== `reconciler@${row.host}`) return;
    const b = o.msg.body as { state: typeof row.state; reason: string | null; gen: number };
    reg.mirrorJob(row.id, b.state, b.reason, b.gen);
  }

  /**
   * Whether the registry file was deleted or replaced under this process. Then
   * the reconciler stops at once: no message is taken or acknowledged any more
   * (the broker keeps them for a reconciler with a real registry), and
   * `failed` settles for the process to exit non-zero.
   */
  function registryLost(): boolean {
    if (lost) return true;
    const change = registryChange(ctx.ws.db, opened);
    if (!change) return false;
    lost = registryGone(ctx.ws.db, change);
    closed = true;
    clearInterval(sweepTimer);
    clearTimeout(scheduled);
    batch = [];
    log.error(lost.message, lost);
    client.mqtt.end(true);
    fail(lost);
    return true;
  }

  /** The sweep in progress: one at a time, and close() waits for it. */
  let sweeping: Promise<void> | undefined;
  function sweepNow(): Promise<void> {
    if (closed || registryLost()) return Promise.resolve();
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
    return sweeping;
  }
  async function sweepOnce() {
    const t0 = performance.now();
    try {
      const r = await sweepOutboxes(ctx.ws.jobsDir, reg, client, {
        ns,
        keyring,
        maxBytes: maxEnvelopeBytes(cfg),
        graceMs: Math.max(5000, cfg.emit.ackTimeoutMs),
        maxAgeMs: cfg.events.maxAgeSeconds * 1000,
      });
      if (r.resent || r.expired || r.refused || r.setAside) log.info('outbox sweep', r);
      const pruned = pruneRejections(reg, cfg.rejections);
      if (pruned) log.info('rejections pruned', { pruned, ...cfg.rejections });
      await hooks.sweep?.();
    } catch (err) {
      log.warn('sweep failed', err);
    } finally {
      stats.sweeps++;
      if (stats.sweepMs.push(Math.round(performance.now() - t0)) > 32) stats.sweepMs.shift();
    }
  }
  const sweepTimer = setInterval(() => void sweepNow(), cfg.reconciler.sweepIntervalMs);

  try {
    await client.mqtt.subscribeAsync(`${prefix(ns)}/#`, { qos: 1 });
    await client.publish(statusTopic, status('online'), { qos: 1, retain: true });
    // The first connect came before the handler above was attached.
    void republishStates().catch((err) => log.warn('state republish failed', err));
  } catch (err) {
    closed = true;
    clearInterval(sweepTimer);
    clearTimeout(scheduled);
    await client.close();
    throw err;
  }
  log.info('reconciling', { ns, host, db: ctx.ws.db });

  return {
    reg,
    client,
    stats,
    sweepNow,
    settling: isSettling,
    failed,
    publishState,
    async close() {
      if (finished) return;
      finished = true;
      if (lost) {
        // Nothing to finish: what was received stays unacknowledged with the broker.
        await actions;
        await sweeping;
        reg.close();
        releaseLock();
        return;
      }
      closed = true;
      clearInterval(sweepTimer);
      clearTimeout(scheduled);
      // Finish what was received: commit it and release its PUBACKs before leaving.
      flushing = flushing.then(flush).catch((err) => log.error('final commit failed; the broker keeps the messages', err));
      await flushing;
      await actions;
      await sweeping;
      await client.publish(statusTopic, status('offline'), { qos: 1, retain: true }).catch(() => {});
      await client.close();
      reg.close();
      releaseLock();
      log.info('closed', stats);
    },
  };
}
