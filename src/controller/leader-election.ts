import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { describeError, statusCode, type Logger } from '../log.ts';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 * every retry period a candidate reads the Lease and either renews it (it holds it), takes it
 * over (nobody renewed it within the lease duration), or waits. Writes carry the read
 * resourceVersion, so of two candidates racing for an expired Lease exactly one wins (the other
 * gets 409 Conflict). Expiry is judged by the candidate's own clock from when it last saw the
 * record change, not from renewTime, so clock skew between nodes does not matter.
 */

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: number;
  renewTime?: number;
  leaseTransitions?: number;
}

/** What this candidate last saw of the Lease, and when (by its own clock). */
export interface Observation {
  holderIdentity: string;
  renewTime: number | undefined;
  at: number;
}

export type Decision =
  | { action: 'create'; record: LeaseRecord }
  | { action: 'renew' | 'acquire'; record: LeaseRecord }
  | { action: 'wait'; holder: string; expiresInMs: number };

/**
 * The pure decision: given the Lease record (undefined when it does not exist), what this
 * candidate saw before, the time and its identity, what to write (if anything). Returns the new
 * observation alongside, which the caller keeps for the next round.
 */
export function decide(input: {
  record: LeaseRecord | undefined;
  observed: Observation | undefined;
  now: number;
  identity: string;
  leaseDurationMs: number;
}): { decision: Decision; observed: Observation | undefined } {
  const { record, now, identity, leaseDurationMs } = input;
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
  const mine = (acquireTime: number, transitions: number): LeaseRecord => ({
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime,
    renewTime: now,
    leaseTransitions: transitions,
  });
  if (!record) return { decision: { action: 'create', record: mine(now, 0) }, observed: undefined };
  const holder = record.holderIdentity ?? '';
  const transitions = record.leaseTransitions ?? 0;
  if (holder === identity)
    return {
      decision: { action: 'renew', record: mine(record.acquireTime ?? now, transitions) },
      observed: { holderIdentity: holder, renewTime: now, at: now },
    };
  // Released (empty holder): take it at once.
  if (holder === '')
    return { decision: { action: 'acquire', record: mine(now, transitions + 1) }, observed: undefined };
  // The record changed since we last looked (or we never looked): the clock starts now.
  let observed = input.observed;
  if (!observed || observed.holderIdentity !== holder || observed.renewTime !== record.renewTime)
    observed = { holderIdentity: holder, renewTime: record.renewTime, at: now };
  const durationMs = (record.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  const expiresInMs = observed.at + durationMs - now;
  if (expiresInMs > 0) return { decision: { action: 'wait', holder, expiresInMs }, observed };
  return { decision: { action: 'acquire', record: mine(now, transitions + 1) }, observed };
}

/** A leader that has not renewed within the renew deadline must stop writing. */
export function renewOverdue(lastRenewAt: number, now: number, renewDeadlineMs: number): boolean {
  return now - lastRenewAt > renewDeadlineMs;
}

export function validateTimings(t: {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}) {
  if (t.retryPeriodMs <= 0) return '--retry-period must be positive';
  if (t.renewDeadlineMs <= t.retryPeriodMs) return '--renew-deadline must be greater than --retry-period';
  if (t.leaseDurationMs <= t.renewDeadlineMs) return '--lease-duration must be greater than --renew-deadline';
  return undefined;
}

/** The Lease API the elector needs; a fake in unit tests, the cluster otherwise. */
export interface LeaseApi {
  read(namespace: string, name: string): Promise<V1Lease | undefined>;
  create(namespace: string, lease: V1Lease): Promise<void>;
  /** Replaces the Lease; `lease.metadata.resourceVersion` makes it fail with 409 on a concurrent change. */
  replace(namespace: string, name: string, lease: V1Lease): Promise<void>;
}

export function kubeLeaseApi(kc: KubeConfig): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    read: async (namespace, name) => {
      try {
        return await api.readNamespacedLease({ namespace, name });
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    create: async (namespace, body) => {
      await api.createNamespacedLease({ namespace, body });
    },
    replace: async (namespace, name, body) => {
      await api.replaceNamespacedLease({ namespace, name, body });
    },
  };
}

function toRecord(lease: V1Lease): LeaseRecord {
  const s = lease.spec ?? {};
  const time = (t: Date | undefined) => (t ? new Date(t).getTime() : undefined);
  return {
    ...(s.holderIdentity !== undefined ? { holderIdentity: s.holderIdentity } : {}),
    ...(s.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: s.leaseDurationSeconds } : {}),
    ...(s.acquireTime ? { acquireTime: time(s.acquireTime) } : {}),
    ...(s.renewTime ? { renewTime: time(s.renewTime) } : {}),
    ...(s.leaseTransitions !== undefined ? { leaseTransitions: s.leaseTransitions } : {}),
  };
}

function toSpec(record: LeaseRecord): NonNullable<V1Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity ?? '',
    leaseDurationSeconds: record.leaseDurationSeconds ?? 1,
    ...(record.acquireTime !== undefined ? { acquireTime: new V1MicroTime(record.acquireTime) } : {}),
    ...(record.renewTime !== undefined ? { renewTime: new V1MicroTime(record.renewTime) } : {}),
    leaseTransitions: record.leaseTransitions ?? 0,
  };
}

export interface LeaderElectorOptions {
  api: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class LeaderElector {
  private observed: Observation | undefined;
  private lastRenewAt = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  isLeader = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: LeaderElectorOptions) {
    this.now = o.now ?? (() => Date.now());
    this.sleep =
      o.sleep ??
      ((ms) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }));
  }

  /** One read and at most one write. True when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity, leaseDurationMs, log } = this.o;
    const lease = await api.read(namespace, name);
    const { decision, observed } = decide({
      record: lease ? toRecord(lease) : undefined,
      observed: this.observed,
      now: this.now(),
      identity,
      leaseDurationMs,
    });
    this.observed = observed;
    if (decision.action === 'wait') {
      if (this.isLeader) log.warn('lease taken by another instance', { holder: decision.holder });
      return false;
    }
    try {
      if (decision.action === 'create')
        await api.create(namespace, { metadata: { name, namespace }, spec: toSpec(decision.record) });
      else
        await api.replace(namespace, name, {
          metadata: { name, namespace, resourceVersion: lease?.metadata?.resourceVersion ?? '' },
          spec: toSpec(decision.record),
        });
    } catch (err) {
      // Someone else wrote the Lease between our read and our write: they won this round.
      if (statusCode(err) === 409) return false;
      throw err;
    }
    if (decision.action !== 'renew') log.info('acquired lease', { lease: `${namespace}/${name}`, identity });
    return true;
  }

  private async attempt(): Promise<boolean> {
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => {
        reject(new Error(`lease request took longer than ${this.o.renewDeadlineMs}ms`));
      }, this.o.renewDeadlineMs).unref();
    });
    try {
      return await Promise.race([this.tryAcquireOrRenew(), timeout]);
    } catch (err) {
      this.o.log.warn('lease request failed', { error: describeError(err) });
      return false;
    }
  }

  /** Resolves once this candidate holds the Lease (or the elector was stopped: false). */
  async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.attempt()) {
        this.isLeader = true;
        this.lastRenewAt = this.now();
        return true;
      }
      await this.sleep(this.o.retryPeriodMs);
    }
    return false;
  }

  /**
   * Renews every retry period until a renewal fails for longer than the renew deadline, or
   * another instance holds the Lease. Resolves when leadership is lost (or on stop()).
   */
  async holdLeadership(): Promise<'lost' | 'stopped'> {
    while (!this.stopped) {
      await this.sleep(this.o.retryPeriodMs);
      if (this.isStopped()) break;
      if (await this.attempt()) {
        this.lastRenewAt = this.now();
        continue;
      }
      const heldByOther = this.observed !== undefined && this.observed.holderIdentity !== this.o.identity;
      if (heldByOther || renewOverdue(this.lastRenewAt, this.now(), this.o.renewDeadlineMs)) {
        this.isLeader = false;
        return 'lost';
      }
    }
    return 'stopped';
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** Stops the loops; a leader releases the Lease so a standby takes over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.isLeader) return;
    this.isLeader = false;
    const { api, namespace, name, identity, log } = this.o;
    try {
      const lease = await api.read(namespace, name);
      if (lease?.spec?.holderIdentity !== identity) return;
      await api.replace(namespace, name, {
        metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion ?? '' },
        spec: toSpec({ ...toRecord(lease), holderIdentity: '', leaseDurationSeconds: 1 }),
      });
      log.info('released lease', { lease: `${namespace}/${name}` });
    } catch (err) {
      log.warn('could not release lease', { error: describeError(err) });
    }
  }
}
