import { MamError } from './errors.js';

/** Parses received JSON text; BAD_ENVELOPE when it is not JSON. */
export function parseCanonical(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MamError('BAD_ENVELOPE', `${what} is not JSON`);
  }
}
