import mqtt from 'mqtt';
import type { Login } from '../../core/credentials.js';

/** Publishes QoS 1 on a fresh raw connection with `login`: true on PUBACK, false when the broker dropped it instead. */
export function publishWithLogin(
  url: string,
  ca: Buffer,
  login: Login,
  topic: string,
  payload: Buffer | string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, {
      ca,
      ...login,
      clientId: `mam-host-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    c.on('error', () => {});
    c.on('close', () => resolve(false));
    c.on('connect', () =>
      c.publish(topic, payload, { qos: 1 }, (err) => {
        c.end(true);
        resolve(!err);
      }),
    );
  });
}
