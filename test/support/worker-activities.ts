import { parseLinkKeys } from '@takedown/links';
import { WorkerSettings } from '@takedown/worker/worker-settings';
import type { ReceiveNotice } from '@takedown/workflows/activities';

/** The worker's settings for a test that calls its activity services directly, against the test stack. */
export function testWorkerSettings(): WorkerSettings {
  return new WorkerSettings(
    'takedown@provider.example',
    'desk@provider.example',
    'http://127.0.0.1:3999',
    'default',
    'lead@provider.example',
    'noc@provider.example',
    parseLinkKeys('it:integration-test-secret-0123456789abcdef'),
    3_600_000,
  );
}

/** `receiveNotice`'s input for a phishing notice's first step, keys as the notice workflow makes them. */
export function firstStep(noticeId: string): ReceiveNotice {
  const now = new Date().toISOString();
  return {
    noticeId,
    category: 'phishing',
    receivedAt: now,
    at: now,
    receivedKey: `${noticeId}:0:received`,
    attributionKeyPrefix: `${noticeId}:0:`,
  };
}
