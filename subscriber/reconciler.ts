import type { Context } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { prefix } from '../core/topics.js';
import { openRegistry, type JobRow, type Registry } from './registry/registry.js';
import { fileIdentity, recordRegistry, type FileIdentity } from './registry/registry-identity.js';
import { acquireWriterLock } from './registry/writer-lock.js';
import { createStatePublisher, type StatePublisher } from './state-publisher.js';
import { reloadingKeyring } from './reloading-keyring.js';
import { revokingKeyring } from './revoking-keyring.js';
import { hostsPath } from '../core/host-identity.js';
import { createAcknowledger } from './reconciler/acknowledge.js';
import { createAnnouncer } from './reconciler/announce.js';
import { createBatcher } from './reconciler/batcher.js';
import { createBrokerSession } from './reconciler/broker-session.js';
import { createCommitter } from './reconciler/commit.js';
import { hostStatus } from './reconciler/host-status.js';
import { recordingStatuses } from './reconciler/record-host-status.js';
import { startStatusHeartbeat } from './reconciler/status-heartbeat.js';
import { createPipeline } from './reconciler/pipeline.js';
import { createPostCommit } from './reconciler/post-commit.js';
import { createStatePublishing } from './reconciler/publish-states.js';
import { createReceiver } from './reconciler/receive.js';
import { watchRegistry } from './reconciler/registry-watch.js';
import { startSweepLoop } from './reconciler/sweep-loop.js';
import type { CreateHooks, Reconciler, ReconcilerHooks } from './reconciler/types.js';
import { createVerifier } from './reconciler/verify.js';
import { daemonStatsFile, startStatsWriter } from '../core/daemon-stats.js';

export type { CreateHooks, Reconciler, ReconcilerCore, ReconcilerHooks } from './reconciler/types.js';

/**
 * The host's one reconciler: one persistent session, one wildcard subscription
 * over the namespace, batches verified and committed in one SQLite transaction
 * each, PUBACKs released only after the commit, signed state published after.
 */
export async function createReconciler(
  ctx: Context,
  log: Logger,
  createHooks: CreateHooks = () => ({}),
): Promise<Reconciler> {
  // One reconciler per registry: a second would take over the first's broker session (same client id) and write the
  // same database.
  const lock = acquireWriterLock(ctx.ws.db);
  let reg: Registry | undefined;
  try {
    reg = openRegistry(ctx.ws.db);
    // Keys rotated while the reconciler runs are picked up without a restart.
    // A revoked host's keys are refused from the next message on (hosts.json); a joined host holds no master key.
    if (!ctx.joined)
      ctx = {
        ...ctx,
        keyring: revokingKeyring(reloadingKeyring(ctx.ws.keys, ctx.keyFile, log), hostsPath(ctx.ws), log),
      };
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

/**
 * Wires the steps (subscriber/reconciler/): receive → verify → batch → commit →
 * acknowledge → publish state → post-commit actions, with the sweep, the state
 * announcement at each connect and the watch on the registry file beside them.
 */
async function startReconciler(
  ctx: Context,
  log: Logger,
  createHooks: CreateHooks,
  reg: Registry,
  releaseLock: () => void,
  opened: FileIdentity,
): Promise<Reconciler> {
  const { cfg, keyring } = ctx;
  const ns = cfg.namespace;
  const host = cfg.host;
  const status = hostStatus(ns, host, keyring);
  const stats = {
    received: 0,
    committed: 0,
    duplicates: 0,
    rejected: 0,
    batches: 0,
    batchItems: 0,
    commitMs: 0,
    sweeps: 0,
    sweepMs: [] as number[],
    announces: 0,
    announced: 0,
  };
  // Created once connected (below), before the first batch can commit.
  let hooks: ReconcilerHooks = {};
  let closed = false;
  let finished = false;
  // Assigned once connected; messages of the session's backlog can arrive before, and wait for it.
  let states: StatePublisher | undefined;
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));

  // Batches wait for `ready`: the steps after the commit (below) exist by then.
  const batcher = createBatcher({
    log,
    ready,
    batchMax: cfg.reconciler.batchMax,
    batchDelayMs: cfg.reconciler.batchDelayMs,
    process: (items) => processBatch(items),
    disconnect: () => client.mqtt.stream?.destroy(),
  });
  const verify = createVerifier({
    ns,
    host,
    keyring,
    hostOf: (job) => reg.getJob(job)?.host,
    joined: ctx.joined !== undefined,
    events: cfg.events,
    isEcho: (topic, payload) => states?.isEcho(topic, payload) === true,
  });
  const session = createBrokerSession(ctx, status);
  const receive = createReceiver({
    stats,
    verify,
    connection: session.connection,
    enqueue: batcher.add,
    closed: () => closed,
  });
  const client = await session.connect(recordingStatuses({ ctx, reg, log, closed: () => closed }, receive));
  const heartbeat = startStatusHeartbeat({ client, status, log, reg, host, max: cfg.sessions.maxConcurrent });
  states = createStatePublisher({ client, reg, keyring, ns, host });
  const { publishState, publishCommitted } = createStatePublishing({ reg, host, log, states });
  const post = createPostCommit({ log, afterCommit: () => hooks.afterCommit });
  hooks = createHooks({ reg, client, keyring, publishState, settling: post.settling });
  const watch = watchRegistry({
    db: ctx.ws.db,
    opened,
    log,
    disconnect: () => client.mqtt.end(true),
    stop: () => {
      closed = true;
      sweeps.stop();
      heartbeat.stop();
      batcher.discard();
    },
  });
  const sweeps = startSweepLoop({
    ctx,
    reg,
    client,
    log,
    stats,
    extra: () => hooks.sweep?.(),
    stopped: () => closed || watch.registryLost(),
  });
  const processBatch = createPipeline({
    commit: createCommitter({
      log,
      stats,
      apply: {
        reg,
        host,
        replayWindow: cfg.events.replayWindow,
        skewMs: cfg.events.maxSkewSeconds * 1000,
        missingArtifacts: (row: JobRow) => hooks.missingArtifacts?.(row) ?? [],
        checks: hooks.checks,
      },
    }),
    acknowledge: createAcknowledger({ reg, release: session.release, registryLost: watch.registryLost }),
    publishStates: publishCommitted,
    postCommit: post,
  });
  const republishStates = createAnnouncer({
    reg,
    states,
    log,
    ready,
    stats,
    maxAgeSeconds: cfg.events.maxAgeSeconds,
    sweepNow: sweeps.sweepNow,
    sessionPresent: session.sessionPresent,
    closed: () => closed,
  });
  connected();
  client.mqtt.on('connect', () => {
    log.info('connected', { url: ctx.endpoint.url });
    void heartbeat.connected();
    void republishStates().catch((err) => log.warn('state republish failed', err));
  });
  client.mqtt.on('offline', () => log.warn('broker connection lost; reconnecting'));

  try {
    await client.mqtt.subscribeAsync(`${prefix(ns)}/#`, { qos: 1 });
    await heartbeat.connected();
    // The first connect came before the handler above was attached.
    void republishStates().catch((err) => log.warn('state republish failed', err));
  } catch (err) {
    closed = true;
    sweeps.stop();
    heartbeat.stop();
    batcher.cancel();
    await client.close();
    throw err;
  }
  log.info('reconciling', { ns, host, db: ctx.ws.db });
  // The counters for the dashboard's /metrics (the sweeps' recent durations stay in the log).
  const stopStats = startStatsWriter(daemonStatsFile(ctx.ws.runDir, 'reconciler'), () => ({
    ...stats,
    sweepMs: undefined,
  }));

  return {
    reg,
    client,
    stats,
    sweepNow: sweeps.sweepNow,
    settling: post.settling,
    failed: watch.failed,
    publishState,
    async close() {
      if (finished) return;
      finished = true;
      heartbeat.stop();
      stopStats();
      if (watch.wasLost()) {
        // Nothing to finish: what was received stays unacknowledged with the broker.
        await post.actions();
        await sweeps.current();
        reg.close();
        releaseLock();
        return;
      }
      closed = true;
      sweeps.stop();
      batcher.cancel();
      // Finish what was received: commit it and release its PUBACKs before leaving.
      await batcher.drain();
      await post.actions();
      await sweeps.current();
      await client.publish(status.topic, status.seal('offline'), { qos: 1, retain: true }).catch(() => {});
      await client.close();
      reg.close();
      releaseLock();
      log.info('closed', stats);
    },
  };
}
