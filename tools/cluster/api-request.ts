import { request } from 'node:https';
import type { PlaneState } from './layout.ts';

/**
 * One authenticated GET against the local kube-apiserver, used before a kubeconfig exists
 * (readiness) and for cheap polls. The serving certificate is self-signed by the API server at
 * first start, so verification is skipped for this loopback-only call.
 */
export function apiGet(state: PlaneState, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: state.apiPort,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${state.token}` },
        rejectUnauthorized: false,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
