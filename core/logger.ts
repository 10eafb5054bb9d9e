/**
 * JSON-lines logging for daemons: one object a line, a child per component,
 * untrusted data only under the `data` key so it can never forge a field.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  error(msg: string, data?: unknown): void;
  child(component: string): Logger;
}

/** An error as log data: message, code, stack and its chain of causes, so a daemon's log says where it failed. */
export function errorData(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown };
  return {
    error: e.message,
    ...(e.code !== undefined && { code: e.code }),
    stack: e.stack,
    ...(e.cause !== undefined && depth < 4 && { cause: errorData(e.cause, depth + 1) }),
  };
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(opts: { component: string; level?: Level; write?: (line: string) => void }): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (component: string): Logger => {
    const log = (level: Level) => (msg: string, data?: unknown) => {
      if (ORDER[level] < min) return;
      const rec: Record<string, unknown> = { t: new Date().toISOString(), level, component, msg };
      if (data !== undefined) rec.data = errorData(data);
      write(JSON.stringify(rec));
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (c) => make(`${component}.${c}`),
    };
  };
  return make(opts.component);
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ component: 'silent', write: () => {} });
