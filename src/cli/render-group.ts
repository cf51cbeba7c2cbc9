import type { RolloutGroupObject } from '../controller/group/group-object.ts';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `bellwether group get NAME`: the group's phase, stages, limits and one line per member. */
export function renderGroup(group: RolloutGroupObject): string {
  const { spec, status = {} } = group;
  const lines = [`RolloutGroup ${group.metadata.name} (namespace ${group.metadata.namespace})`];
  lines.push(`Phase:     ${status.phase ?? 'Unknown'}${status.message ? ` - ${status.message}` : ''}`);
  if (spec.stages?.length) {
    const stages = spec.stages.map((s) =>
      s.dependsOn?.length ? `${s.name} (after ${s.dependsOn.join(', ')})` : s.name,
    );
    lines.push(`Stages:    ${stages.join(', ')}`);
    lines.push(`Current:   ${status.currentStages?.length ? status.currentStages.join(', ') : '-'}`);
  }
  if (spec.lockstep)
    lines.push(
      `Lockstep:  yes${status.maxStepIndex === undefined ? '' : ` (members may reach step ${status.maxStepIndex})`}`,
    );
  if (spec.maxInProgress !== undefined) lines.push(`Max in progress: ${spec.maxInProgress}`);
  lines.push(`Abort policy: ${spec.abortPolicy ?? 'Stop'}${status.abort ? ' (group aborted)' : ''}`);
  const members = status.members ?? [];
  if (members.length === 0) {
    lines.push('', 'No members observed yet.');
    return lines.join('\n') + '\n';
  }
  const rows = [
    ['MEMBER', 'STAGE', 'STATE', 'PHASE', 'STEP', 'MESSAGE'],
    ...members.map((m) => [
      m.name,
      m.stage ?? '-',
      m.state,
      m.phase ?? '-',
      m.step === undefined ? '-' : m.steps ? `${Math.min(m.step, m.steps)}/${m.steps}` : String(m.step),
      m.message ?? '',
    ]),
  ];
  lines.push('', ...table(rows));
  return lines.join('\n') + '\n';
}
