/**
 * Structured JSON logs, one object per line, with a level threshold set by flag. Fields name
 * the rollout, namespace and step so lines can be filtered; values that look like credentials
 * are never passed here (callers log names of Secrets, never their data).
 */
export const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type Level = keyof typeof levels;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function isLevel(value: string): value is Level {
  return value in levels;
}

export function createLogger(
  threshold: Level = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (levels[level] < levels[threshold]) return;
    write(
      JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, errorReplacer) +
        '\n',
    );
  };
  return {
    debug: (msg, fields) => {
      emit('debug', msg, fields);
    },
    info: (msg, fields) => {
      emit('info', msg, fields);
    },
    warn: (msg, fields) => {
      emit('warn', msg, fields);
    },
    error: (msg, fields) => {
      emit('error', msg, fields);
    },
    with: (fields) => createLogger(threshold, { ...base, ...fields }, write),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** Human text for an error from the Kubernetes client (its body is a JSON string). */
export function describeError(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && 'body' in err) {
    const { code, body } = err;
    let message = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      const parsed = JSON.parse(message) as { message?: string };
      if (parsed.message) message = parsed.message;
    } catch {
      // not JSON: keep the raw text
    }
    return `HTTP ${String(code)}: ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP status code of a Kubernetes client error, if it has one. */
export function statusCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}
