import { join, resolve } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';

/** Where the local control plane keeps its state: `.cluster/` at the repo root (git-ignored). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const clusterDir = join(repoRoot, '.cluster');

export const layout = {
  dir: clusterDir,
  kubeconfig: join(clusterDir, 'kubeconfig'),
  kubectl: join(clusterDir, 'bin', 'kubectl'),
  binDir: join(clusterDir, 'bin'),
  logs: join(clusterDir, 'logs'),
  pids: join(clusterDir, 'pids'),
  state: join(clusterDir, 'state.json'),
  certs: join(clusterDir, 'certs'),
  etcdData: join(clusterDir, 'etcd'),
  tokenFile: join(clusterDir, 'certs', 'tokens.csv'),
  saKey: join(clusterDir, 'certs', 'sa.key'),
  saPub: join(clusterDir, 'certs', 'sa.pub'),
} as const;

/** Ports and identity of a running plane, written by `up` and read by later calls. */
export interface PlaneState {
  apiPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  controllerManagerPort: number;
  schedulerPort: number;
  kwokPort: number;
  token: string;
  binDir: string;
  startedAt: string;
  /** Set when the plane was started for scale benchmarks (see PlaneOptions.scale). */
  scale?: ScaleProfile;
}

/** A plane sized for many pods: big fake nodes, controllers with raised client QPS. */
export interface ScaleProfile {
  nodes: number;
  podsPerNode: number;
}

export function readState(): PlaneState | undefined {
  if (!existsSync(layout.state)) return undefined;
  return JSON.parse(readFileSync(layout.state, 'utf8')) as PlaneState;
}

export function writeState(state: PlaneState): void {
  mkdirSync(clusterDir, { recursive: true });
  writeFileSync(layout.state, JSON.stringify(state, null, 2) + '\n');
}
