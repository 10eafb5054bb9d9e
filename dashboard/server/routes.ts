import type { IncomingMessage, ServerResponse } from 'node:http';
import { MamError } from '../../core/errors.js';
import { JOB_ACTIONS, type JobAction, type createActions } from './actions.js';
import { readJson, sendError, sendJson } from './http-kit.js';
import type { DashboardSession } from './logins.js';
import type { createReadApi } from './read-api.js';
import type { createReadViews } from './read-views.js';

export interface ApiParts {
  read: ReturnType<typeof createReadApi>;
  views: ReturnType<typeof createReadViews>;
  actions: ReturnType<typeof createActions>;
  notifications: () => unknown;
}

// What each kind of refusal is in HTTP: the page shows the message and the hint.
const STATUS: Record<string, number> = {
  MAM_ERR_UNKNOWN_JOB: 404,
  MAM_ERR_USAGE: 400,
  MAM_ERR_NOT_IN_REVIEW: 409,
  MAM_ERR_ILLEGAL_TRANSITION: 409,
  MAM_ERR_SCHEMA: 400,
  MAM_ERR_BROKER_UNREACHABLE: 503,
};

const JOB_PATH =
  /^\/api\/jobs\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})(?:\/(output|diff|stop|resume|retry|approve|verdict))?$/;
const RUN_PATH = /^\/api\/runs\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;
const BREAKER_PATH = /^\/api\/breakers\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/([a-z][a-z0-9_-]{0,31})\/reset$/;

/** GET /api/…: the views, each a JSON read of the registry (and the broker's host statuses). */
async function read(p: ApiParts, url: URL, res: ServerResponse): Promise<boolean> {
  const simple: Record<string, () => unknown> = {
    '/api/board': () => p.read.board(),
    '/api/hosts': () => p.views.hosts(),
    '/api/queue': () => p.views.queue(),
    '/api/inbox': () => p.views.inbox(),
    '/api/runs': () => p.views.runs(),
    '/api/rejections': () => p.read.rejections(),
    '/api/stats': () => p.views.stats(),
    '/api/notifications': () => p.notifications(),
  };
  const view = simple[url.pathname];
  if (view) return (sendJson(res, 200, view()), true);
  const run = RUN_PATH.exec(url.pathname);
  if (run) {
    const r = p.views.run(run[1]!);
    r ? sendJson(res, 200, r) : sendError(res, 404, `no run ${run[1]}`);
    return true;
  }
  const m = JOB_PATH.exec(url.pathname);
  if (!m) return false;
  const [, id, sub] = m as unknown as [string, string, string | undefined];
  if (sub === 'output') {
    const from = url.searchParams.get('from');
    sendJson(res, 200, p.read.output(id, from === null ? undefined : Math.max(0, Number(from) || 0)));
  } else if (sub === 'diff') {
    sendJson(res, 200, await p.read.diff(id));
  } else if (sub === undefined) {
    const j = p.read.job(id);
    j ? sendJson(res, 200, j) : sendError(res, 404, `no job ${id}`, 'it may belong to another host');
  } else return false;
  return true;
}

/** POST /api/…: an operator's action, after the role and CSRF checks the caller made. */
async function act(p: ApiParts, who: DashboardSession, req: IncomingMessage, url: URL, res: ServerResponse) {
  const body = await readJson(req);
  const b = BREAKER_PATH.exec(url.pathname);
  if (b) return sendJson(res, 200, await p.actions.resetBreaker(who, b[1]!, b[2]!));
  const m = JOB_PATH.exec(url.pathname);
  const action = m?.[2] as JobAction | undefined;
  if (!m || !action || !JOB_ACTIONS.includes(action)) return sendError(res, 404, 'no such action');
  sendJson(res, 200, await p.actions.onJob(who, action, m[1]!, body));
}

/** The API's dispatch; errors become a JSON `{error, hint}` with the status of their kind. */
export async function handleApi(
  p: ApiParts,
  who: DashboardSession,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  allowedToAct: () => string | undefined,
): Promise<void> {
  try {
    if (req.method === 'GET') {
      if (!(await read(p, url, res))) sendError(res, 404, `nothing at ${url.pathname}`);
      return;
    }
    if (req.method !== 'POST') return sendError(res, 405, 'GET or POST');
    const refusal = allowedToAct();
    if (refusal) return sendError(res, 403, refusal);
    await act(p, who, req, url, res);
  } catch (err) {
    const e = err as MamError;
    const status = (e.code && STATUS[e.code]) || (e instanceof SyntaxError ? 400 : 500);
    sendError(res, status, e.message, e.hint);
  }
}
