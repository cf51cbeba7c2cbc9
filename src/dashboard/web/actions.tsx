import { useState } from 'preact/hooks';
import type { GroupPermissions, Permissions, WhoAmI } from '../view/types.ts';
import { runAction } from './api.ts';

interface ActionDef<Id extends string> {
  id: Id;
  label: string;
  kind: 'primary' | 'plain' | 'danger';
  confirm?: string;
}

export const rolloutActions: ActionDef<keyof Permissions>[] = [
  { id: 'promote', label: 'Promote', kind: 'primary' },
  {
    id: 'promote-full',
    label: 'Promote full',
    kind: 'plain',
    confirm: 'Skip every remaining step and analysis, and send all traffic to the new version now?',
  },
  { id: 'pause', label: 'Pause', kind: 'plain' },
  { id: 'resume', label: 'Resume', kind: 'plain' },
  { id: 'restart', label: 'Restart pods', kind: 'plain' },
  { id: 'undo', label: 'Undo', kind: 'plain' },
  { id: 'retry', label: 'Retry', kind: 'plain' },
  {
    id: 'abort',
    label: 'Abort',
    kind: 'danger',
    confirm: 'Send all traffic back to the stable version and scale the new one down?',
  },
];

export const groupActions: ActionDef<keyof GroupPermissions>[] = [
  { id: 'promote', label: 'Promote', kind: 'primary' },
  { id: 'retry', label: 'Retry', kind: 'plain' },
  {
    id: 'abort',
    label: 'Abort',
    kind: 'danger',
    confirm:
      'Abort every member in progress (back to its stable version) and start nothing new until retried?',
  },
];

/**
 * The operator's buttons on a Rollout or a RolloutGroup: only those RBAC lets this user use are
 * shown (the server answered access reviews for each); abort and promote-full ask first.
 */
export function ActionBar<Id extends string>({
  who,
  kind,
  namespace,
  name,
  actions,
  permissions,
}: {
  who: WhoAmI;
  kind: 'rollouts' | 'rolloutgroups';
  namespace: string;
  name: string;
  actions: ActionDef<Id>[];
  permissions: Record<Id, boolean>;
}) {
  const [busy, setBusy] = useState<Id | undefined>();
  const [result, setResult] = useState<{ ok: boolean; message: string } | undefined>();
  const [confirming, setConfirming] = useState<ActionDef<Id> | undefined>();
  const allowed = actions.filter((a) => permissions[a.id]);
  const subject = kind === 'rollouts' ? 'Rollout' : 'RolloutGroup';
  const run = async (action: Id) => {
    setConfirming(undefined);
    setBusy(action);
    const r = await runAction(who, kind, namespace, name, action).catch((err: unknown) => ({
      ok: false,
      message: String(err),
    }));
    setBusy(undefined);
    setResult({ ok: r.ok, message: r.message });
  };
  if (allowed.length === 0)
    return (
      <div class="actions readonly" data-testid="actions">
        <span class="muted">Read only: your RBAC allows no actions on this {subject}.</span>
      </div>
    );
  return (
    <div class="actions" data-testid="actions">
      {allowed.map((a) => (
        <button
          class={`btn ${a.kind}`}
          data-action={a.id}
          disabled={busy !== undefined}
          onClick={() => {
            if (a.confirm) setConfirming(a);
            else void run(a.id);
          }}
        >
          {busy === a.id ? '…' : a.label}
        </button>
      ))}
      {result && (
        <span class={result.ok ? 'toast ok' : 'toast bad'} role="status">
          {result.message}
        </span>
      )}
      {confirming && (
        <div class="modal-backdrop" role="presentation">
          <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
            <h3 id="confirm-title">
              {confirming.label} {name}?
            </h3>
            <p>{confirming.confirm}</p>
            <div class="modal-buttons">
              <button
                class="btn ghost"
                onClick={() => {
                  setConfirming(undefined);
                }}
              >
                Cancel
              </button>
              <button
                class={`btn ${confirming.kind === 'danger' ? 'danger' : 'primary'}`}
                data-confirm={confirming.id}
                onClick={() => void run(confirming.id)}
              >
                {confirming.label}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
