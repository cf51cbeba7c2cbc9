import { describe, expect, it } from 'vitest';
import { jsonPayload, payloadOf, slackPayload, type Notification } from './payload.ts';

const aborted: Notification = {
  id: '812.0/on-rollout-aborted',
  trigger: 'on-rollout-aborted',
  rollout: 'web',
  namespace: 'shop',
  reason: 'RolloutAborted',
  type: 'Warning',
  message: 'Rollout aborted at Step 2/4 pause: status.abort set; <going back> & stable',
  step: 1,
  phase: 'Degraded',
  commit: { sha: '0123456789abcdef', author: 'Jane Doe', subject: 'Bump web to v2' },
  time: '2026-11-26T15:00:00.000Z',
};

describe('payloads', () => {
  it('generic JSON carries every field, null when unknown', () => {
    expect(jsonPayload(aborted)).toEqual({
      id: '812.0/on-rollout-aborted',
      trigger: 'on-rollout-aborted',
      rollout: 'web',
      namespace: 'shop',
      reason: 'RolloutAborted',
      type: 'Warning',
      message: aborted.message,
      step: 1,
      phase: 'Degraded',
      commit: { sha: '0123456789abcdef', author: 'Jane Doe', subject: 'Bump web to v2' },
      time: '2026-11-26T15:00:00.000Z',
    });
    const { step: _s, phase: _p, commit: _c, ...bare } = aborted;
    expect(jsonPayload(bare)).toMatchObject({ step: null, phase: null, commit: null });
  });

  it('Slack: plain fallback text, escaped mrkdwn blocks naming the commit', () => {
    const slack = slackPayload(aborted) as {
      text: string;
      blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    };
    expect(slack.text).toBe(`shop/web: ${aborted.message}`);
    expect(slack.blocks[0]?.text?.text).toBe(
      ':x: *shop/web*\nRollout aborted at Step 2/4 pause: status.abort set; &lt;going back&gt; &amp; stable',
    );
    expect(slack.blocks[1]?.elements?.[0]?.text).toBe(
      'phase *Degraded* · step index 1 · commit 0123456 "Bump web to v2" by Jane Doe · on-rollout-aborted',
    );
    expect(payloadOf(aborted, 'slack')).toEqual(slack);
    expect(payloadOf(aborted, 'json')).toEqual(jsonPayload(aborted));
  });
});
