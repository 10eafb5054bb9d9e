/** The page's calls to its own server: reads, and actions carrying the session's CSRF token. */
export interface SessionInfo {
  name: string;
  role: 'reader' | 'operator';
  csrf: string;
  host: string;
}

let session: SessionInfo | undefined;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

async function parse<T>(r: Response): Promise<T> {
  const body = (await r.json().catch(() => ({}))) as { error?: string; hint?: string };
  if (!r.ok) throw new ApiError(body.error ?? `HTTP ${r.status}`, r.status, body.hint);
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function post<T>(path: string, body: object = {}): Promise<T> {
  const r = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-mam-csrf': session?.csrf ?? '' },
    body: JSON.stringify(body),
  });
  return parse<T>(r);
}

export async function loadSession(): Promise<SessionInfo> {
  session = await get<SessionInfo>('/api/session');
  return session;
}

export const canAct = () => session?.role === 'operator';
