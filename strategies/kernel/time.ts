/** Status keeps times as RFC 3339 strings; the core computes with epoch ms. Pure. */

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Epoch ms of an RFC 3339 time, or undefined when absent or unreadable. */
export function fromIso(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const epochMs = Date.parse(time);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

/**
 * `previous` when it already names the instant `epochMs`, else the ISO form of `epochMs`: a time
 * written in another RFC 3339 spelling (by kubectl, without milliseconds) is not rewritten.
 */
export function keepIsoSpelling(previous: string | undefined, epochMs: number): string {
  return previous !== undefined && fromIso(previous) === epochMs ? previous : toIso(epochMs);
}
