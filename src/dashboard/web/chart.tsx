import uPlot, { type AlignedData, type Options } from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import type { MeasurementPoint, Threshold, WeightPoint } from '../view/types.ts';

const colors = {
  line: '#4f46e5',
  fill: 'rgba(79, 70, 229, 0.12)',
  success: '#16a34a',
  failure: '#dc2626',
  grid: '#eef0f4',
  axis: '#6b7280',
  neutral: '#64748b',
};

const axis = {
  stroke: colors.axis,
  grid: { stroke: colors.grid, width: 1 },
  ticks: { stroke: colors.grid, width: 1 },
};
const clock = (_u: uPlot, ticks: number[]) =>
  ticks.map((t) =>
    new Date(t * 1000).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }),
  );
/** Time ticks at whole seconds or coarser (uPlot would otherwise go down to milliseconds). */
const timeIncrements = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const timeAxis = { ...axis, values: clock, space: 90, incrs: timeIncrements };

/** A uPlot chart that follows its container's width and is rebuilt when its data change. */
function UPlot({
  options,
  data,
  height,
  label,
}: {
  options: Omit<Options, 'width' | 'height'>;
  data: AlignedData;
  height: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current?.destroy();
    plot.current = new uPlot({ ...options, width: el.clientWidth || 600, height }, data, el);
    const observer = new ResizeObserver(() => {
      plot.current?.setSize({ width: el.clientWidth, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [JSON.stringify(data), height]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/** The new version's weight over time, as a step line from the first point to now. */
export function WeightChart({ points, now }: { points: WeightPoint[]; now: number }) {
  if (points.length === 0) return <p class="muted">No weight changes seen yet.</p>;
  // the line runs on to now (the page's clock ticks every 5s: never before the last point)
  const end = Math.max(now, points.at(-1)?.t ?? now);
  const xs = [...points.map((p) => p.t / 1000), end / 1000];
  const ys = [...points.map((p) => p.weight), points.at(-1)?.weight ?? 0];
  return (
    <UPlot
      label="traffic weight of the new version over time"
      height={180}
      data={[xs, ys]}
      options={{
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: [0, 100] } },
        axes: [timeAxis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${t}%`), size: 48 }],
        series: [
          {},
          {
            label: 'weight',
            stroke: colors.line,
            fill: colors.fill,
            width: 2,
            paths: uPlot.paths.stepped?.({ align: 1 }),
            points: { show: true, size: 6, fill: colors.line },
          },
        ],
      }}
    />
  );
}

/**
 * One metric's measurements over time, each point coloured by its phase, with the success and
 * failure thresholds parsed from the conditions drawn as horizontal lines.
 */
export function MetricChart({
  measurements,
  thresholds,
  name,
}: {
  measurements: MeasurementPoint[];
  thresholds: Threshold[];
  name: string;
}) {
  const numeric = measurements.filter((m) => m.value !== null);
  if (numeric.length === 0)
    return (
      <p class="muted">
        {measurements.length ? 'Measurements are not numbers: see the table.' : 'No measurements yet.'}
      </p>
    );
  const xs = numeric.map((m) => m.t / 1000);
  const values = numeric.map((m) => m.value);
  const failed = numeric.map((m) => (m.phase === 'Successful' ? null : m.value));
  const all = [...(values as number[]), ...thresholds.map((t) => t.value)];
  const min = Math.min(...all);
  const max = Math.max(...all);
  const pad = (max - min || Math.abs(max) || 1) * 0.15;
  return (
    <UPlot
      label={`measurements of ${name}`}
      height={170}
      data={[xs, values, failed, ...thresholds.map(() => xs.map(() => null))] as AlignedData}
      options={{
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { range: (_u, lo, hi) => (lo === hi ? [lo - 5, hi + 5] : [lo, hi]) },
          y: { range: [min - pad, max + pad] },
        },
        axes: [timeAxis, { ...axis, size: 56 }],
        series: [
          {},
          {
            label: name,
            stroke: colors.neutral,
            width: 1.5,
            points: { show: true, size: 8, fill: colors.success, stroke: colors.success },
          },
          {
            label: 'not successful',
            stroke: 'transparent',
            points: { show: true, size: 9, fill: colors.failure, stroke: colors.failure },
          },
          ...thresholds.map(() => ({ show: false })),
        ],
        hooks: {
          draw: [
            (u: uPlot) => {
              const ctx = u.ctx;
              for (const t of thresholds) {
                const y = u.valToPos(t.value, 'y', true);
                ctx.save();
                ctx.strokeStyle = t.kind === 'success' ? colors.success : colors.failure;
                ctx.setLineDash([6, 4]);
                ctx.lineWidth = 1.5 * devicePixelRatio;
                ctx.beginPath();
                ctx.moveTo(u.bbox.left, y);
                ctx.lineTo(u.bbox.left + u.bbox.width, y);
                ctx.stroke();
                ctx.fillStyle = ctx.strokeStyle;
                ctx.font = `600 ${11 * devicePixelRatio}px system-ui, sans-serif`;
                // uPlot leaves the axes' alignment set: label the line at its right end, above it
                ctx.textAlign = 'right';
                ctx.textBaseline = 'bottom';
                ctx.fillText(
                  `${t.kind}: ${t.op} ${t.value}`,
                  u.bbox.left + u.bbox.width - 6 * devicePixelRatio,
                  y - 3 * devicePixelRatio,
                );
                ctx.restore();
              }
            },
          ],
        },
      }}
    />
  );
}
