/**
 * The demo app as a process: `node --import tsx tools/demo-app/server.ts`, configured by
 * environment (see config.ts). Listens on 127.0.0.1 only and prints `{"port":N}` on stdout once
 * listening, which is how whoever started it learns a port picked with PORT=0.
 *
 * It exits when its parent process goes away, so a test run that crashes does not leave apps
 * behind; the simulator starts it as a direct child for exactly this reason.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { configFromEnv } from './config.ts';
import { createDemoApp } from './app.ts';

const config = configFromEnv(process.env);
const app = createDemoApp(config);
const server = createServer(app.handle);
server.keepAliveTimeout = 30_000;

server.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : config.port;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // close() waits for in-flight requests; a slow one must not keep a stopped app alive
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

// Re-parenting (to init or a subreaper) means the parent died: stop too. `process.ppid` is
// read once at startup, so the current parent comes from /proc.
const parent = process.ppid;
setInterval(() => {
  if (!parentAlive()) shutdown();
}, 500).unref();

function parentAlive(): boolean {
  try {
    // /proc/self/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
  } catch {
    try {
      process.kill(parent, 0);
      return true;
    } catch {
      return false;
    }
  }
}
