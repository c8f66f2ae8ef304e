// Certificates for the local Kafka's TLS listeners, made with openssl: a private CA, the broker's
// certificate (for 127.0.0.1 and localhost) and a client certificate for mTLS. Made once per stack
// folder and kept, so clients that trust the CA keep trusting it across restarts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';

const DAYS = '3650';

/**
 * The stack's TLS files in `dir` (made when missing): `ca.pem`, `broker.pem` (key then certificate,
 * as Kafka's PEM key store reads it), `client-cert.pem` and `client-key.pem` (PKCS#8).
 */
export function ensureStackTls(dir) {
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    broker: join(dir, 'broker.pem'),
    clientCert: join(dir, 'client-cert.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    '/CN=Floe local stack CA',
    '-keyout',
    files.caKey,
    '-out',
    files.ca,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const brokerKey = join(dir, 'broker-key.pem');
  const brokerCert = join(dir, 'broker-cert.pem');
  issueCertificate({
    ca: files,
    subject: '/CN=localhost',
    altNames: ['IP:127.0.0.1', 'DNS:localhost'],
    usage: 'serverAuth',
    keyFile: brokerKey,
    certFile: brokerCert,
  });
  writeFileSync(
    files.broker,
    [brokerKey, brokerCert, files.ca].map((f) => readFileSync(f, 'utf8')).join(''),
    { mode: 0o600 },
  );
  rmSync(brokerKey);
  rmSync(brokerCert);
  issueCertificate({
    ca: files,
    subject: '/CN=floe-client',
    usage: 'clientAuth',
    keyFile: files.clientKey,
    certFile: files.clientCert,
  });
  return files;
}

/**
 * A new key (PKCS#8 PEM) and a certificate for it signed by `ca`, for the given subject and
 * subjectAltNames (`IP:…`, `DNS:…`). Tests use it too, for a certificate the CA signed for another host.
 */
export function issueCertificate({ ca, subject, altNames = [], usage, keyFile, certFile }) {
  const csr = `${certFile}.csr`;
  const extensions = `${certFile}.ext`;
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', keyFile, '-out', csr]);
  writeFileSync(
    extensions,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : []),
    ].join('\n'),
  );
  run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.ca,
    '-CAkey',
    ca.caKey,
    '-CAcreateserial',
    '-days',
    DAYS,
    '-sha256',
    '-extfile',
    extensions,
    '-out',
    certFile,
  ]);
  rmSync(csr);
  rmSync(extensions);
}
