import type { KubeConfig } from '@kubernetes/client-node';

/**
 * Who a request acts as: the user's name and groups (for display and SubjectAccessReviews) and a
 * KubeConfig carrying the user's own credentials, so every read and write the dashboard makes for
 * the request is the user's, and Kubernetes RBAC decides.
 */
export interface Identity {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  /** The user's credentials: the kubeconfig's locally, the user's bearer token in the cluster. */
  kc: KubeConfig;
  /** Stable per credential (a hash, never the token itself): keys caches and the CSRF token. */
  key: string;
  /** How the credential arrived: the dashboard can only log out of its own sessions. */
  via: 'kubeconfig' | 'header' | 'session';
}
