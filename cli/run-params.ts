import { usage } from './args.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `--param k=v` values as an object; a malformed one or a name given twice is a usage error. */
export function parseParams(command: string, values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq > 0 ? v.slice(0, eq) : '';
    if (!NAME.test(name)) throw usage(command, `--param takes name=value with a name like module_list, got "${v}"`);
    if (name in out) throw usage(command, `--param ${name} is given twice`);
    out[name] = v.slice(eq + 1);
  }
  return out;
}
