/** `12s ago`, `5m ago`, `3h ago`, `2d ago` from an ISO time. */
export function ago(iso: string, now: number = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** The part of an image reference after the last slash: `registry/team/web:v2` -> `web:v2`. */
export function shortImage(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1);
}

export function percent(rate: number | undefined): string {
  return rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`;
}
