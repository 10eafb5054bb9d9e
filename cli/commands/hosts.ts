import { connectAs } from '../../broker/connect-role.js';
import { loadContext } from '../../core/context.js';
import { openEnvelope } from '../../core/envelope.js';
import { hostsPath, loadHostsFile } from '../../core/host-identity.js';
import { prefix } from '../../core/topics.js';
import { parseFlags } from '../args.js';
import type { Io } from '../io.js';
import { ago, readRegistryIfAny } from '../open-registry.js';
import type { HostStatusRow } from '../../subscriber/registry/registry.js';
import { hostRows, type Status } from '../host-rows.js';

/** The hosts' retained, signed statuses, gathered for a short while (a retained message arrives at subscribe). */
export async function retainedStatuses(io: Io, waitMs: number): Promise<Map<string, Status>> {
  const ctx = loadContext(io.cwd, io.env);
  const out = new Map<string, Status>();
  const ns = ctx.cfg.namespace;
  const client = await connectAs(ctx, 'reader', {
    writeCache: false,
    prepare: (c) =>
      c.on('message', (topic, payload) => {
        try {
          const o = openEnvelope(ns, topic, payload, ctx.keyring, ctx.cfg.events.maxMessageBytes);
          if (o.msg.type === 'host.status') out.set(o.topic.id, o.msg.body as unknown as Status);
        } catch {
          // an unverifiable status says nothing about the host
        }
      }),
  });
  try {
    await client.mqtt.subscribeAsync(`${prefix(ns)}/hosts/+/status`, { qos: 1 });
    await new Promise((r) => setTimeout(r, waitMs));
  } finally {
    await client.close();
  }
  return out;
}

/** `mam hosts`: the joined hosts with their labels, online/offline and capacity from their retained status. */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('hosts', argv, { json: { type: 'boolean' } }, false);
  const ctx = loadContext(io.cwd, io.env);
  const file = loadHostsFile(hostsPath(ctx.ws));
  const statuses = await retainedStatuses(io, 300);
  // When this workspace's reconciler last heard each host: a last will carries no time of its own.
  const heard = readRegistryIfAny(ctx, new Map<string, HostStatusRow>(), (reg) => {
    return new Map(reg.hostStatuses().map((r) => [r.host, r]));
  });
  const rows = hostRows(ctx.cfg.host, file, statuses, heard);
  if (values.json) {
    io.out(JSON.stringify(rows) + '\n');
    return 0;
  }
  for (const r of rows) {
    const labels = Object.entries(r.labels).map(([k, v]) => `${k}=${v}`);
    const since = r.since ? ` since ${new Date(r.since).toISOString()}` : '';
    const load = r.running === null ? '' : ` running ${r.running}/${r.max ? r.max : 'no limit'}`;
    const seen = r.lastSeen ? ` seen ${ago(r.lastSeen)}` : '';
    io.out(
      `${r.host.padEnd(20)} ${r.status.padEnd(8)}${since}${load}${seen} ${labels.join(',') || '-'}${r.operator ? ' operator' : ''}\n`,
    );
  }
  return 0;
}
