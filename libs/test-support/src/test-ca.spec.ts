import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { createTestCa, TestCa } from './test-ca';
import { startHttpsServer, TestServer } from './http-servers';

// Makes one HTTPS GET with the given trust roots; resolves with the status or the TLS error code.
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

  it('issues a server certificate for localhost and 127.0.0.1 signed by the CA', () => {
    const caCert = new X509Certificate(ca.caPem);
    const cert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(require('node:crypto').createPrivateKey(ca.keyPem))).toBe(true);
  });

  it('is trusted by a TLS client given the CA, under both names', async () => {
    const port = server.port;
    await expect(get(`https://127.0.0.1:${port}/`, ca.caPem)).resolves.toBe(200);
    await expect(get(`https://localhost:${port}/`, ca.caPem)).resolves.toBe(200);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(get(`https://127.0.0.1:${server.port}/`)).resolves.toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
  });

  it('writes the CA file for NODE_EXTRA_CA_CERTS and removes it on dispose', async () => {
    const other = await createTestCa();
    expect(existsSync(other.caCertPath)).toBe(true);
    expect(other.caPem).not.toBe(ca.caPem);
    other.dispose();
    expect(existsSync(other.caCertPath)).toBe(false);
  });

  it('adds the requested DNS names to the server certificate', async () => {
    const named = await createTestCa({ hostnames: ['login.microsoftonline.com'] });
    try {
      const cert = new X509Certificate(named.certPem);
      expect(cert.checkHost('login.microsoftonline.com')).toBe('login.microsoftonline.com');
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkHost('management.azure.com')).toBeUndefined();
    } finally {
      named.dispose();
    }
  });

  it('refuses a host name that is not a DNS name', async () => {
    await expect(createTestCa({ hostnames: ['evil.test,IP:10.0.0.1'] })).rejects.toThrow(
      new TypeError('createTestCa: hostnames must be DNS names, got "evil.test,IP:10.0.0.1"'),
    );
  });
});
