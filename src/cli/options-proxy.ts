// Proxy and name-resolution command-line options (curl's -x family, --socks*, --noproxy,
// --connect-to, --doh-url, -4/-6...). Each sets engine options in the operation's `net` bag,
// applied as they are by the job; the texts follow curl 7.88's `--help all`.
import { HttpAuth } from '../multi/features/auth.js';
import { ProxyType } from '../multi/features/proxy/parse.js';
import type { EasyOptions } from '../multi/options.js';
import { IpResolve } from '../multi/options.js';
import { ParamError } from './errors.js';
import { type ApplyContext, headerArgument, needEngine, type OptionRow } from './options-table.js';

type NetOption = keyof EasyOptions;

function set<K extends NetOption>(ctx: ApplyContext, key: K, value: EasyOptions[K]): void {
  needEngine(ctx, key);
  (ctx.op.net as Record<string, unknown>)[key] = value;
}

function str(key: NetOption, long: string, arg: string, help: string, short?: string): OptionRow {
  const row: OptionRow = { long, arg, help, apply: (c, v) => set(c, key, v as never) };
  if (short !== undefined) row.short = short;
  return row;
}

/** --socks5 and its kin, --proxy1.0: the proxy and its type in one option. */
function typedProxy(long: string, type: number, help: string): OptionRow {
  return {
    long,
    arg: '<host[:port]>',
    help,
    apply: (c, v) => {
      set(c, 'proxy', v);
      set(c, 'proxyType', type);
    },
  };
}

/** --proxy-basic and its kin: one proxyAuth method. */
function proxyAuth(long: string, method: number, help: string): OptionRow {
  return { long, help, apply: (c) => set(c, 'proxyAuth', method) };
}

/** --proxy-insecure, --doh-insecure: neither the peer nor the name verified (curl's -k pair). */
function insecure(
  long: string,
  peer: 'proxySslVerifyPeer' | 'dohSslVerifyPeer',
  host: 'proxySslVerifyHost' | 'dohSslVerifyHost',
  help: string,
): OptionRow {
  return {
    long,
    bool: true,
    help,
    apply: (c, _v, on) => {
      set(c, peer, !on);
      set(c, host, on ? 0 : 2);
    },
  };
}

/** --proxy-cert-type, --proxy-key-type: the file type, upper-cased as libcurl compares it. */
function fileType(long: string, key: 'proxySslCertType' | 'proxySslKeyType', help: string): OptionRow {
  return { long, arg: '<type>', help, apply: (c, v) => set(c, key, v.toUpperCase() as 'PEM') };
}

/** Options given more than once add to a list (--proxy-header, --connect-to). */
function appendTo(c: ApplyContext, key: 'proxyHeader' | 'connectTo', values: string[]): void {
  set(c, key, [...((c.op.net[key] as string[] | undefined) ?? []), ...values]);
}

function ms(ctx: ApplyContext, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new ParamError('bad-numeric', ctx.name);
  return Number(v);
}

/** `cert[:password]` with '\:' for a colon in the file name (curl's parse_cert_parameter, simplified). */
function certAndPassword(v: string): [string, string | undefined] {
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && v[i + 1] === ':') {
      i++;
      continue;
    }
    if (v[i] === ':') return [v.slice(0, i).replace(/\\:/g, ':'), v.slice(i + 1)];
  }
  return [v.replace(/\\:/g, ':'), undefined];
}

export const proxyOptionRows: OptionRow[] = [
  str('proxy', 'proxy', '[protocol://]host[:port]', 'Use this proxy', 'x'),
  str('proxyUserPwd', 'proxy-user', '<user:password>', 'Proxy user and password', 'U'),
  proxyAuth('proxy-basic', HttpAuth.BASIC, 'Use Basic authentication on the proxy'),
  proxyAuth('proxy-digest', HttpAuth.DIGEST, 'Use Digest authentication on the proxy'),
  proxyAuth('proxy-anyauth', HttpAuth.ANY, 'Pick any proxy authentication method'),
  {
    long: 'proxytunnel',
    short: 'p',
    bool: true,
    help: 'Operate through an HTTP proxy tunnel (using CONNECT)',
    apply: (c, _v, on) => set(c, 'httpProxyTunnel', on),
  },
  str('noProxy', 'noproxy', '<no-proxy-list>', 'List of hosts which do not use proxy'),
  str('preProxy', 'preproxy', '[protocol://]host[:port]', 'Use this proxy first'),
  typedProxy('proxy1.0', ProxyType.HTTP_1_0, 'Use HTTP/1.0 proxy on given port'),
  typedProxy('socks4', ProxyType.SOCKS4, 'SOCKS4 proxy on given host + port'),
  typedProxy('socks4a', ProxyType.SOCKS4A, 'SOCKS4a proxy on given host + port'),
  typedProxy('socks5', ProxyType.SOCKS5, 'SOCKS5 proxy on given host + port'),
  typedProxy('socks5-hostname', ProxyType.SOCKS5_HOSTNAME, 'SOCKS5 proxy, pass host name to proxy'),
  {
    long: 'proxy-header',
    arg: '<header/@file>',
    help: 'Pass custom header(s) to proxy',
    apply: (c, v) => appendTo(c, 'proxyHeader', headerArgument(c, v)),
  },
  {
    long: 'suppress-connect-headers',
    bool: true,
    help: 'Suppress proxy CONNECT response headers',
    apply: (c, _v, on) => set(c, 'suppressConnectHeaders', on),
  },
  insecure(
    'proxy-insecure',
    'proxySslVerifyPeer',
    'proxySslVerifyHost',
    'Do HTTPS proxy connections without verifying the proxy',
  ),
  str('proxyCaInfo', 'proxy-cacert', '<file>', 'CA certificate to verify peer against for proxy'),
  str('proxyCaPath', 'proxy-capath', '<dir>', 'CA directory to verify peer against for proxy'),
  {
    long: 'proxy-cert',
    arg: '<cert[:passwd]>',
    help: 'Set client certificate for proxy',
    apply: (c, v) => {
      const [cert, pass] = certAndPassword(v);
      set(c, 'proxySslCert', cert);
      if (pass !== undefined) set(c, 'proxyKeyPasswd', pass);
    },
  },
  fileType('proxy-cert-type', 'proxySslCertType', 'Client certificate type for HTTPS proxy'),
  str('proxySslKey', 'proxy-key', '<key>', 'Private key for HTTPS proxy'),
  fileType('proxy-key-type', 'proxySslKeyType', 'Private key file type for proxy'),
  str('proxyKeyPasswd', 'proxy-pass', '<phrase>', 'Pass phrase for the private key for HTTPS proxy'),
  str(
    'proxyPinnedPublicKey',
    'proxy-pinnedpubkey',
    '<hashes>',
    'FILE/HASHES public key to verify proxy with',
  ),
  {
    long: 'connect-to',
    arg: '<HOST1:PORT1:HOST2:PORT2>',
    help: 'Connect to host',
    apply: (c, v) => appendTo(c, 'connectTo', [v]),
  },
  str('dohUrl', 'doh-url', '<URL>', 'Resolve host names over DoH'),
  insecure('doh-insecure', 'dohSslVerifyPeer', 'dohSslVerifyHost', 'Allow insecure DoH server connections'),
  {
    long: 'doh-cert-status',
    bool: true,
    help: 'Verify the status of the DoH server cert via OCSP-staple',
    // The engine has no OCSP check: refused (exit 4) as curl does when its libcurl cannot.
    apply: (c, _v, on) => {
      if (on) needEngine(c, 'dohSslVerifyStatus');
    },
  },
  str('dnsServers', 'dns-servers', '<addresses>', 'DNS server addrs to use'),
  str('dnsInterface', 'dns-interface', '<interface>', 'Interface to use for DNS requests'),
  str('dnsLocalIp4', 'dns-ipv4-addr', '<address>', 'IPv4 address to use for DNS requests'),
  str('dnsLocalIp6', 'dns-ipv6-addr', '<address>', 'IPv6 address to use for DNS requests'),
  {
    long: 'happy-eyeballs-timeout-ms',
    arg: '<milliseconds>',
    help: 'Time for IPv6 before trying IPv4',
    apply: (c, v) => set(c, 'happyEyeballsTimeoutMs', ms(c, v)),
  },
  {
    long: 'ipv4',
    short: '4',
    help: 'Resolve names to IPv4 addresses',
    apply: (c) => set(c, 'ipResolve', IpResolve.V4),
  },
  {
    long: 'ipv6',
    short: '6',
    help: 'Resolve names to IPv6 addresses',
    apply: (c) => set(c, 'ipResolve', IpResolve.V6),
  },
];
