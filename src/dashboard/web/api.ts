import type { DetailMessage, GroupListMessage, GroupMessage, ListMessage, WhoAmI } from '../view/types.ts';

export type Session = { state: 'signed-in'; who: WhoAmI } | { state: 'signed-out'; canLogin: boolean };

export async function whoAmI(): Promise<Session> {
  const res = await fetch('/api/whoami', { credentials: 'same-origin' });
  if (res.status === 401) {
    const body = (await res.json().catch(() => ({}))) as { login?: string };
    return { state: 'signed-out', canLogin: body.login !== undefined };
  }
  if (!res.ok) throw new Error(`whoami: HTTP ${res.status}`);
  return { state: 'signed-in', who: (await res.json()) as WhoAmI };
}

async function post(
  path: string,
  body: unknown,
  csrf?: string,
): Promise<{ ok: boolean; status: number; message: string }> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
    body: JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
  return { ok: res.ok, status: res.status, message: data.message ?? data.error ?? `HTTP ${res.status}` };
}

export const login = (token: string) => post('/api/login', { token });
export const logout = () => post('/api/logout', {});

/** One action on a Rollout (`rollouts`) or a RolloutGroup (`rolloutgroups`). */
export function runAction(
  who: WhoAmI,
  kind: 'rollouts' | 'rolloutgroups',
  namespace: string,
  name: string,
  action: string,
) {
  return post(
    `/api/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${action}`,
    {},
    who.csrf,
  );
}

/**
 * One server-sent event stream; EventSource reconnects by itself after a network error, and the
 * server sends a whole snapshot on every (re)connection.
 */
function subscribe(
  url: string,
  onMessage: (message: never) => void,
  onDown: (down: boolean) => void,
): () => void {
  const source = new EventSource(url, { withCredentials: true });
  source.onmessage = (event: MessageEvent<string>) => {
    onDown(false);
    // the server sends the message type of this URL (view/types.ts)
    const message = JSON.parse(event.data) as { type: string };
    onMessage(message as never);
    // an error message ends the stream for good: do not let EventSource retry it
    if (message.type === 'error') source.close();
  };
  source.onerror = () => {
    onDown(true);
  };
  return () => {
    source.close();
  };
}

const query = (namespace: string) => (namespace ? `?namespace=${encodeURIComponent(namespace)}` : '');
const objectPath = (namespace: string, name: string) =>
  `${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const listStream = (namespace: string, on: (m: ListMessage) => void, down: (d: boolean) => void) =>
  subscribe(`/api/stream/rollouts${query(namespace)}`, on, down);

export const groupListStream = (
  namespace: string,
  on: (m: GroupListMessage) => void,
  down: (d: boolean) => void,
) => subscribe(`/api/stream/rolloutgroups${query(namespace)}`, on, down);

export const detailStream = (
  namespace: string,
  name: string,
  on: (m: DetailMessage) => void,
  down: (d: boolean) => void,
) => subscribe(`/api/stream/rollouts/${objectPath(namespace, name)}`, on, down);

export const groupStream = (
  namespace: string,
  name: string,
  on: (m: GroupMessage) => void,
  down: (d: boolean) => void,
) => subscribe(`/api/stream/rolloutgroups/${objectPath(namespace, name)}`, on, down);
