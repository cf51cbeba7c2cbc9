export function PhaseBadge({
  phase,
  aborted,
  paused,
}: {
  phase: string;
  aborted?: boolean;
  paused?: boolean;
}) {
  const label = aborted && phase === 'Degraded' ? 'Aborted' : phase;
  return (
    <span class={`badge phase-${phase.toLowerCase()}`} data-phase={phase}>
      <span class="dot" />
      {label}
      {paused && phase !== 'Paused' ? ' · paused' : ''}
    </span>
  );
}

export function WeightBar({ weight }: { weight: number | null }) {
  if (weight === null) return <span class="muted">–</span>;
  return (
    <span class="weight" title={`${weight}% of traffic to the new version`}>
      <span class="bar">
        <span class="fill" style={{ width: `${Math.max(0, Math.min(100, weight))}%` }} />
      </span>
      <span class="num">{weight}%</span>
    </span>
  );
}

export function StepPips({ step }: { step: { current: number; total: number; done: boolean } | null }) {
  if (!step) return <span class="muted">–</span>;
  return (
    <span
      class="pips"
      title={step.done ? `all ${step.total} steps done` : `step ${step.current} of ${step.total}`}
    >
      <span class="num">
        {step.current}/{step.total}
      </span>
      <span class="track">
        {Array.from({ length: Math.min(step.total, 12) }, (_, i) => (
          <span
            class={
              step.done || i < step.current - 1 ? 'pip done' : i === step.current - 1 ? 'pip current' : 'pip'
            }
          />
        ))}
      </span>
    </span>
  );
}
