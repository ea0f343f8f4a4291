import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCaOptions {
  /**
   * More DNS names for the server certificate, for a stand-in reached under a real service's
   * name (through a CONNECT proxy), e.g. login.microsoftonline.com.
   */
  hostnames?: string[];
}

export interface TestCa {
  /** PEM file of the CA: point NODE_EXTRA_CA_CERTS (or a client's `ca`) at it. */
  caCertPath: string;
  /** Server certificate (SAN DNS:localhost, IP:127.0.0.1 and any `hostnames`) signed by the CA. */
  certPem: string;
  keyPem: string;
  caPem: string;
  /** Removes the temp dir holding the keys. */
  dispose(): void;
}

// Extensions of the server certificate: strict verifiers (Python 3.13+, newer
// OpenSSL) want the key identifiers and a serverAuth usage, not only the SAN.
function serverExtensions(hostnames: string[]): string {
  const names = ['DNS:localhost', 'IP:127.0.0.1', ...hostnames.map((name) => `DNS:${name}`)];
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${names.join(',')}`,
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid,issuer',
  ].join('\n');
}

// A name that is not a plain DNS name would silently corrupt the openssl extension file.
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

// P-256 keys: generated in milliseconds, unlike RSA, and every TLS stack here accepts them.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Creates a throwaway CA and a server certificate for loopback with the openssl CLI. */
export async function createTestCa(options: TestCaOptions = {}): Promise<TestCa> {
  const hostnames = options.hostnames ?? [];
  for (const name of hostnames) {
    if (typeof name !== 'string' || !DNS_NAME.test(name)) {
      throw new TypeError(`createTestCa: hostnames must be DNS names, got ${JSON.stringify(name)}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pchub-test-ca-'));
  const file = (name: string) => join(dir, name);
  try {
    await openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=pchub test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'subjectKeyIdentifier=hash',
    ]);
    await openssl([
      'req',
      '-new',
      ...EC_KEY,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    ]);
    writeFileSync(file('server.ext'), serverExtensions(hostnames));
    await openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.crt'),
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    caCertPath: file('ca.crt'),
    caPem: readFileSync(file('ca.crt'), 'utf8'),
    certPem: readFileSync(file('server.crt'), 'utf8'),
    keyPem: readFileSync(file('server.key'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Runs openssl and turns a failure into an error carrying its stderr, the only useful clue.
async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`);
  }
}
