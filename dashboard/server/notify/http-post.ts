/**
 * POSTs `body` and resolves on a 2xx answer; anything else throws with the status, or with the
 * network's reason (never the URL: a Slack or ntfy URL is itself a secret).
 */
export async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message);
    throw new Error(`request failed${why ? `: ${why}` : ''}`);
  }
  // The answer's body is read and dropped, so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`answered HTTP ${res.status}`);
}

/** A header value as HTTP carries it: printable ASCII on one line. */
export const headerSafe = (s: string, max = 250): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
