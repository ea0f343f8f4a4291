import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createTestCa, ENTRA_HOSTNAME, TestCa } from './test-ca';
import { startHttpsServer, TestServer } from './http-servers';

// One HTTPS GET with the given trust roots; resolves with the status or the TLS error code.
function get(url: string, ca?: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('createTestCa', () => {
  let ca: TestCa;
  let server: TestServer;

  beforeAll(async () => {
    ca = await createTestCa();
    server = await startHttpsServer(ca, (_req, res) => res.end('ok'));
  });
  afterAll(async () => {
    await server.close();
    ca.dispose();
  });

  it('issues a server certificate for its names, signed by the CA', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.caPem))).toBe(true);
    for (const name of ['localhost', ENTRA_HOSTNAME]) expect(cert.checkHost(name)).toBe(name);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('management.azure.com')).toBeUndefined();
  });

  it('is trusted by a TLS client given the CA, and only then', async () => {
    await expect(get(`https://127.0.0.1:${server.port}/`, ca.caPem)).resolves.toBe(200);
    await expect(get(`https://localhost:${server.port}/`, ca.caPem)).resolves.toBe(200);
    await expect(get(`https://127.0.0.1:${server.port}/`)).resolves.toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
  });

  it('writes the CA file for NODE_EXTRA_CA_CERTS and removes it on dispose', async () => {
    const other = await createTestCa();
    expect(readFileSync(other.caCertPath, 'utf8')).toBe(other.caPem);
    other.dispose();
    expect(existsSync(other.caCertPath)).toBe(false);
  });
});
