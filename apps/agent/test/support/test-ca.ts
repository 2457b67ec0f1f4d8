import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The private CA's certificate (what caFile would hold). */
  readonly caPem: string;
  /** A server certificate for 127.0.0.1 signed by that CA, and its key. */
  readonly cert: string;
  readonly key: string;
}

/** A throwaway CA and a 127.0.0.1 server certificate, minted with openssl for this test run only. */
export async function mintTestCertificates(dir: string): Promise<TestCertificates> {
  const at = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=weft-test-ca',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    at('server.key'),
    '-out',
    at('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(at('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '1',
    '-extfile',
    at('san.ext'),
  ]);
  const [caPem, cert, key] = await Promise.all(
    ['ca.pem', 'server.pem', 'server.key'].map((name) => readFile(at(name), 'utf8')),
  );
  return { caPem: caPem ?? '', cert: cert ?? '', key: key ?? '' };
}
