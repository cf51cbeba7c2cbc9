import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { RolloutRow } from '../view/types.ts';
import { listStream } from './api.ts';
import { PhaseBadge, StepPips, WeightBar } from './badges.tsx';
import { ago, shortImage, shortSha } from './format.ts';
import { navigate } from './router.ts';
import { useLiveRows } from './live-rows.ts';
import { useVirtualizer } from './virtual-list.ts';

const phases = ['Progressing', 'Paused', 'Degraded', 'Healthy'] as const;
const rowHeight = 52;

function withParams(namespace: string, phase: string): string {
  const params = new URLSearchParams();
  if (namespace) params.set('namespace', namespace);
  if (phase) params.set('phase', phase);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** One line of the list, placed by the virtualizer. */
function Row({ r, start }: { r: RolloutRow; start: number }) {
  const href = `/rollouts/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`;
  return (
    <a
      class="tr"
      href={href}
      data-rollout={r.key}
      style={{ transform: `translateY(${start}px)`, height: `${rowHeight}px` }}
    >
      <span class="name">
        <strong>{r.name}</strong>
        <small>{r.namespace}</small>
      </span>
      <span>
        <PhaseBadge phase={r.phase} aborted={r.aborted} paused={r.paused} />
      </span>
      <span class="strategy">{r.strategy}</span>
      <span>
        <StepPips step={r.step} />
      </span>
      <span>
        <WeightBar weight={r.weight} />
      </span>
      <span class="mono ellipsis" title={r.images.join(', ')}>
        {r.images.map(shortImage).join(', ')}
      </span>
      <span class="ellipsis" title={r.commit?.subject ?? ''}>
        {r.commit ? (
          <>
            <code>{shortSha(r.commit.sha)}</code> {r.commit.subject ?? ''}
          </>
        ) : (
          <span class="muted">–</span>
        )}
      </span>
      <span class="muted" title={r.created}>
        {ago(r.created)}
      </span>
    </a>
  );
}

interface ToolbarProps {
  namespace: string;
  phase: string;
  nsInput: string;
  setNsInput: (value: string) => void;
  namespaces: string[];
  counts: Record<string, number>;
  total: number;
  query: string;
  setQuery: (value: string) => void;
  down: boolean;
}

/** Namespace (a new watch), phase chips with counts, a text filter, and whether the stream is live. */
function Toolbar(props: ToolbarProps) {
  const { namespace, phase, nsInput, setNsInput, namespaces, counts, total, query, setQuery, down } = props;
  return (
    <div class="toolbar">
      <form
        class="ns-filter"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(withParams(nsInput.trim(), phase));
        }}
      >
        <label>
          Namespace
          <input
            name="namespace"
            list="namespaces"
            placeholder="all namespaces"
            value={nsInput}
            onInput={(e) => {
              setNsInput(e.currentTarget.value);
            }}
            onChange={(e) => {
              navigate(withParams(e.currentTarget.value.trim(), phase));
            }}
          />
        </label>
        <datalist id="namespaces">
          {namespaces.map((n) => (
            <option value={n} />
          ))}
        </datalist>
      </form>
      <div class="chips" role="group" aria-label="phase">
        <a class={phase ? 'chip' : 'chip active'} href={withParams(namespace, '')}>
          All <span class="count">{total}</span>
        </a>
        {phases.map((p) => (
          <a
            class={phase === p ? `chip active phase-${p.toLowerCase()}` : `chip phase-${p.toLowerCase()}`}
            href={withParams(namespace, p)}
          >
            <span class="dot" />
            {p} <span class="count">{counts[p] ?? 0}</span>
          </a>
        ))}
      </div>
      <input
        class="search"
        type="search"
        placeholder="Filter by name, image or commit"
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
        }}
      />
      <span
        class={down ? 'live down' : 'live'}
        title={down ? 'reconnecting…' : 'live: updates pushed by watches'}
      >
        <span class="dot" />
        {down ? 'Reconnecting' : 'Live'}
      </span>
    </div>
  );
}

/** Every Rollout the user may list, live from a watch; filtered by namespace (server) and phase. */
export function RolloutList({ namespace, phase }: { namespace: string; phase: string }) {
  const { rows, error, down } = useLiveRows(namespace, listStream);
  const [query, setQuery] = useState('');
  const [nsInput, setNsInput] = useState(namespace);
  useEffect(() => {
    setNsInput(namespace);
  }, [namespace]);

  const all = useMemo(
    () =>
      [...(rows?.values() ?? [])].sort(
        (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
      ),
    [rows],
  );
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const r of all) c[r.phase] = (c[r.phase] ?? 0) + 1;
    return c;
  }, [all]);
  const namespaces = useMemo(() => [...new Set(all.map((r) => r.namespace))].sort(), [all]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return all.filter(
      (r) =>
        (!phase || r.phase === phase) &&
        (!q ||
          r.name.includes(q) ||
          r.images.some((i) => i.toLowerCase().includes(q)) ||
          (r.commit?.sha.startsWith(q) ?? false)),
    );
  }, [all, phase, query]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length,
    estimateSize: () => rowHeight,
    getScrollElement: () => scroller.current,
    overscan: 8,
  });

  return (
    <section class="list-page">
      <Toolbar
        {...{ namespace, phase, nsInput, setNsInput, namespaces, counts, query, setQuery, down }}
        total={all.length}
      />
      {error && (
        <div class="card notice">
          <strong>Not allowed.</strong> {error}. Choose a namespace you may read.
        </div>
      )}
      <div class="table rollouts" role="table" aria-rowcount={shown.length}>
        <div class="thead" role="row">
          <span>Rollout</span>
          <span>Phase</span>
          <span>Strategy</span>
          <span>Step</span>
          <span>Weight</span>
          <span>Image</span>
          <span>Commit</span>
          <span>Age</span>
        </div>
        <div
          class="tbody"
          ref={scroller}
          style={{ height: `min(${Math.max(shown.length, 3) * rowHeight + 2}px, calc(100vh - 230px))` }}
        >
          {rows === undefined && !error && <p class="empty">Loading…</p>}
          {rows !== undefined && shown.length === 0 && (
            <p class="empty">No Rollouts{phase ? ` in phase ${phase}` : ''}.</p>
          )}
          <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const r = shown[item.index];
              if (!r) return null;
              return <Row key={r.key} r={r} start={item.start} />;
            })}
          </div>
        </div>
      </div>
      <p class="footnote muted">
        {shown.length} of {all.length} Rollouts{namespace ? ` in ${namespace}` : ' in all namespaces'}
      </p>
    </section>
  );
}
