import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workspace } from '../../core/workspace.js';
import { freePorts } from './redis.js';

function findExecutable(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export const NATS_SERVER = findExecutable('nats-server');

/** A mam role as a NATS user: MQTT topic a/b/+ is subject a.b.*, and every MQTT client needs $MQTT.sub.> */
export interface NatsUser {
  user: string;
  password: string;
  publish: string[];
  subscribe: string[];
}

export interface NatsCluster {
  /** the MQTT listeners, mqtts://127.0.0.1:<port> each */
  urls: string[];
  log(): string;
  stop(): Promise<void>;
}

/** The nats-server config of one node: JetStream, MQTT over TLS, routes to the others, the users. */
export function natsNodeConfig(o: {
  name: string;
  dir: string;
  clientPort: number;
  mqttPort: number;
  routePort: number;
  routes: number[];
  ws: Workspace;
  users: NatsUser[];
}): string {
  const q = (s: string) => JSON.stringify(s);
  const users = o.users
    .map(
      (u) =>
        `    { user: ${q(u.user)}, password: ${q(u.password)}, permissions: { publish: ${JSON.stringify(u.publish)}, subscribe: ${JSON.stringify(u.subscribe)} } }`,
    )
    .join(',\n');
  return `server_name: ${o.name}
listen: 127.0.0.1:${o.clientPort}
jetstream { store_dir: ${q(o.dir)}, max_memory_store: 64MB, max_file_store: 256MB }
cluster {
  name: mam
  listen: 127.0.0.1:${o.routePort}
  routes: [${o.routes.map((p) => q(`nats-route://127.0.0.1:${p}`)).join(', ')}]
}
mqtt {
  listen: 127.0.0.1:${o.mqttPort}
  tls { cert_file: ${q(o.ws.serverCert)}, key_file: ${q(o.ws.serverKey)} }
  max_ack_pending: 10000
}
authorization {
  users: [
${users}
  ]
}
`;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** `n` nats-server nodes in one JetStream cluster, MQTT enabled, each in its own temp folder. */
export async function startNatsCluster(ws: Workspace, users: NatsUser[], n = 3): Promise<NatsCluster> {
  if (!NATS_SERVER) throw new Error('nats-server must be installed (apt-get install nats-server)');
  const root = mkdtempSync(join(tmpdir(), 'mam-nats-'));
  const picked = await freePorts(3 * n);
  const ports = Array.from({ length: n }, (_, i) => ({
    client: picked[3 * i]!,
    mqtt: picked[3 * i + 1]!,
    route: picked[3 * i + 2]!,
  }));
  const procs: ChildProcess[] = [];
  let out = '';
  const stop = async () => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(root, { recursive: true, force: true });
  };
  for (const [i, p] of ports.entries()) {
    const dir = join(root, `n${i + 1}`);
    mkdirSync(dir);
    const conf = join(dir, 'nats.conf');
    const routes = ports.filter((_, j) => j !== i).map((x) => x.route);
    const text = natsNodeConfig({
      name: `n${i + 1}`,
      dir,
      clientPort: p.client,
      mqttPort: p.mqtt,
      routePort: p.route,
      routes,
      ws,
      users,
    });
    writeFileSync(conf, text, { mode: 0o600 });
    const proc = spawn(NATS_SERVER, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => (out = (out + `[n${i + 1}] ${d.toString()}`).slice(-20000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    procs.push(proc);
  }
  const until = Date.now() + 20_000;
  for (const p of ports) {
    while (!(await listening(p.mqtt))) {
      if (Date.now() > until || procs.some((x) => x.exitCode !== null)) {
        await stop();
        throw new Error(`nats-server did not listen on its MQTT port:\n${out}`);
      }
      await sleep(100);
    }
  }
  return { urls: ports.map((p) => `mqtts://127.0.0.1:${p.mqtt}`), log: () => out, stop };
}
