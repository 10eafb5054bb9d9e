import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes MQTT bytes through while reading each packet's fixed header
 * ([MQTT-2.2.3] remaining length, 1-4 bytes of 7 bits). A packet larger than
 * `maxBytes` destroys the stream before its body is buffered anywhere, so one
 * client cannot make the broker hold a 256 MB packet.
 */
export class PacketSizeGuard extends Transform {
  private skip = 0; // body bytes of the current packet still to pass
  private header = -1; // -1: expecting a fixed-header byte; >= 0: remaining-length bytes read so far
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
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
        if (this.header >= 4) return done(new Error('malformed MQTT remaining length'));
        continue;
      }
      if (this.length + this.header + 1 > this.maxBytes) {
        return done(new Error(`MQTT packet of ${this.length} bytes exceeds the ${this.maxBytes}-byte limit`));
      }
      this.skip = this.length;
      this.header = -1;
    }
    done(null, chunk);
  }
}
