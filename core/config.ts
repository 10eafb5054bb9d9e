import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { MamError } from './errors.js';
import { describeErrors, validatorFor } from './json-schema.js';
import type { Workspace } from './workspace.js';

export interface AgentConfig {
  bin?: string;
  args?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  maxConcurrent?: number;
  gate?: string;
  /** what the agent may use inside the sandbox besides its worktree (agents/sandbox/) */
  binds?: Array<{ path: string; mode: 'rw' | 'ro' }>;
}

/** What a notification is about (docs/DASHBOARD.md, "Notifications"). */
export type NotifyKind = 'blocked' | 'failed' | 'escalated' | 'approval' | 'done' | 'host-offline' | 'breaker-open';

/** One destination of notifications: exactly one of webhook, command, ntfy. */
export interface NotifySink {
  name?: string;
  events: NotifyKind[];
  webhook?: { url: string; secretFile?: string };
  command?: string[];
  ntfy?: { url: string };
  rateLimitPerMinute: number;
  attempts: number;
  timeoutMs: number;
}

/** The validated, defaulted, frozen workspace config (schemas/config.schema.json). */
export interface Config {
  namespace: string;
  host: string;
  broker: {
    url?: string;
    caFile?: string;
    bind: string;
    port: number;
    wssPort: number | null;
    maxPacketBytes: number;
    maxTopicLevels: number;
    maxInflight: number;
    /** the reconciler's MQTT keepalive: its offline status follows 1.5 × this much silence */
    hostKeepaliveSeconds: number;
    agentLogin: 'per-job' | 'shared';
    reconnectMs: number;
    urls?: string[];
    cluster?: string;
    clusterHeartbeatMs: number;
  };
  events: { maxMessageBytes: number; maxAgeSeconds: number; maxSkewSeconds: number; replayWindow: number };
  emit: { ackTimeoutMs: number };
  reconciler: { sweepIntervalMs: number; batchMax: number; batchDelayMs: number };
  rejections: { keepMax: number; keepDays: number };
  sessions: {
    backend: 'auto' | 'tmux' | 'pty';
    isolation: 'auto' | 'bwrap' | 'none';
    tmuxSocket: string;
    killGraceMs: number;
    stalledAfterSeconds: number;
    logMaxBytes: number;
    logKeep: number;
    startDeadlineSeconds: number;
    maxConcurrent: number;
  };
  scheduler: { agingSeconds: number };
  dashboard: { enabled: boolean; bind: string; port: number; loginTtlSeconds: number; sessionHours: number };
  notify: { dashboardUrl?: string; sinks: NotifySink[] };
  policies: {
    gate?: string;
    gateAttempts: number;
    gateTimeoutMs: number;
    retries: number;
    backoffMinMs: number;
    backoffMaxMs: number;
    approval: 'auto' | 'human' | 'risk';
  };
  breaker: { failures: number; windowSeconds: number; cooldownSeconds: number };
  approvals: { highRisk: string[] };
  agents: Record<string, AgentConfig>;
  worktrees: { enabled: boolean; removeOnEnd: 'always' | 'on-success' | 'never' };
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) deepFreeze(v);
    Object.freeze(obj);
  }
  return obj;
}

/** Validates a raw config object; every problem is listed in one error. */
export function validateConfig(raw: unknown, source: string): Config {
  const validate = validatorFor('config.schema.json');
  const copy = structuredClone(raw);
  if (!validate(copy)) {
    const problems = describeErrors(validate.errors);
    throw new MamError(
      'CONFIG_INVALID',
      `${source} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
      { hint: `fix ${source} (schema: schemas/config.schema.json), then run the command again` },
    );
  }
  const cfg = copy as Config;
  cfg.host ??= safeHostname();
  const fits = cfg.broker.maxPacketBytes - PUBLISH_OVERHEAD_BYTES;
  if (cfg.events.maxMessageBytes > fits) {
    // The broker would drop the connection of whoever sends such a message, instead of refusing it.
    throw new MamError(
      'CONFIG_INVALID',
      `${source}: events.maxMessageBytes (${cfg.events.maxMessageBytes}) does not fit in one broker packet: broker.maxPacketBytes (${cfg.broker.maxPacketBytes}) minus ${PUBLISH_OVERHEAD_BYTES} bytes of MQTT header and topic allows at most ${fits}`,
      {
        hint: `set events.maxMessageBytes to ${fits} or less, or raise broker.maxPacketBytes to ${cfg.events.maxMessageBytes + PUBLISH_OVERHEAD_BYTES} or more, in ${source}`,
      },
    );
  }
  // Exactly one way to deliver per sink (ajv's strict mode keeps a oneOf of `required` out of the schema).
  cfg.notify.sinks.forEach((k, i) => {
    const ways = (['webhook', 'command', 'ntfy'] as const).filter((w) => k[w] !== undefined);
    if (ways.length !== 1) {
      throw new MamError(
        'CONFIG_INVALID',
        `${source}: notify.sinks[${i}] has ${ways.length ? ways.join(' and ') : 'none of webhook, command, ntfy'}`,
        { hint: `give notify.sinks[${i}] in ${source} exactly one of webhook, command or ntfy (one sink each)` },
      );
    }
  });
  const names = cfg.notify.sinks.flatMap((k) => (k.name ? [k.name] : []));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) {
    throw new MamError('CONFIG_INVALID', `${source}: notify.sinks has two sinks named "${twice}"`, {
      hint: `give each sink in notify.sinks of ${source} its own name`,
    });
  }
  return cfg;
}

/**
 * What an MQTT PUBLISH adds to its payload, rounded up: fixed header (≤ 5
 * bytes), topic length (2), the longest mam topic (≈ 121 bytes), packet id (2).
 */
export const PUBLISH_OVERHEAD_BYTES = 256;

/** The largest signed message that is both accepted by the reconciler and carried by the broker in one packet. */
export function maxEnvelopeBytes(cfg: Config): number {
  return Math.min(cfg.events.maxMessageBytes, cfg.broker.maxPacketBytes - PUBLISH_OVERHEAD_BYTES);
}

/** The machine hostname reduced to the characters allowed in a topic level. */
export function safeHostname(): string {
  return (hostname().split('.')[0] || 'host').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 63) || 'host';
}

/**
 * defaults ← file ← environment ← flags. Only this loader reads environment
 * variables for configuration: MAM_BROKER_URL and MAM_HOST.
 */
export function loadConfig(
  ws: Workspace,
  env: NodeJS.ProcessEnv,
  flags: { brokerUrl?: string; host?: string } = {},
): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(ws.config, 'utf8'));
  } catch (err) {
    throw new MamError('CONFIG_INVALID', `cannot read ${ws.config}: ${(err as Error).message}`, {
      hint: `fix the JSON syntax of ${ws.config} (the message above gives the position); .mam.example/config.json shows every key`,
      cause: err,
    });
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const r = raw as Record<string, any>;
    const url = flags.brokerUrl ?? env.MAM_BROKER_URL;
    // A comma-separated list names the nodes of a clustered broker (how sessions receive broker.urls).
    if (url?.includes(',')) r.broker = { ...(r.broker ?? {}), urls: url.split(',') };
    else if (url) r.broker = { ...(r.broker ?? {}), url };
    const host = flags.host ?? env.MAM_HOST;
    if (host) r.host = host;
  }
  return deepFreeze(validateConfig(raw, ws.config));
}

/** The URL clients connect to: the configured external broker, else the embedded one. */
export function brokerUrl(cfg: Config): string {
  // Every node of a cluster, comma-separated: the client factory fails over between them.
  if (cfg.broker.urls) return cfg.broker.urls.join(',');
  if (cfg.broker.url) return cfg.broker.url;
  const host = cfg.broker.bind === '0.0.0.0' || cfg.broker.bind === '::' ? '127.0.0.1' : cfg.broker.bind;
  return `mqtts://${host.includes(':') ? `[${host}]` : host}:${cfg.broker.port}`;
}
