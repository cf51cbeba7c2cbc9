/**
 * Analysis arguments: merging a template's declared args with the caller's values, resolving
 * `valueFrom` (Secret keys, fields of the owning object), and substituting `{{args.NAME}}`
 * (spaces allowed: `{{ args.NAME }}`) into a metric. Pure: the shell reads Secrets and the
 * owning object and passes lookups in.
 *
 * Secret-sourced values must never reach a log line or status. A resolved metric holds them in
 * clear (providers need them), so it is used for the measurement and then dropped; everything
 * written or logged goes through `redact`, which masks every secret value as `*****` (Argo's
 * mask). Status keeps the run spec with its placeholders, never the resolved metric.
 */
import type { Argument, MetricInput } from '../src/api/analysis.ts';
import type { SecretKeyRef } from '../src/api/common.ts';
import { parseJsonPath, readPath } from './json-path.ts';

export type ArgsOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Where `valueFrom` values come from; the shell reads them before calling `resolveArgs`. */
export interface ArgValueSources {
  /** The value of a Secret key in the run's namespace; undefined when the Secret or key is missing. */
  readonly secret: (ref: SecretKeyRef) => string | undefined;
  /** The owning object (Rollout) whose fields `fieldRef.fieldPath` reads; omit when there is none. */
  readonly owner?: unknown;
}

export interface ResolvedArgs {
  /** Argument values by name. */
  readonly values: ReadonlyMap<string, string>;
  /** Values that came from Secrets. */
  readonly secretValues: ReadonlySet<string>;
  /** Masks every secret value in a text before it is logged or written to status. */
  readonly redact: (text: string) => string;
}

export const REDACTED = '*****';

/**
 * The template's args with the caller's values applied (Argo's MergeArgs): a caller value or
 * valueFrom replaces the template's default; caller args the template does not declare are
 * ignored. Every arg must end up with a value or valueFrom.
 */
export function mergeArgs(
  templateArgs: readonly Argument[] | undefined,
  callerArgs: readonly Argument[] | undefined,
): ArgsOutcome<Argument[]> {
  const callerByName = new Map((callerArgs ?? []).map((arg) => [arg.name, arg]));
  const merged = (templateArgs ?? []).map((declared): Argument => {
    const given = callerByName.get(declared.name);
    if (given?.value !== undefined) return { name: declared.name, value: given.value };
    if (given?.valueFrom !== undefined) return { name: declared.name, valueFrom: given.valueFrom };
    return declared;
  });
  const missing = merged.filter((arg) => arg.value === undefined && arg.valueFrom === undefined);
  if (missing.length > 0) {
    const names = missing.map((arg) => `"${arg.name}"`).join(', ');
    return {
      ok: false,
      error: `${missing.length === 1 ? 'argument' : 'arguments'} ${names} ${missing.length === 1 ? 'needs' : 'need'} a value: the template declares no default and the caller passes none`,
    };
  }
  return { ok: true, value: merged };
}

/** The Secret keys `resolveArgs` will ask for, so the shell can read them first. */
export function secretRefsOf(args: readonly Argument[] | undefined): SecretKeyRef[] {
  return (args ?? []).flatMap((arg) => (arg.valueFrom?.secretKeyRef ? [arg.valueFrom.secretKeyRef] : []));
}

/** Resolve every arg to a string; secret-sourced ones are remembered for redaction. */
export function resolveArgs(
  args: readonly Argument[] | undefined,
  sources: ArgValueSources,
): ArgsOutcome<ResolvedArgs> {
  const values = new Map<string, string>();
  const secretValues = new Set<string>();
  for (const arg of args ?? []) {
    const resolved = resolveArg(arg, sources);
    if (!resolved.ok) return resolved;
    values.set(arg.name, resolved.value.text);
    if (resolved.value.secret) secretValues.add(resolved.value.text);
  }
  return { ok: true, value: { values, secretValues, redact: redactor(secretValues) } };
}

function resolveArg(arg: Argument, sources: ArgValueSources): ArgsOutcome<{ text: string; secret: boolean }> {
  const fail = (problem: string) => ({ ok: false, error: `argument "${arg.name}": ${problem}` }) as const;
  if (arg.value !== undefined && arg.valueFrom !== undefined) return fail('set value or valueFrom, not both');
  if (arg.value !== undefined) return { ok: true, value: { text: arg.value, secret: false } };
  const { secretKeyRef, fieldRef } = arg.valueFrom ?? {};
  if (secretKeyRef !== undefined) {
    const text = sources.secret(secretKeyRef);
    if (text === undefined) return fail(`Secret "${secretKeyRef.name}" has no key "${secretKeyRef.key}"`);
    return { ok: true, value: { text, secret: true } };
  }
  if (fieldRef !== undefined) {
    const parsed = parseJsonPath(fieldRef.fieldPath);
    if (!parsed.ok) return fail(`fieldRef: ${parsed.error}`);
    const lookup = readPath(sources.owner, parsed.segments);
    if (!lookup.found) return fail(`fieldRef ${fieldRef.fieldPath}: ${lookup.error}`);
    return { ok: true, value: { text: scalarText(lookup.value), secret: false } };
  }
  return fail('has no value');
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A function that masks each of `secrets`, also in URL-encoded form (a secret in a query string
 * shows up encoded in error messages), longest first so no secret is half-masked.
 */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  const forms = [...secrets].flatMap((secret) => [secret, encodeURIComponent(secret)]);
  const ordered = [...new Set(forms)].filter((form) => form !== '').sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => ordered.reduce((masked, secret) => masked.split(secret).join(REDACTED), text);
}

const PLACEHOLDER = /\{\{\s*args\.([^{}\s]+)\s*\}\}/g;

/**
 * Replace `{{args.NAME}}` in every string of `value` (deeply, keys untouched), like Argo, which
 * substitutes across the whole metric: provider fields (query, url, headers, body, address)
 * and also interval, count and conditions. An unknown name is an error naming it and the field.
 */
export function substituteArgs<T>(value: T, values: ReadonlyMap<string, string>, at = ''): ArgsOutcome<T> {
  const unknown: string[] = [];
  const substituted = substitute(value, values, at, unknown);
  if (unknown.length > 0) return { ok: false, error: unknown.join('; ') };
  return { ok: true, value: substituted as T };
}

function substitute(
  value: unknown,
  values: ReadonlyMap<string, string>,
  at: string,
  unknown: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (placeholder, name: string) => {
      const replacement = values.get(name);
      if (replacement !== undefined) return replacement;
      unknown.push(`${at || 'value'}: unknown argument "${name}" in ${placeholder}`);
      return placeholder;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, values, `${at}[${i}]`, unknown));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substitute(item, values, at ? `${at}.${key}` : key, unknown),
      ]),
    );
  }
  return value;
}

/** A metric with its arguments substituted; errors name `metrics[<name>].<field>`. */
export function resolveMetric<M extends MetricInput>(metric: M, args: ResolvedArgs): ArgsOutcome<M> {
  return substituteArgs(metric, args.values, `metrics[${metric.name}]`);
}
