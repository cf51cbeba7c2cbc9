import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that talks to a cluster accepts, spelled like kubectl's. */
export const clusterFlags = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
} as const satisfies Options;

/**
 * parseArgs with strict checking, turning its errors into UsageErrors that name the flag.
 */
export function parseFlags<O extends Options>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function requirePositional(
  positionals: string[],
  index: number,
  what: string,
  command: string,
): string {
  const value = positionals[index];
  if (!value) throw new UsageError(`${command}: missing ${what}`);
  return value;
}

/** Parses a duration flag like 30s, 5m, 1h, or plain seconds. */
export function parseDurationFlag(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`--${flag}: "${value}" is not a duration (use e.g. 30s, 5m, 1h)`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1000;
  return n * factor;
}

/** Parses `:8080`, `0.0.0.0:8080` or `127.0.0.1:0` (0 = any free port). */
export function parseAddr(value: string, flag: string): { host: string | undefined; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') : undefined;
  const port = Number(value.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--${flag}: "${value}" is not host:port or :port`);
  return { host, port };
}
