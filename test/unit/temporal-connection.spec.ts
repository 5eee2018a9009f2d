import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnv, temporalConnectionOptions } from '@takedown/config';

/** How the API and the worker reach Temporal: the dev stack, a self-hosted cluster with TLS/mTLS, Temporal Cloud. */
describe('Temporal connection options', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-tls-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const ca = file('ca.pem', 'CA');
  const crt = file('client.pem', 'CERT');
  const key = file('client.key', 'KEY');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('connects in plain gRPC when nothing asks for TLS (the local dev stack)', () => {
    expect(temporalConnectionOptions(loadEnv({}), '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
  });

  it('uses TLS with the system roots when TEMPORAL_TLS=true', () => {
    expect(temporalConnectionOptions(loadEnv({ TEMPORAL_TLS: 'true' }), 'temporal.internal:7233')).toEqual({
      address: 'temporal.internal:7233',
      tls: true,
    });
  });

  it('reads the CA, the client certificate and key for mTLS, with a server name override', () => {
    const env = loadEnv({
      TEMPORAL_NAMESPACE: 'takedown.a1b2c',
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_CERT_FILE: crt,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(temporalConnectionOptions(env, 'takedown.a1b2c.tmprl.cloud:7233')).toEqual({
      address: 'takedown.a1b2c.tmprl.cloud:7233',
      tls: {
        serverNameOverride: 'temporal.internal',
        serverRootCACertificate: Buffer.from('CA'),
        clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      },
    });
  });

  it('sends a Temporal Cloud API key over TLS, with the namespace header', () => {
    const env = loadEnv({ TEMPORAL_NAMESPACE: 'takedown.a1b2c', TEMPORAL_API_KEY: 'secret-key' });
    expect(temporalConnectionOptions(env, 'eu-west-1.aws.api.temporal.io:7233')).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: true,
      apiKey: 'secret-key',
      metadata: { 'temporal-namespace': 'takedown.a1b2c' },
    });
  });

  it('refuses a client certificate without its key, naming the missing variable', () => {
    expect(() => loadEnv({ TEMPORAL_TLS_CERT_FILE: crt })).toThrow(/TEMPORAL_TLS_KEY_FILE/);
  });

  it('names the variable whose file cannot be read', () => {
    const env = loadEnv({ TEMPORAL_TLS_CA_FILE: path.join(dir, 'missing.pem') });
    expect(() => temporalConnectionOptions(env, 'temporal.internal:7233')).toThrow(
      /TEMPORAL_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/,
    );
  });

  it('keeps the dev server on SQLite unless TEMPORAL_PERSISTENCE says postgres', () => {
    expect(loadEnv({}).TEMPORAL_PERSISTENCE).toBe('sqlite');
    expect(loadEnv({ TEMPORAL_PERSISTENCE: 'postgres' }).TEMPORAL_PERSISTENCE).toBe('postgres');
    expect(() => loadEnv({ TEMPORAL_PERSISTENCE: 'mysql' })).toThrow(/TEMPORAL_PERSISTENCE/);
  });
});
