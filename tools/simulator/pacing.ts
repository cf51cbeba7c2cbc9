/**
 * How many requests to send now to keep `requestsPerSecond` since the pacing window started,
 * given how many were already paced. After a stall (a busy event loop, a paused debugger) at most
 * `maxBurst` are sent and the rest of the backlog is dropped (`skipped`, to be counted as paced),
 * so the apps are not hit by a burst no steady client would send.
 */
export function requestsDue(options: {
  elapsedMs: number;
  requestsPerSecond: number;
  alreadyPaced: number;
  maxBurst: number;
}): { send: number; skipped: number } {
  const backlog = Math.max(
    0,
    Math.floor((options.elapsedMs * options.requestsPerSecond) / 1000) - options.alreadyPaced,
  );
  const send = Math.min(backlog, options.maxBurst);
  return { send, skipped: backlog - send };
}
