import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One PEM pair. */
export interface Pem {
  cert: string;
  key: string;
}

/** A test PKI: a CA, a server certificate for localhost/127.0.0.1 and a client certificate, both from the CA. */
export interface TestPki {
  ca: Pem;
  server: Pem;
  client: Pem;
  /** A second CA with its own server certificate for localhost: a receiver Herald's custom CA must refuse. */
  otherCa: Pem;
  otherServer: Pem;
}

/**
 * Makes the certificates with the openssl binary, in a temporary folder removed afterwards.
 * EC P-256 keys (fast to make); PKCS#8 keys, unencrypted; valid for `days` days.
 */
export function makeTestPki(days = 30): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  const ca = (name: string, cn: string): Pem => {
    key(name);
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${cn}`,
      '-days',
      String(days),
      '-out',
      `${name}.crt`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
  };
  const leaf = (name: string, cn: string, issuer: string, ext: string): Pem => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
    return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
  };
  const serverExt = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  try {
    const pki: TestPki = {
      ca: ca('ca', 'Herald Test CA'),
      server: leaf('server', 'localhost', 'ca', serverExt),
      client: leaf('client', 'herald-client', 'ca', 'extendedKeyUsage=clientAuth\n'),
      otherCa: ca('other-ca', 'Other Test CA'),
      otherServer: { cert: '', key: '' },
    };
    pki.otherServer = leaf('other-server', 'localhost', 'other-ca', serverExt);
    return pki;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
