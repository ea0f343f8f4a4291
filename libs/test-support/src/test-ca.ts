import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Reached through a CONNECT proxy under its real name, so the server certificate names it. */
export const ENTRA_HOSTNAME = 'login.microsoftonline.com';

/** A throwaway CA and its server certificate; createTestCa makes one. */
export type TestCa = Awaited<ReturnType<typeof createTestCa>>;

// P-256 keys: generated in milliseconds, unlike RSA; two days is longer than any test run.
const certOptions = () => ({
  keyType: 'ec' as const,
  algorithm: 'sha256',
  notAfterDate: new Date(Date.now() + 2 * 86_400_000),
});

/**
 * Creates a throwaway CA and a server certificate for loopback; `hostnames` adds the names of
 * other real services reached through a CONNECT proxy (e.g. pc-id's host).
 */
export async function createTestCa(options: { hostnames?: string[] } = {}) {
  // A name of its own: without key identifiers, TLS finds a certificate's CA by name alone, and
  // a process may trust several test CAs (trustTestCa).
  const ca = await generate([{ name: 'commonName', value: `pchub test CA ${randomUUID()}` }], {
    ...certOptions(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...certOptions(),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...[ENTRA_HOSTNAME, ...(options.hostnames ?? [])].map((value) => ({
            type: 2 as const,
            value,
          })),
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'pchub-test-ca-'));
  const caCertPath = join(dir, 'ca.crt');
  writeFileSync(caCertPath, ca.cert);
  return {
    /** PEM file of the CA: point NODE_EXTRA_CA_CERTS (or a client's `ca`) at it. */
    caCertPath,
    caPem: ca.cert,
    /** Server certificate for localhost, 127.0.0.1, ENTRA_HOSTNAME and `hostnames`, signed by the CA. */
    certPem: server.cert,
    keyPem: server.private,
    /** Removes the temp dir holding the CA file. */
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Makes this process trust the test CA, as NODE_EXTRA_CA_CERTS does for a child process
 * (that variable is read only at start-up, too late for in-process tests).
 */
export function trustTestCa(ca: TestCa): void {
  setDefaultCACertificates([...getCACertificates('default'), ca.caPem]);
}
