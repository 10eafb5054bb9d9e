import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MamError } from '../../../core/errors.js';

const MAKE_ONE =
  '(umask 077; printf \'whsec_%s\\n\' "$(head -c 32 /dev/urandom | base64)" > .mam/notify-webhook.secret)';

/**
 * A webhook sink's signing secret (Standard Webhooks: `whsec_` then the base64 key, 24 to 64 bytes)
 * from `file`, relative to the workspace root. It must be the owner's alone (no group or other
 * access): what signs a notification must not be readable by every local user.
 */
export function readWebhookSecret(root: string, file: string, sink: string): Buffer {
  const path = resolve(root, file);
  const fail = (what: string, hint: string, cause?: unknown): never => {
    throw new MamError('CONFIG_INVALID', `notify sink "${sink}": the webhook secret ${path} ${what}`, { hint, cause });
  };
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    return fail('cannot be read', `create it (mode 0600), e.g. ${MAKE_ONE}, or fix webhook.secretFile`, err);
  }
  if ((mode & 0o077) !== 0) {
    fail(`is readable by others (mode ${(mode & 0o777).toString(8)})`, `run: chmod 600 ${path}`);
  }
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(text);
  const key = m ? Buffer.from(m[1]!, 'base64') : undefined;
  if (!key || key.length < 24 || key.length > 64) {
    fail('is not whsec_ followed by a base64 key of 24 to 64 bytes', `write a new one, e.g. ${MAKE_ONE}`);
  }
  return key!;
}

/**
 * The `webhook-signature` header (Standard Webhooks): `v1,` and the base64 HMAC-SHA256, under the
 * secret's key, of `<webhook-id>.<webhook-timestamp>.<body>` (the exact bytes sent).
 */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
