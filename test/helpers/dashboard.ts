/** A real `mam dashboard` process of a test host, and HTTPS requests to it that trust the workspace CA. */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TestHost } from './host/index.js';
import { waitFor } from './wait.js';
import { runMam } from './workspace.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RunningDashboard {
  url: string;
  /** a fresh one-time login link */
  link(role: 'reader' | 'operator', name?: string): Promise<string>;
  /** follows a login link and returns the session cookie (name=value) */
  login(role: 'reader' | 'operator', name?: string): Promise<string>;
  fetch(path: string, o?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply>;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startDashboardProcess(h: TestHost): Promise<RunningDashboard> {
  const runFile = join(h.ctx.ws.runDir, 'dashboard.json');
  const proc = runMam(h.tw, ['dashboard', '--port', '0'], { timeout: 0, buffer: false });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  let exited = false;
  const done = proc.then(() => void (exited = true));
  const started = () => existsSync(runFile) && JSON.parse(readFileSync(runFile, 'utf8')).pid === proc.pid;
  await waitFor(() => exited || started(), 20_000, '`mam dashboard` to start');
  if (exited) throw new Error(`mam dashboard exited at start: ${err}`);
  const url = (JSON.parse(readFileSync(runFile, 'utf8')) as { url: string }).url;
  const ca = readFileSync(h.ctx.ws.caCert);
  const fetch = (path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const r = request(`${url}${path}`, { method: o.method ?? 'GET', headers: o.headers, ca }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      r.on('error', reject);
      r.end(o.body);
    });
  const link = async (role: 'reader' | 'operator', name = `${role}-tester`) => {
    const r = await runMam(h.tw, ['dashboard', '--url', '--role', role, '--name', name, '--json']);
    if (r.exitCode !== 0) throw new Error(`mam dashboard --url exited ${r.exitCode}: ${r.stderr}`);
    return (JSON.parse(String(r.stdout)) as { url: string }).url;
  };
  return {
    url,
    link,
    async login(role, name) {
      const l = new URL(await link(role, name));
      const r = await fetch(l.pathname + l.search);
      const set = String(r.headers['set-cookie'] ?? '');
      return set.split(';')[0]!;
    },
    fetch,
    stderr: () => err,
    async stop() {
      proc.kill('SIGTERM');
      await done;
    },
  };
}
