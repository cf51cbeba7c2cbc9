import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layout, readState, writeState, repoRoot, type PlaneState, type ScaleProfile } from './layout.ts';
import { freePort, isAlive, recordedPids, startDetached, stopAll, waitFor } from './processes.ts';
import { apiGet } from './api-request.ts';

const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
const fakeNodes = ['kwok-node-0', 'kwok-node-1'];

export interface PlaneOptions {
  /**
   * For scale benchmarks (`npm run bench:scale`): besides the two default nodes, `nodes` fake
   * nodes of `podsPerNode` pods each (the default nodes hold 110), a pod CIDR with room for a
   * million pods, and kube-controller-manager and kube-scheduler with client QPS raised from their
   * defaults (20 and 50) so the plane, not the controller under test, is never the bottleneck it
   * need not be. A running plane without this profile is restarted with it; without options any
   * running plane is reused.
   */
  scale?: ScaleProfile;
}

/** Client QPS/burst and concurrency of the plane's own controllers in the scale profile. */
const scaleClientFlags = ['--kube-api-qps=1000', '--kube-api-burst=2000'];

function log(message: string): void {
  process.stderr.write(`[cluster] ${message}\n`);
}

/**
 * Builds the binaries when missing (cached by version outside the work tree) and returns the
 * directory that holds them. The build script streams its progress to stderr.
 */
export function buildBinaries(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, 'tools', 'cluster', 'build.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const dir = out.trim().split('\n').pop();
      if (code === 0 && dir) resolve(dir);
      else reject(new Error(`tools/cluster/build.sh failed with exit code ${code}`));
    });
  });
}

/** True when a plane recorded in `.cluster/` has all its processes alive and answers /readyz. */
export async function isRunning(): Promise<boolean> {
  const state = readState();
  if (!state) return false;
  const pids = recordedPids();
  if (!components.every((c) => isAlive(pids.get(c) ?? -1))) return false;
  return apiGet(state, '/readyz').then(
    (r) => r.status === 200,
    () => false,
  );
}

/** Starts the plane, or reuses the one already running. Idempotent. */
export async function up(options: PlaneOptions = {}): Promise<PlaneState> {
  if (await isRunning()) {
    const running = readState() as PlaneState;
    if (!options.scale || sameScale(running.scale, options.scale)) {
      log('reusing the running control plane');
      return running;
    }
    log('restarting the control plane with the scale profile');
    await down();
  }
  await stopAll(); // leftovers of a half-dead plane
  const binDir = await buildBinaries();
  const started = Date.now();
  rmSync(layout.dir, { recursive: true, force: true });
  mkdirSync(layout.certs, { recursive: true });
  mkdirSync(layout.binDir, { recursive: true });
  symlinkSync(join(binDir, 'kubectl'), layout.kubectl);

  const state: PlaneState = {
    apiPort: await freePort(),
    etcdPort: await freePort(),
    etcdPeerPort: await freePort(),
    controllerManagerPort: await freePort(),
    schedulerPort: await freePort(),
    kwokPort: await freePort(),
    token: randomBytes(24).toString('hex'),
    binDir,
    startedAt: new Date().toISOString(),
    ...(options.scale ? { scale: options.scale } : {}),
  };
  writeState(state);
  writeCredentials(state);

  startEtcd(state);
  startApiServer(state);
  await waitFor(
    'kube-apiserver /readyz',
    async () => (await apiGet(state, '/readyz')).status === 200,
    120_000,
  );
  writeKubeconfig(state);
  startDetached('kube-controller-manager', bin(state, 'kube-controller-manager'), [
    `--kubeconfig=${layout.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${state.controllerManagerPort}`,
    `--root-ca-file=${join(layout.certs, 'apiserver', 'apiserver.crt')}`,
    `--service-account-private-key-file=${layout.saKey}`,
    '--leader-elect=false',
    '--node-monitor-grace-period=40s',
    ...(options.scale
      ? [...scaleClientFlags, '--concurrent-replicaset-syncs=50', '--concurrent-gc-syncs=50']
      : []),
  ]);
  startDetached('kube-scheduler', bin(state, 'kube-scheduler'), [
    `--kubeconfig=${layout.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${state.schedulerPort}`,
    '--leader-elect=false',
    ...(options.scale ? scaleClientFlags : []),
  ]);
  startDetached('kwok', bin(state, 'kwok'), [
    `--kubeconfig=${layout.kubeconfig}`,
    ...(options.scale ? [`--config=${writeKwokScaleConfig()}`] : []),
    '--manage-all-nodes=true',
    '--node-lease-duration-seconds=40',
    options.scale ? '--cidr=10.0.0.0/12' : '--cidr=10.244.0.0/16',
    '--node-ip=127.0.0.1',
    `--server-address=127.0.0.1:${state.kwokPort}`,
  ]);
  const nodes = [
    ...fakeNodes.map((name) => ({ name, pods: 110 })),
    ...Array.from({ length: options.scale?.nodes ?? 0 }, (_, i) => ({
      name: `kwok-large-${i}`,
      pods: options.scale?.podsPerNode ?? 0,
    })),
  ];
  createFakeNodes(nodes);
  await waitFor('fake nodes to be Ready', () => Promise.resolve(nodesReady(nodes.length)), 120_000);
  await waitFor(
    'the default ServiceAccount',
    async () => (await apiGet(state, '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    120_000,
  );
  log(
    `control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s (kubeconfig: ${layout.kubeconfig})`,
  );
  return state;
}

/**
 * Restarts the kube-apiserver of the running plane as a crash would: SIGKILL, then the same flags,
 * port and etcd, and waits until it answers /readyz again. Fault tests use it (the torture run).
 */
export async function restartApiServer(): Promise<void> {
  const state = readState();
  if (!state) throw new Error('no control plane is running (.cluster/state.json is missing)');
  const pid = recordedPids().get('kube-apiserver');
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    await waitFor('the old kube-apiserver to exit', () => Promise.resolve(!isAlive(pid)), 30_000);
  }
  startApiServer(state);
  await waitFor(
    'kube-apiserver /readyz after a restart',
    async () => (await apiGet(state, '/readyz')).status === 200,
    180_000,
  );
}

export async function down(): Promise<void> {
  const stopped = await stopAll();
  rmSync(layout.dir, { recursive: true, force: true });
  log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

function bin(state: PlaneState, name: string): string {
  return join(state.binDir, name);
}

function writeCredentials(state: PlaneState): void {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(layout.saKey, privateKey, { mode: 0o600 });
  writeFileSync(layout.saPub, publicKey);
  // A static admin token in system:masters: the simplest credential kubectl, the tests and
  // the controller can all share on a throwaway plane.
  writeFileSync(layout.tokenFile, `${state.token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
}

function startEtcd(state: PlaneState): void {
  const client = `http://127.0.0.1:${state.etcdPort}`;
  const peer = `http://127.0.0.1:${state.etcdPeerPort}`;
  startDetached('etcd', bin(state, 'etcd'), [
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
}

function startApiServer(state: PlaneState): void {
  startDetached('kube-apiserver', bin(state, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${state.etcdPort}`,
    `--cert-dir=${join(layout.certs, 'apiserver')}`,
    `--secure-port=${state.apiPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=RBAC',
    `--token-auth-file=${layout.tokenFile}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${layout.saPub}`,
    `--service-account-signing-key-file=${layout.saKey}`,
    '--allow-privileged=true',
  ]);
}

function writeKubeconfig(state: PlaneState): void {
  const ca = readFileSync(join(layout.certs, 'apiserver', 'apiserver.crt')).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'bellwether-local',
        cluster: { server: `https://127.0.0.1:${state.apiPort}`, 'certificate-authority-data': ca },
      },
    ],
    users: [{ name: 'admin', user: { token: state.token } }],
    contexts: [{ name: 'bellwether-local', context: { cluster: 'bellwether-local', user: 'admin' } }],
    'current-context': 'bellwether-local',
  };
  writeFileSync(layout.kubeconfig, JSON.stringify(kubeconfig, null, 2) + '\n', { mode: 0o600 });
}

export function kubectl(args: string[], input?: string): string {
  return execFileSync(layout.kubectl, ['--kubeconfig', layout.kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * kwok has no client rate limit, but moves pods through their stages with 4 workers: about 20
 * pods a second on this machine, which would make kwok the bottleneck of any scale run. The
 * config keeps the default stages (it declares none) and raises the parallelism.
 */
function writeKwokScaleConfig(): string {
  const file = join(layout.dir, 'kwok-scale.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: config.kwok.x-k8s.io/v1alpha1',
      'kind: KwokConfiguration',
      'options:',
      '  podPlayStageParallelism: 64',
      '  nodeLeaseParallelism: 8',
      '',
    ].join('\n'),
  );
  return file;
}

function sameScale(a: ScaleProfile | undefined, b: ScaleProfile): boolean {
  return a?.nodes === b.nodes && a.podsPerNode === b.podsPerNode;
}

/** Fake nodes (kwok marks them Ready and runs their pods) beyond the plane's own two. */
export function createFakeNodes(specs: { name: string; pods: number }[]): void {
  const nodes = specs.map(({ name, pods }) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: String(pods) },
      capacity: { cpu: '32', memory: '256Gi', pods: String(pods) },
    },
  }));
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes }));
}

function nodesReady(count: number): boolean {
  const out = kubectl(['get', 'nodes', '-o', 'json']);
  const list = JSON.parse(out) as {
    items: { status?: { conditions?: { type: string; status: string }[] } }[];
  };
  const ready = list.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length >= count;
}

export function planeExists(): boolean {
  return existsSync(layout.state);
}
