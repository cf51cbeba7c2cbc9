import { useEffect, useState } from 'preact/hooks';
import type { ListMessageOf } from '../view/types.ts';

/** What a list page shows: its rows by key (undefined until the first snapshot), an error, whether the stream is down. */
export interface LiveRows<Row> {
  rows: Map<string, Row> | undefined;
  error: string;
  down: boolean;
}

/**
 * Follows a list stream (Rollouts, RolloutGroups) of one namespace, or all: a snapshot replaces
 * the rows, changes upsert and remove them by key.
 */
export function useLiveRows<Row extends { key: string }>(
  namespace: string,
  stream: (namespace: string, on: (m: ListMessageOf<Row>) => void, down: (d: boolean) => void) => () => void,
): LiveRows<Row> {
  const [rows, setRows] = useState<Map<string, Row> | undefined>();
  const [error, setError] = useState('');
  const [down, setDown] = useState(false);
  useEffect(() => {
    setRows(undefined);
    setError('');
    return stream(
      namespace,
      (m) => {
        if (m.type === 'error') setError(m.message);
        else if (m.type === 'snapshot') setRows(new Map(m.rows.map((r) => [r.key, r])));
        else
          setRows((previous) => {
            const next = new Map(previous);
            for (const key of m.remove) next.delete(key);
            for (const row of m.upsert) next.set(row.key, row);
            return next;
          });
      },
      setDown,
    );
  }, [namespace]);
  return { rows, error, down };
}
