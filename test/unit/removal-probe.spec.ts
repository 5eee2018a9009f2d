import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import {
  conclusion,
  RemovalProbe,
  RemovalProbeSettings,
  type RemovalProbeMode,
} from '../../apps/worker/src/removal-probe';

/**
 * The probe's HEAD requests against a server on loopback: what it concludes from a timeout and a redirect, and what
 * it never sends. The notice row is given in memory here; test/e2e/removal-probe.e2e.spec.ts runs it on the stack.
 */
describe('RemovalProbe', () => {
  const seen: { method?: string; url?: string }[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method, url: req.url });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/moved') return void res.writeHead(301, { location: '/gone' }).end();
      res.writeHead(req.url === '/gone' ? 410 : 200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  const probe = (
    urls: string[],
    mode: RemovalProbeMode = 'loopback',
    privateTargets: 'allow' | 'refuse' = 'allow',
    category = 'phishing',
  ) => {
    const db = {
      getRepository: () => ({ findOne: async () => ({ id: 'n', category, urls }) }),
    } as unknown as DataSource;
    return new RemovalProbe(db, new RemovalProbeSettings(mode, privateTargets)).probeRemoval({
      noticeId: 'n',
      timeoutMs: 300,
    });
  };

  it('concludes nothing from a server that does not answer within the timeout', async () => {
    const result = await probe([`${base}/slow`]);
    expect(result).toMatchObject({
      result: 'unknown',
      answers: [{ url: 1, status: null, error: 'timeout' }],
    });
  });

  it('does not follow a redirect: one request, and no conclusion', async () => {
    const before = seen.length;
    const result = await probe([`${base}/moved`]);
    expect(result).toMatchObject({ result: 'unknown', answers: [{ status: 301 }] });
    expect(seen.slice(before)).toEqual([{ method: 'HEAD', url: '/moved' }]);
  });

  it('needs every URL gone, and any URL online makes the claim false', async () => {
    expect((await probe([`${base}/gone`, `${base}/gone`])).result).toBe('gone');
    expect((await probe([`${base}/gone`, `${base}/here`])).result).toBe('present');
    expect(conclusion([])).toBe('unknown');
  });

  it('sends nothing to a private address where private targets are refused', async () => {
    const before = seen.length;
    const result = await probe([`${base}/gone`], 'on', 'refuse');
    expect(result).toMatchObject({
      result: 'unknown',
      answers: [{ status: null, error: expect.stringMatching(/^refused/) }],
    });
    expect(seen.length).toBe(before);
  });

  it('sends nothing off this machine in loopback mode, nothing at all when off, and never for CSAM', async () => {
    const before = seen.length;
    expect(await probe(['https://phish.example/login'])).toMatchObject({ result: 'not_probed' });
    expect(await probe([`${base}/gone`], 'off')).toMatchObject({ result: 'not_probed' });
    expect(await probe([`${base}/gone`], 'on', 'allow', 'csam')).toMatchObject({ result: 'not_probed' });
    expect(await probe([`${base}/gone`], 'on', 'allow', 'terrorist_content')).toMatchObject({
      result: 'not_probed',
    });
    expect(seen.length).toBe(before);
  });
});
