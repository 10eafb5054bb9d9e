import { MamError } from './errors.js';

/**
 * Parses JSON text that must be in the one form every mam emitter writes:
 * `JSON.stringify` of its own parse. Anything else (a duplicate key, which
 * JSON.parse resolves to the last and other parsers to the first or to an
 * error; whitespace; another spelling of a number or a string) could be read
 * differently by another parser from the same signed bytes, so it is refused
 * as BAD_ENVELOPE. The round trip is the check: no second JSON parser to keep.
 */
export function parseCanonical(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MamError('BAD_ENVELOPE', `${what} is not JSON`);
  }
  if (JSON.stringify(value) !== text) {
    throw new MamError(
      'BAD_ENVELOPE',
      `${what} is not in canonical form (duplicate keys, whitespace or another spelling)`,
    );
  }
  return value;
}
