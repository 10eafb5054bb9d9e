import { Duplex } from 'node:stream';

/**
 * Reads each MQTT packet's fixed header as bytes stream past ([MQTT-2.2.3]
 * remaining length, 1-4 bytes of 7 bits) and reports a packet larger than
 * `maxBytes` before its body is buffered anywhere, so one client cannot make
 * the broker hold a 256 MB packet.
 */
export class PacketSizeMeter {
  private skip = 0; // body bytes of the current packet still to pass
  private header = -1; // -1: expecting a fixed-header byte; >= 0: remaining-length bytes read so far
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {}

  /** Returns an error for the first oversize or malformed packet in `chunk`, else undefined. */
  feed(chunk: Buffer): Error | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++];
      if (this.header < 0) {
        this.header = 0;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.header++;
      if (byte & 0x80) {
        if (this.header >= 4) return new Error('malformed MQTT remaining length');
        continue;
      }
      if (this.length + this.header + 1 > this.maxBytes) {
        return new Error(`MQTT packet of ${this.length} bytes exceeds the ${this.maxBytes}-byte limit`);
      }
      this.skip = this.length;
      this.header = -1;
    }
    return undefined;
  }
}

/**
 * The connection as Aedes sees it: bytes from `raw` pass through the meter,
 * writes go straight to `raw`. Written out by hand: a Duplex.from() pair of a
 * transform and the socket stalled under mixed large and small packets.
 */
export function guardConnection(raw: Duplex, maxBytes: number, onOversize: (err: Error) => void): Duplex {
  const meter = new PacketSizeMeter(maxBytes);
  const conn = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk, encoding, callback) {
      raw.write(chunk, encoding, callback);
    },
    // Aedes writes a packet in several pieces; one TLS record for them all halves the CPU per message.
    writev(chunks, callback) {
      raw.write(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), callback);
    },
    final(callback) {
      raw.end(callback);
    },
    destroy(err, callback) {
      raw.destroy();
      callback(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    const err = meter.feed(chunk);
    if (err) {
      onOversize(err);
      conn.destroy();
      return;
    }
    if (!conn.push(chunk)) raw.pause();
  });
  raw.on('end', () => conn.push(null));
  raw.on('error', (err) => conn.destroy(err));
  raw.on('close', () => conn.destroy());
  return conn;
}
