/**
 * A recorded-screens stand-in for a session, for unit tests of the probes:
 * named screens (text captured from the fakes and the real CLIs' layouts),
 * moves between them on keys or after a time, and a log of every key and
 * text the probe sent. Integration tests use real tmux and node-pty instead.
 */
import type { AdapterSession } from '../../agents/adapter.js';
import type { Key, SessionBackend } from '../../agents/session-backend.js';

export interface ScriptedScreen {
  text: string;
  /** key name or "text:<typed>" → next screen ("gone" ends the session) */
  on?: Record<string, string>;
  /** moves on by itself after `ms` */
  after?: { ms: number; to: string };
  /** the screen any typed or pasted text leads to (the input line echoing it) */
  onText?: string;
}

export interface Scripted {
  session: AdapterSession;
  /** everything sent, in order: key names, or "text:<…>" / "paste:<…>" */
  sent: string[];
  reads(): number;
  current(): string;
}

export function scriptedSession(screens: Record<string, ScriptedScreen>, start: string): Scripted {
  let name = start;
  let since = Date.now();
  let reads = 0;
  const sent: string[] = [];
  const go = (to: string | undefined) => {
    if (to === undefined) return;
    name = to;
    since = Date.now();
  };
  const tick = () => {
    for (let s = screens[name]; s?.after && Date.now() - since >= s.after.ms; s = screens[name]) go(s.after.to);
  };
  const alive = () => name !== 'gone';
  const backend: SessionBackend = {
    name: 'pty',
    async start() {
      throw new Error('scripted');
    },
    async sendText(_n, text, opts) {
      sent.push(`${opts?.paste ? 'paste' : 'text'}:${text}`);
      const s = screens[name];
      go(s?.on?.[`text:${text}`] ?? s?.onText);
    },
    async sendKeys(_n, keys: Key[]) {
      for (const k of keys) {
        sent.push(k);
        go(screens[name]?.on?.[k]);
      }
    },
    async readScreen() {
      tick();
      reads += 1;
      if (!alive()) throw new Error('no such session');
      return screens[name]!.text;
    },
    async isAlive() {
      tick();
      return alive();
    },
    async pid() {
      return alive() ? 4242 : undefined;
    },
    async list() {
      return alive() ? ['scripted'] : [];
    },
    async terminate() {
      go('gone');
      return { endedBy: 'sigterm' };
    },
    async close() {},
  };
  return {
    session: { backend, name: 'scripted', signal: new AbortController().signal },
    sent,
    reads: () => reads,
    current: () => name,
  };
}
