import type { Context } from '../core/context.js';
import { connectClient, type ClientOptions, type MeshClient } from './client.js';

/** Connects with one of the workspace's fixed role logins through the one client factory. */
export function connectAs(
  ctx: Context,
  role: 'reconciler' | 'operator' | 'reader',
  opts: Partial<Omit<ClientOptions, 'url' | 'ca' | 'username' | 'password'>> = {},
): Promise<MeshClient> {
  return connectClient({
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    username: ctx.creds[role].username,
    password: ctx.creds[role].password,
    maxInflight: ctx.cfg.broker.maxInflight,
    reconnectMs: 0,
    ...opts,
  });
}
