import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import type { TestCa } from '../test-ca';

/**
 * Makes this process trust the test CA, as NODE_EXTRA_CA_CERTS does for a child process
 * (that variable is read only at start-up, too late for in-process tests).
 */
export function trustTestCa(ca: TestCa): void {
  setDefaultCACertificates([...getCACertificates('default'), ca.caPem]);
}
