import { useEffect, useState } from 'preact/hooks';
import type { GroupMemberView, GroupRow, GroupStageDetail, WhoAmI } from '../view/types.ts';
import { ActionBar, groupActions } from './actions.tsx';
import { groupListStream, groupStream } from './api.ts';
import { PhaseBadge, StepPips, WeightBar } from './badges.tsx';
import { ago, shortImage } from './format.ts';
import { Fact } from './fact.tsx';
import { GridTable } from './grid-table.tsx';
import { useLiveObject } from './live-object.ts';
import { useLiveRows } from './live-rows.ts';
import { navigate } from './router.ts';

const rolloutHref = (namespace: string, name: string) =>
  `/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
export const groupHref = (namespace: string, name: string) =>
  `/groups/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

const stageLabel: Record<GroupStageDetail['state'], string> = {
  healthy: 'healthy',
  current: 'in progress',
  waiting: 'waiting',
  blocked: 'blocked',
};

/** A member's place in the group: Healthy, Waiting, Admitted, Progressing, Aborted, Missing. */
export function StateChip({ state }: { state: string }) {
  return (
    <span class={`state state-${state.toLowerCase()}`} data-state={state}>
      {state}
    </span>
  );
}

function counts(row: GroupRow): string {
  const order = ['Progressing', 'Admitted', 'Waiting', 'Aborted', 'Missing', 'Healthy'] as const;
  return order
    .filter((s) => row.counts[s])
    .map((s) => `${row.counts[s] ?? 0} ${s.toLowerCase()}`)
    .join(' · ');
}

function policy(row: GroupRow): string {
  const parts = [
    row.stages.length ? `${row.stages.length} stages` : '',
    row.lockstep ? 'lockstep' : '',
    row.maxInProgress === null ? '' : `max ${row.maxInProgress} at once`,
    row.abortPolicy === 'AbortAll' ? 'abort all' : '',
  ];
  return parts.filter(Boolean).join(' · ') || '–';
}

/** Every RolloutGroup the user may list, live from a watch. */
export function GroupList({ namespace }: { namespace: string }) {
  const { rows, error, down } = useLiveRows(namespace, groupListStream);
  const [nsInput, setNsInput] = useState(namespace);
  useEffect(() => {
    setNsInput(namespace);
  }, [namespace]);
  const all = [...(rows?.values() ?? [])].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  return (
    <section class="list-page">
      <div class="toolbar">
        <form
          class="ns-filter"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(nsInput.trim() ? `/groups?namespace=${encodeURIComponent(nsInput.trim())}` : '/groups');
          }}
        >
          <label>
            Namespace
            <input
              name="namespace"
              placeholder="all namespaces"
              value={nsInput}
              onInput={(e) => {
                setNsInput(e.currentTarget.value);
              }}
            />
          </label>
        </form>
        <span class={down ? 'live down' : 'live'}>
          <span class="dot" />
          {down ? 'Reconnecting' : 'Live'}
        </span>
      </div>
      {error && (
        <div class="card notice">
          <strong>Not allowed.</strong> {error}. Choose a namespace you may read.
        </div>
      )}
      <div class="card flush">
        <GridTable kind="groups" columns={['RolloutGroup', 'Phase', 'Stages', 'Members', 'Policy', 'Age']}>
          {all.map((r) => (
            <tr data-group={r.key}>
              <td class="group-name">
                <a href={groupHref(r.namespace, r.name)}>{r.name}</a>
                <small>{r.namespace}</small>
              </td>
              <td>
                <PhaseBadge phase={r.phase} aborted={r.aborted} />
                {r.message && <small class="group-message">{r.message}</small>}
              </td>
              <td>
                {r.stages.length === 0 ? (
                  <span class="muted">–</span>
                ) : (
                  <span class="stage-chain">
                    {r.stages.map((s, i) => (
                      <>
                        {i > 0 && <span class="chain-arrow">→</span>}
                        <span class={r.currentStages.includes(s) ? 'stage-name current' : 'stage-name'}>
                          {s}
                        </span>
                      </>
                    ))}
                  </span>
                )}
              </td>
              <td class="small">
                {r.members} · <span class="muted">{counts(r)}</span>
              </td>
              <td class="small muted">{policy(r)}</td>
              <td class="muted small nowrap">{ago(r.created)}</td>
            </tr>
          ))}
        </GridTable>
        {rows !== undefined && all.length === 0 && <p class="empty">No RolloutGroups.</p>}
        {rows === undefined && !error && <p class="empty">Loading…</p>}
      </div>
    </section>
  );
}

function Member({ m, namespace }: { m: GroupMemberView; namespace: string }) {
  return (
    <li class={`member ${m.waiting ? 'waiting' : ''}`} data-member={m.name} data-state={m.state}>
      <div class="member-head">
        <a class="member-name" href={rolloutHref(namespace, m.name)}>
          {m.name}
        </a>
        <StateChip state={m.state} />
        <PhaseBadge phase={m.phase} aborted={m.aborted} paused={m.paused} />
      </div>
      <div class="member-figures">
        <StepPips step={m.step} />
        <WeightBar weight={m.weight} />
        <span class="mono small muted ellipsis">{m.images.map(shortImage).join(', ')}</span>
      </div>
      {m.message && (
        <p class={m.waiting ? 'why' : 'muted small'} data-testid="why">
          {m.message}
        </p>
      )}
    </li>
  );
}

function Stage({ stage, namespace }: { stage: GroupStageDetail; namespace: string }) {
  return (
    <section class={`stage-card ${stage.state}`} data-stage={stage.name} data-state={stage.state}>
      <header class="stage-head">
        <h3>{stage.name || 'Members'}</h3>
        <span class={`stage-state ${stage.state}`}>{stageLabel[stage.state]}</span>
      </header>
      {stage.dependsOn.length > 0 && <p class="after">after {stage.dependsOn.join(', ')}</p>}
      <ul class="members">
        {stage.members.map((m) => (
          <Member m={m} namespace={namespace} />
        ))}
      </ul>
    </section>
  );
}

/** One RolloutGroup, live: its stages in release order, each member and why it waits. */
export function GroupPage({ who, namespace, name }: { who: WhoAmI; namespace: string; name: string }) {
  const {
    value: detail,
    problem,
    down,
  } = useLiveObject('RolloutGroup', namespace, name, groupStream, (m) =>
    m.type === 'group' ? m.group : undefined,
  );
  if (problem) return <div class="card notice">{problem}</div>;
  if (!detail) return <p class="empty">Loading…</p>;
  const r = detail.row;
  return (
    <div class="group-page" data-phase={r.phase}>
      {down && <div class="card notice">Connection lost: reconnecting…</div>}
      <section class="card overview">
        <div class="title-row">
          <div>
            <h1>
              {r.name} <PhaseBadge phase={r.phase} aborted={r.aborted} />
            </h1>
            <p class="muted" data-testid="group-message">
              {r.message || '\u00a0'}
            </p>
          </div>
          <ActionBar
            who={who}
            kind="rolloutgroups"
            namespace={r.namespace}
            name={r.name}
            actions={groupActions}
            permissions={{
              ...detail.permissions,
              // nothing to retry unless the group or a member is aborted
              retry: detail.permissions.retry && (r.aborted || (r.counts.Aborted ?? 0) > 0),
            }}
          />
        </div>
        <dl class="facts">
          <Fact term="Namespace">{r.namespace}</Fact>
          <Fact term="Members">{r.members}</Fact>
          <Fact term="In progress" testid="current-stages">
            {r.currentStages.length ? r.currentStages.join(', ') : '–'}
          </Fact>
          <Fact term="Lockstep">
            {r.lockstep
              ? `yes${detail.maxStepIndex === null ? '' : `, up to step ${detail.maxStepIndex}`}`
              : 'no'}
          </Fact>
          <Fact term="Max in progress">{r.maxInProgress ?? 'no limit'}</Fact>
          <Fact term="Abort policy">{r.abortPolicy}</Fact>
        </dl>
      </section>
      <div class="stages" data-testid="stages">
        {detail.stages.map((s, i) => (
          <>
            {i > 0 && (
              <span class="arrow" aria-hidden="true">
                →
              </span>
            )}
            <Stage stage={s} namespace={r.namespace} />
          </>
        ))}
      </div>
    </div>
  );
}
