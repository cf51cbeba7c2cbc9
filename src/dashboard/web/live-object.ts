import { useEffect, useState } from 'preact/hooks';

/** What the page of one object shows: its latest value, or a problem instead; whether the stream is down. */
export interface LiveObject<T> {
  value: T | undefined;
  problem: string;
  down: boolean;
}

/**
 * Follows one object's server stream (a Rollout's, a RolloutGroup's): the value of every
 * snapshot, "does not exist" once it is gone, the server's message on an error.
 */
export function useLiveObject<M extends { type: string }, T>(
  kind: string,
  namespace: string,
  name: string,
  stream: (namespace: string, name: string, on: (m: M) => void, down: (d: boolean) => void) => () => void,
  valueOf: (m: M) => T | undefined,
): LiveObject<T> {
  const [value, setValue] = useState<T | undefined>();
  const [problem, setProblem] = useState('');
  const [down, setDown] = useState(false);
  useEffect(() => {
    setValue(undefined);
    setProblem('');
    return stream(
      namespace,
      name,
      (m) => {
        const next = valueOf(m);
        if (next !== undefined) setValue(next);
        else if (m.type === 'gone') setProblem(`${kind} ${namespace}/${name} does not exist (any more).`);
        else if ('message' in m) setProblem(String(m.message));
      },
      setDown,
    );
  }, [namespace, name]);
  return { value, problem, down };
}
