import { useEffect, useState } from 'preact/hooks';
import type { AnalysisRunView, ComparisonFigures, CommitView, RolloutDetail, WhoAmI } from '../view/types.ts';
import { ActionBar, rolloutActions } from './actions.tsx';
import { detailStream } from './api.ts';
import { PhaseBadge, WeightBar } from './badges.tsx';
import { MetricChart, WeightChart } from './chart.tsx';
import { Fact } from './fact.tsx';
import { GridTable } from './grid-table.tsx';
import { useLiveObject } from './live-object.ts';
import { groupHref, StateChip } from './groups.tsx';
import { ago, percent, shortImage, shortSha } from './format.ts';

function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, ms);
    return () => {
      clearInterval(timer);
    };
  }, [ms]);
  return now;
}

function Commit({ commit }: { commit: CommitView | null }) {
  if (!commit) return <span class="muted">not from Git</span>;
  const sha = <code>{shortSha(commit.sha)}</code>;
  return (
    <span class="commit">
      {commit.url ? (
        <a href={commit.url} target="_blank" rel="noopener noreferrer">
          {sha}
        </a>
      ) : (
        sha
      )}{' '}
      {commit.subject && <span class="subject">{commit.subject}</span>}
      {commit.author && <span class="muted"> · {commit.author}</span>}
    </span>
  );
}

function Section({
  title,
  children,
  extra,
}: {
  title: string;
  children: preact.ComponentChildren;
  extra?: preact.ComponentChildren;
}) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {extra}
      </header>
      {children}
    </section>
  );
}

function Steps({ detail }: { detail: RolloutDetail }) {
  if (detail.steps.length === 0) return <p class="muted">This strategy has no steps.</p>;
  return (
    <ol class="timeline" data-testid="steps">
      {detail.steps.map((s) => (
        <li class={`step ${s.state}`} data-state={s.state}>
          <span class="marker">{s.state === 'done' ? '✓' : s.index + 1}</span>
          <span class="label">{s.label}</span>
          {s.state === 'current' && <span class="now">{detail.row.paused ? 'paused here' : 'current'}</span>}
        </li>
      ))}
    </ol>
  );
}

function Comparison({ figures }: { figures: ComparisonFigures }) {
  return (
    <div class="ab-figures" data-testid="ab-figures">
      <div class="figure">
        <span class="k">B rate</span>
        <span class="v">{percent(figures.rateB)}</span>
        <span class="muted">{figures.trialsB ?? '–'} trials</span>
      </div>
      <div class="figure">
        <span class="k">A rate</span>
        <span class="v">{percent(figures.rateA)}</span>
        <span class="muted">{figures.trialsA ?? '–'} trials</span>
      </div>
      <div class="figure">
        <span class="k">z</span>
        <span class="v">{figures.z?.toFixed(2) ?? '–'}</span>
      </div>
      <div class="figure">
        <span class="k">p-value</span>
        <span class="v">{figures.pValue?.toPrecision(2) ?? '–'}</span>
        <span class="muted">alpha {figures.alpha ?? '–'}</span>
      </div>
      <div class="figure verdict">
        <span class="k">verdict</span>
        <span class="v small">{figures.verdict}</span>
      </div>
    </div>
  );
}

function AnalysisRun({ run }: { run: AnalysisRunView }) {
  return (
    <div class="run" data-run={run.name}>
      <div class="run-head">
        <PhaseBadge phase={run.phase} />
        <strong class="mono">{run.name}</strong>
        <span class="muted">{ago(run.started)}</span>
        {run.message && <span class="muted ellipsis">{run.message}</span>}
      </div>
      {run.metrics.map((m) => (
        <div class="metric" data-metric={m.name}>
          <div class="metric-head">
            <strong>{m.name}</strong>
            <span class="tag">{m.provider}</span>
            <PhaseBadge phase={m.phase} />
            {m.successCondition && (
              <span class="cond ok">
                success: <code>{m.successCondition}</code>
              </span>
            )}
            {m.failureCondition && (
              <span class="cond bad">
                failure: <code>{m.failureCondition}</code>
              </span>
            )}
          </div>
          {m.comparison ? (
            <Comparison figures={m.comparison} />
          ) : (
            <MetricChart name={m.name} measurements={m.measurements} thresholds={m.thresholds} />
          )}
          {m.measurements.length > 0 && (
            <div class="measurements">
              {m.measurements.slice(-8).map((x) => (
                <span
                  class={`measurement phase-${x.phase.toLowerCase()}`}
                  title={`${new Date(x.t).toLocaleTimeString()} ${x.phase}`}
                >
                  {x.value ?? x.text.slice(0, 24)}
                </span>
              ))}
            </div>
          )}
          {m.message && <p class="muted small">{m.message}</p>}
        </div>
      ))}
    </div>
  );
}

function Overview({ detail, who, now }: { detail: RolloutDetail; who: WhoAmI; now: number }) {
  const r = detail.row;
  const commit = r.commit;
  return (
    <section class="card overview">
      <div class="title-row">
        <div>
          <h1>
            {r.name} <PhaseBadge phase={r.phase} aborted={r.aborted} paused={r.paused} />
          </h1>
          <p class="muted">{r.message || '\u00a0'}</p>
        </div>
        <ActionBar
          who={who}
          kind="rollouts"
          namespace={r.namespace}
          name={r.name}
          actions={rolloutActions}
          permissions={detail.permissions}
        />
      </div>
      <dl class="facts">
        <Fact term="Namespace">{r.namespace}</Fact>
        <Fact term="Strategy">{r.strategy}</Fact>
        <Fact term="Step" testid="step">
          {r.step ? `${r.step.current} of ${r.step.total}` : '–'}
        </Fact>
        <Fact term="Weight">
          <WeightBar weight={r.weight} />
        </Fact>
        <Fact term="Replicas" title={`${detail.replicas.updated} updated, ${detail.replicas.ready} ready`}>
          {detail.replicas.available}/{detail.replicas.desired} available
        </Fact>
        <Fact term="Image" valueClass="mono">
          {r.images.map(shortImage).join(', ')}
        </Fact>
      </dl>
      <div class="provenance" data-testid="provenance">
        <span class="k">Git</span>
        <Commit commit={commit} />
        {commit?.repository && (
          <span class="muted mono small">
            {commit.repository}
            {commit.path ? ` · ${commit.path}` : ''}
          </span>
        )}
        <span class="muted small right" title={r.created}>
          created {ago(r.created, now)}
        </span>
      </div>
      {detail.groups.length > 0 && (
        <div class="provenance memberships" data-testid="groups">
          <span class="k">Groups</span>
          {detail.groups.map((g) => (
            <a class="membership" href={groupHref(r.namespace, g.group)} data-group={g.group}>
              <strong>{g.group}</strong> <StateChip state={g.state} />
              {g.stage && <span class="muted"> stage {g.stage}</span>}
              {g.message && <span class="muted"> · {g.message}</span>}
            </a>
          ))}
        </div>
      )}
    </section>
  );
}

function EventsTable({ events, now }: { events: RolloutDetail['events']; now: number }) {
  return (
    <Section title="Events" extra={<span class="muted small">{events.length}</span>}>
      <GridTable kind="events" columns={['When', 'Reason', 'Message', 'Commit']}>
        {events.slice(0, 50).map((e) => (
          <tr class={e.type === 'Warning' ? 'warning' : ''}>
            <td class="muted nowrap" title={e.time}>
              {ago(e.time, now)}
            </td>
            <td class="nowrap">{e.reason}</td>
            <td>
              {e.message}
              {e.count > 1 ? <span class="muted"> ×{e.count}</span> : null}
            </td>
            <td class="small">{e.commit ? <code>{e.commit}</code> : <span class="muted">–</span>}</td>
          </tr>
        ))}
      </GridTable>
    </Section>
  );
}

/** One Rollout, live: every watched change is pushed by the server and re-rendered. */
export function RolloutPage({ who, namespace, name }: { who: WhoAmI; namespace: string; name: string }) {
  const {
    value: detail,
    problem,
    down,
  } = useLiveObject('Rollout', namespace, name, detailStream, (m) =>
    m.type === 'detail' ? m.detail : undefined,
  );
  const now = useNow(5000);
  if (problem) return <div class="card notice">{problem}</div>;
  if (!detail) return <p class="empty">Loading…</p>;
  const comparison = detail.analysisRuns.flatMap((run) => run.metrics).find((m) => m.comparison)?.comparison;
  return (
    <div class="detail" data-phase={detail.row.phase}>
      {down && <div class="card notice">Connection lost: reconnecting…</div>}
      <Overview detail={detail} who={who} now={now} />
      <div class="grid two">
        <Section title="Steps">
          <Steps detail={detail} />
        </Section>
        <Section title="Traffic to the new version">
          <WeightChart points={detail.weights} now={now} />
          {detail.abTest && (
            <p class="muted small">
              split A {detail.abTest.splitA}% / B {detail.abTest.splitB}%
              {detail.abTest.decision ? ` · decision ${detail.abTest.decision}` : ''}
            </p>
          )}
        </Section>
      </div>
      {(detail.abTest || comparison) && (
        <Section title="A/B comparison">
          {comparison ? (
            <Comparison figures={comparison} />
          ) : (
            <p class="muted">No comparison measured yet.</p>
          )}
        </Section>
      )}
      <Section title="Analysis" extra={<span class="muted small">{detail.analysisRuns.length} runs</span>}>
        {detail.analysisRuns.length === 0 ? (
          <p class="muted">No AnalysisRuns for this Rollout.</p>
        ) : (
          detail.analysisRuns.slice(0, 4).map((run) => <AnalysisRun run={run} />)
        )}
      </Section>
      <Section title="ReplicaSets and pods">
        <GridTable columns={['Revision', 'Role', 'Hash', 'Image', 'Pods', 'Commit', 'Created']}>
          {detail.replicaSets.map((rs) => {
            const pods = detail.pods.filter((p) => p.hash === rs.hash);
            return (
              <tr data-hash={rs.hash}>
                <td>{rs.revision}</td>
                <td>
                  <span class={`role role-${rs.role.replace('+', '-')}`}>{rs.role}</span>
                </td>
                <td class="mono">{rs.hash}</td>
                <td class="mono">{rs.images.map(shortImage).join(', ')}</td>
                <td>
                  <span class="muted small">
                    {rs.available}/{rs.desired}
                  </span>{' '}
                  <span class="pods">
                    {pods.map((p) => (
                      <span
                        class={`pod ${p.ready ? 'ready' : p.phase.toLowerCase()}`}
                        title={`${p.name}: ${p.phase}${p.ready ? ', ready' : ''}, ${p.restarts} restarts, node ${p.node || '–'}`}
                      />
                    ))}
                  </span>
                </td>
                <td>
                  <Commit commit={rs.commit} />
                </td>
                <td class="muted">{ago(rs.created, now)}</td>
              </tr>
            );
          })}
        </GridTable>
      </Section>
      <EventsTable events={detail.events} now={now} />
    </div>
  );
}
