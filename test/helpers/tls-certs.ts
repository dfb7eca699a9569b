// Test PKI made at test time with Debian's openssl in a temp dir, once per test process: a root
// CA, server certificates (good, wrong host, expired, self-signed), a client certificate, and the
// keys. EC P-256 keys keep generation fast (about half a second in all).
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** Paths to PEM files. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  wrongHostCert: string;
  expiredCert: string;
  selfSignedCert: string;
  clientCert: string;
  clientKey: string;
  /** The client key encrypted with `clientKeyPassword`. */
  clientKeyEncrypted: string;
  clientKeyPassword: string;
  /** PKCS#12 bundle of the client certificate and key, password `clientKeyPassword`. */
  clientP12: string;
  /** The server key's public key: PEM file, DER file, and 'sha256//...' pin. */
  serverPubPem: string;
  serverPubDer: string;
  serverPin: string;
  /** File contents (PEM text) by the names above. */
  read(path: string): string;
}

const CA_CNF = `
[ca]
default_ca = test_ca
[test_ca]
dir = DIR
database = DIR/index.txt
new_certs_dir = DIR
serial = DIR/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = x
`;

let made: TestPki | undefined;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The PKI for this process (made on first use, removed at exit). */
export function testPki(): TestPki {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(tmpdir(), 'tscurl-pki-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.cnf'), CA_CNF.replaceAll('DIR', dir));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=tscurl test CA/O=tscurl',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // One server key for all server certificates (the pin tests hash it).
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'server.key']);
  const sign = (name: string, cn: string, san: string, dates: string[], key = 'server.key'): void => {
    openssl(dir, [
      'req',
      '-new',
      '-key',
      key,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}/O=tscurl`,
      '-addext',
      `subjectAltName=${san}`,
    ]);
    openssl(dir, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-notext',
      ...dates,
    ]);
  };
  const valid = ['-days', '30'];
  sign('server', 'localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1', valid);
  sign('wronghost', 'other.example', 'DNS:other.example', valid);
  sign('expired', 'localhost', 'DNS:localhost,IP:127.0.0.1', [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
  ]);
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'client.key']);
  sign('client', 'tscurl client', 'DNS:client.test', valid, 'client.key');
  openssl(dir, [
    'req',
    '-x509',
    '-key',
    'server.key',
    '-out',
    'selfsigned.pem',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const password = 'tls-secret';
  openssl(dir, [
    'pkey',
    '-in',
    'client.key',
    '-aes256',
    '-passout',
    `pass:${password}`,
    '-out',
    'client-enc.key',
  ]);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-in',
    'client.pem',
    '-inkey',
    'client.key',
    '-out',
    'client.p12',
    '-passout',
    `pass:${password}`,
  ]);
  const pub = createPublicKey(readFileSync(join(dir, 'server.key')));
  const der = pub.export({ type: 'spki', format: 'der' });
  writeFileSync(join(dir, 'server-pub.pem'), pub.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'server-pub.der'), der);
  const p = (f: string): string => join(dir, f);
  made = {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    wrongHostCert: p('wronghost.pem'),
    expiredCert: p('expired.pem'),
    selfSignedCert: p('selfsigned.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    clientKeyEncrypted: p('client-enc.key'),
    clientKeyPassword: password,
    clientP12: p('client.p12'),
    serverPubPem: p('server-pub.pem'),
    serverPubDer: p('server-pub.der'),
    serverPin: `sha256//${createHash('sha256').update(der).digest('base64')}`,
    read: (path) => readFileSync(path, 'latin1'),
  };
  return made;
}

/** A server certificate issued by an intermediate CA, in cert files with more or less of its chain. */
export interface ChainPki {
  /** The root: the test CA (testPki().caCert). */
  caCert: string;
  /** The intermediate CA alone (a partial trust anchor). */
  intermediateCert: string;
  /** The server's key (testPki().serverKey). */
  serverKey: string;
  /** Cert files as a server sends them: the leaf alone; leaf + intermediate; leaf + intermediate + root. */
  leafOnly: string;
  withIntermediate: string;
  withRoot: string;
}

let chainMade: ChainPki | undefined;

/** The chain PKI for this process, issued by testPki()'s CA (made on first use). */
export function chainPki(): ChainPki {
  if (chainMade !== undefined) return chainMade;
  const pki = testPki();
  const dir = pki.dir;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    ...ec,
    '-keyout',
    'int.key',
    '-out',
    'int.csr',
    '-subj',
    '/CN=tscurl test intermediate/O=tscurl',
  ]);
  writeFileSync(
    join(dir, 'int.ext'),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '7001',
    '-days',
    '30',
    '-extfile',
    'int.ext',
    '-out',
    'int.pem',
  ]);
  openssl(dir, ['req', '-new', '-key', 'server.key', '-out', 'leaf.csr', '-subj', '/CN=localhost/O=tscurl']);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'int.pem',
    '-CAkey',
    'int.key',
    '-set_serial',
    '7002',
    '-days',
    '30',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.pem',
  ]);
  const read = (f: string): string => readFileSync(join(dir, f), 'latin1');
  const write = (f: string, ...parts: string[]): string => {
    writeFileSync(join(dir, f), parts.join(''));
    return join(dir, f);
  };
  chainMade = {
    caCert: pki.caCert,
    intermediateCert: join(dir, 'int.pem'),
    serverKey: pki.serverKey,
    leafOnly: write('chain-leaf.pem', read('leaf.pem')),
    withIntermediate: write('chain-int.pem', read('leaf.pem'), read('int.pem')),
    withRoot: write('chain-root.pem', read('leaf.pem'), read('int.pem'), read('ca.pem')),
  };
  return chainMade;
}
