import * as fs from 'node:fs';
import { ConfigError, type Env } from './env';

/** The options both `Connection` (API, CLI) and `NativeConnection` (worker) take, built from the environment. */
export interface TemporalConnectionOptions {
  address: string;
  tls?:
    | true
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
  apiKey?: string;
  metadata?: Record<string, string>;
}

type TemporalEnv = Pick<
  Env,
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CA_FILE'
  | 'TEMPORAL_TLS_CERT_FILE'
  | 'TEMPORAL_TLS_KEY_FILE'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

/**
 * How to reach the Temporal frontend: plain gRPC on loopback (the dev stack), TLS with the system's or a given CA,
 * mTLS with a client certificate (Temporal Cloud, self-hosted clusters), or a Temporal Cloud API key. Files are
 * read here, at start-up, so a missing one stops the process with the variable's name.
 */
export function temporalConnectionOptions(env: TemporalEnv, address: string): TemporalConnectionOptions {
  const read = (name: keyof TemporalEnv) => {
    const file = env[name] as string;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  };
  const ca = env.TEMPORAL_TLS_CA_FILE ? read('TEMPORAL_TLS_CA_FILE') : undefined;
  const pair =
    env.TEMPORAL_TLS_CERT_FILE && env.TEMPORAL_TLS_KEY_FILE
      ? { crt: read('TEMPORAL_TLS_CERT_FILE'), key: read('TEMPORAL_TLS_KEY_FILE') }
      : undefined;
  const options: TemporalConnectionOptions = { address };
  if (ca || pair || env.TEMPORAL_TLS_SERVER_NAME) {
    options.tls = {
      ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(pair ? { clientCertPair: pair } : {}),
    };
  } else if (env.TEMPORAL_TLS === 'true' || env.TEMPORAL_API_KEY) {
    options.tls = true;
  }
  if (env.TEMPORAL_API_KEY) {
    options.apiKey = env.TEMPORAL_API_KEY;
    // Temporal Cloud's regional endpoints route an API-key call by this header.
    options.metadata = { 'temporal-namespace': env.TEMPORAL_NAMESPACE };
  }
  return options;
}
