import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary } from './binaries.ts';
import type { LocalUnavailable } from './kind.ts';
import type { UserIds } from './process.ts';

const run = promisify(execFile);

/** A certificate made for one run: self-signed for 127.0.0.1, valid a day, in the server's temp dir. */
export interface RunCertificate {
  /** The certificate (PEM); clients trust it as their CA. */
  certFile: string;
  /** Its private key (PEM), readable only by the server's user. */
  keyFile: string;
}

/** The connect-URL parameter naming the CA file a client trusts: libpq's name, which node-postgres reads too. */
export const ROOT_CERT_PARAMETER = 'sslrootcert';

/**
 * Makes the run's certificate in `dir` with the openssl command (an EC P-256 key, subjectAltName IP:127.0.0.1,
 * so clients verify the server's name as well as the signature), the key owned by `owner` and mode 0600 (PostgreSQL
 * refuses a key others can read); or says why it cannot.
 */
export async function makeRunCertificate(dir: string, owner?: UserIds): Promise<RunCertificate | LocalUnavailable> {
  const openssl = findBinary('openssl');
  if (!openssl) return { reason: 'openssl is not on PATH (it makes the certificate for --store-tls)', fix: findBinary('apt-get') ? 'apt-get install -y openssl' : 'install openssl with your package manager' };
  const certFile = join(dir, 'run-cert.pem');
  const keyFile = join(dir, 'run-key.pem');
  await run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=sessionbench run', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  await chmod(keyFile, 0o600);
  if (owner) await Promise.all([chown(keyFile, owner.uid, owner.gid), chown(certFile, owner.uid, owner.gid)]);
  return { certFile, keyFile };
}

/** Whether a connect URL asks for TLS: `rediss:`, or an `sslmode` other than disable. */
export function urlUsesTls(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'rediss:') return true;
  const mode = parsed.searchParams.get('sslmode');
  return mode !== null && mode !== 'disable';
}

/**
 * node-redis socket options for a connect URL: for `rediss:`, TLS trusting the CA file its `sslrootcert`
 * parameter names (as a PostgreSQL URL does; node-redis ignores the query), else the system's CAs. Nothing for `redis:`.
 */
export function redisTlsSocket(url: string): { tls: true; ca?: string } | Record<string, never> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'rediss:') return {};
  const ca = parsed.searchParams.get(ROOT_CERT_PARAMETER);
  return ca ? { tls: true, ca: readFileSync(ca, 'utf8') } : { tls: true };
}
