import { parseLinkKeys } from '@takedown/links';
import { WorkerSettings } from '@takedown/worker/worker-settings';

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
