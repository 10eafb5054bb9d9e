/**
 * A local HTTP receiver for notification tests (node:http on port 0): it checks each request's
 * Standard Webhooks signature on its own (its own HMAC, not mam's), keeps every request, and
 * answers with the status `answer` picks (200 by default), so a test can make it fail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** whether webhook-signature holds a v1 signature of id.timestamp.body under the secret */
  signatureOk: boolean;
  status: number;
}

/** Standard Webhooks, checked as a receiver would: any of the space-separated v1 signatures may match. */
export function verifyStandardWebhook(secret: string, h: IncomingHttpHeaders, body: string): boolean {
  const id = h['webhook-id'];
  const ts = h['webhook-timestamp'];
  const sigs = h['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const want = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    const got = Buffer.from(b64 ?? '', 'base64');
    return v === 'v1' && got.length === want.length && timingSafeEqual(got, want);
  });
}

export async function startReceiver(secret: string, answer: (r: Omit<Received, 'status'>) => number = () => 200) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r = { headers: req.headers, body, json, signatureOk: verifyStandardWebhook(secret, req.headers, body) };
      const status = answer(r);
      got.push({ ...r, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    /** Requests about `job` (by the body's structured fields). */
    about: (job: string) => got.filter((r) => r.json?.mam?.job === job),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
