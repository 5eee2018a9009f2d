import { freePort } from '@takedown/dev';
import { startSystem, type RunningSystem } from './api';

export interface ListeningSystem extends RunningSystem {
  /** Where the API listens on loopback; the links in the emails the worker sends point here. */
  baseUrl: string;
}

/**
 * The API and a worker as `startSystem` starts them, with the API listening on a loopback port of its own, for
 * clients that need a real address: a browser following the links in the emails.
 */
export async function startListeningSystem(overrides: Record<string, string> = {}): Promise<ListeningSystem> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const system = await startSystem({ PUBLIC_BASE_URL: baseUrl, ...overrides });
  try {
    await system.app.listen(port, '127.0.0.1');
  } catch (err) {
    await system.stop();
    throw err;
  }
  return { ...system, baseUrl };
}
