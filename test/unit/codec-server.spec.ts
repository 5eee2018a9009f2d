import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type * as http from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, parsePayloadKeys } from '@takedown/config';
import { createCodecServer } from '@takedown/worker/codec-server';

const UI = 'http://127.0.0.1:8233';
const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');

/** The protocol the Temporal UI speaks to a codec server: POST /decode with { payloads } in Temporal's JSON. */
describe('the codec server for the Temporal UI', () => {
  const codec = new EncryptionCodec(parsePayloadKeys(`ui:${randomBytes(32).toString('base64url')}`));
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = createCodecServer(codec, { uiOrigin: UI });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sealed = async (value: unknown) => {
    const [p] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    return {
      metadata: {
        encoding: b64(p.metadata?.encoding),
        'encryption-key-id': b64(p.metadata?.['encryption-key-id']),
      },
      data: b64(p.data),
    };
  };
  const post = (route: string, body: unknown, origin: string | null = UI) =>
    fetch(`${base}${route}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': 'default',
        ...(origin ? { origin } : {}),
      },
      body: JSON.stringify(body),
    });

  it('decodes what the worker encrypted for the UI’s origin, and says so in CORS', async () => {
    const res = await post('/decode', { payloads: [await sealed({ reason: 'a licensed copy' })] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await res.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual({
      reason: 'a licensed copy',
    });
  });

  it('answers the UI’s preflight, and refuses any other origin', async () => {
    const preflight = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const other = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const foreign = await post('/decode', { payloads: [await sealed('x')] }, 'https://elsewhere.example');
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).not.toContain('"payloads"');
  });

  it('encodes for the UI, and the worker’s codec reads it', async () => {
    const plain = defaultPayloadConverter.toPayload({ note: 'from the UI' });
    const res = await post('/encode', {
      payloads: [{ metadata: { encoding: b64(plain.metadata?.encoding) }, data: b64(plain.data) }],
    });
    const { payloads } = (await res.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    const back = await codec.decode([
      {
        metadata: Object.fromEntries(
          Object.entries(payloads[0].metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(payloads[0].data, 'base64'),
      },
    ]);
    expect(defaultPayloadConverter.fromPayload(back[0])).toEqual({ note: 'from the UI' });
  });

  it('answers 400 in the one error shape for a key it does not hold or a body that is not payloads', async () => {
    const stranger = new EncryptionCodec(parsePayloadKeys(`old:${randomBytes(32).toString('base64url')}`));
    const [p] = await stranger.encode([defaultPayloadConverter.toPayload('secret text')]);
    const unknown = await post('/decode', {
      payloads: [
        {
          metadata: {
            encoding: b64(p.metadata?.encoding),
            'encryption-key-id': b64(p.metadata?.['encryption-key-id']),
          },
          data: b64(p.data),
        },
      ],
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      statusCode: 400,
      code: 'PAYLOAD.UNDECRYPTABLE',
      message: 'a Temporal payload is encrypted with key id "old", which TEMPORAL_PAYLOAD_KEYS does not hold',
      field: 'payloads',
    });
    const bad = await post('/decode', { payloads: 'nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'REQUEST.MALFORMED', field: 'payloads' });
    expect((await post('/other', {})).status).toBe(404);
  });
});
