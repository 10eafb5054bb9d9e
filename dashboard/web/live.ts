/** One EventSource for the page: it resumes from the last event id by itself after a drop. */
export interface JobChange {
  id: number;
  job: string;
  type: string;
  sender: string;
  at: number;
  state: string | null;
  row: { host?: string; agent?: string | null; state?: string; reason?: string | null; updated_at?: number };
}

type Handlers = { job: Set<(c: JobChange) => void>; board: Set<() => void>; host: Set<() => void> };
const handlers: Handlers = { job: new Set(), board: new Set(), host: new Set() };
let source: EventSource | undefined;

export function startLive(onStatus: (connected: boolean) => void): void {
  source = new EventSource('/api/live');
  source.addEventListener('open', () => onStatus(true));
  source.addEventListener('error', () => onStatus(false));
  source.addEventListener('job', (e) => {
    const c = JSON.parse((e as MessageEvent<string>).data) as JobChange;
    for (const f of handlers.job) f(c);
  });
  source.addEventListener('board', () => {
    for (const f of handlers.board) f();
  });
  source.addEventListener('host', () => {
    for (const f of handlers.host) f();
  });
}

/** Follows one kind of message while a view is shown; returns what stops following. */
export function on<K extends keyof Handlers>(kind: K, f: Handlers[K] extends Set<infer F> ? F : never): () => void {
  (handlers[kind] as Set<typeof f>).add(f);
  return () => (handlers[kind] as Set<typeof f>).delete(f);
}

/** Runs `f` at most once per `ms`, at the end of a burst. */
export function debounce(f: () => void, ms: number): () => void {
  let t: number | undefined;
  return () => {
    clearTimeout(t);
    t = window.setTimeout(f, ms);
  };
}
