// -h / --help as curl 8's tool_help.c lays it out, loaded only when help is asked for: the short
// list of "important" options with the category hint, `--help all`, `--help category` and
// `--help <category>`. The lines are curl's (tool_listhelp.c) for the options tscurl has; tscurl's
// own options (--bench..., --workers, --timeline) are listed under "curl" with their own text.
import { optionTable } from './options-table.js';

/** curl's categories, in its order ("important" is the default page, never listed). */
const CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ['auth', 'Authentication methods'],
  ['connection', 'Manage connections'],
  ['curl', 'The command line tool itself'],
  ['deprecated', 'Legacy'],
  ['dns', 'Names and resolving'],
  ['file', 'FILE protocol'],
  ['ftp', 'FTP protocol'],
  ['global', 'Global options'],
  ['http', 'HTTP and HTTPS protocol'],
  ['imap', 'IMAP protocol'],
  ['ldap', 'LDAP protocol'],
  ['output', 'File system output'],
  ['pop3', 'POP3 protocol'],
  ['post', 'HTTP POST specific'],
  ['proxy', 'Options for proxies'],
  ['scp', 'SCP protocol'],
  ['sftp', 'SFTP protocol'],
  ['smtp', 'SMTP protocol'],
  ['ssh', 'SSH protocol'],
  ['telnet', 'TELNET protocol'],
  ['tftp', 'TFTP protocol'],
  ['timeout', 'Timeouts and delays'],
  ['tls', 'TLS/SSL related'],
  ['upload', 'Upload, sending data'],
  ['verbose', 'Tracing, logging etc'],
];

/** curl's help line for an option: its left side, its text, its categories. */
type Line = readonly [opt: string, desc: string, categories: string];

/** curl 8's tool_listhelp.c lines by tscurl's option name, and tscurl's own. */
const CURL_LINES: Readonly<Record<string, Line>> = {
  // tscurl's own options, in curl's style.
  bench: ['    --bench', 'Benchmark against a local server', 'curl'],
  'bench-fault-every': ['    --bench-fault-every <num>', 'Every Nth --bench answer is a 500', 'curl'],
  'bench-size': ['    --bench-size <bytes>', 'Body size for --bench (default 1024)', 'curl'],
  'bench-transfers': ['    --bench-transfers <num>', 'Transfers for --bench (default 10000)', 'curl'],
  timeline: ['    --timeline <file>', 'Write an HTML timeline of the transfers', 'verbose global'],
  workers: ['    --workers <num>', 'Run -Z in N threads (or auto)', 'connection curl global'],
  // curl 8's.
  anyauth: ['    --anyauth', 'Pick any authentication method', 'http proxy auth'],
  basic: ['    --basic', 'HTTP Basic Authentication', 'auth'],
  'ca-native': ['    --ca-native', 'Load CA certs from the OS', 'tls'],
  cacert: ['    --cacert <file>', 'CA certificate to verify peer against', 'tls'],
  capath: ['    --capath <dir>', 'CA directory to verify peer against', 'tls'],
  cert: ['-E, --cert <certificate[:password]>', 'Client certificate file and password', 'tls'],
  'cert-type': ['    --cert-type <type>', 'Certificate type (DER/PEM/ENG/PROV/P12)', 'tls'],
  ciphers: ['    --ciphers <list>', 'TLS 1.2 (1.1, 1.0) ciphers to use', 'tls'],
  compressed: ['    --compressed', 'Request compressed response', 'http'],
  config: ['-K, --config <file>', 'Read config from a file', 'curl'],
  'connect-timeout': [
    '    --connect-timeout <seconds>',
    'Maximum time allowed to connect',
    'connection timeout',
  ],
  'connect-to': [
    '    --connect-to <HOST1:PORT1:HOST2:PORT2>',
    'Connect to host2 instead of host1',
    'connection dns',
  ],
  'continue-at': ['-C, --continue-at <offset>', 'Resumed transfer offset', 'connection'],
  cookie: ['-b, --cookie <data|filename>', 'Send cookies from string/load from file', 'http'],
  'cookie-jar': ['-c, --cookie-jar <filename>', 'Save cookies to <filename> after operation', 'http'],
  'create-dirs': ['    --create-dirs', 'Create necessary local directory hierarchy', 'output'],
  data: ['-d, --data <data>', 'HTTP POST data', 'important http post upload'],
  'data-ascii': ['    --data-ascii <data>', 'HTTP POST ASCII data', 'http post upload'],
  'data-binary': ['    --data-binary <data>', 'HTTP POST binary data', 'http post upload'],
  'data-raw': ['    --data-raw <data>', "HTTP POST data, '@' allowed", 'http post upload'],
  'data-urlencode': ['    --data-urlencode <data>', 'HTTP POST data URL encoded', 'http post upload'],
  digest: ['    --digest', 'HTTP Digest Authentication', 'proxy auth http'],
  'dns-interface': ['    --dns-interface <interface>', 'Interface to use for DNS requests', 'dns'],
  'dns-ipv4-addr': ['    --dns-ipv4-addr <address>', 'IPv4 address to use for DNS requests', 'dns'],
  'dns-ipv6-addr': ['    --dns-ipv6-addr <address>', 'IPv6 address to use for DNS requests', 'dns'],
  'dns-servers': ['    --dns-servers <addresses>', 'DNS server addrs to use', 'dns'],
  'doh-url': ['    --doh-url <URL>', 'Resolve hostnames over DoH', 'dns'],
  'doh-insecure': ['    --doh-insecure', 'Allow insecure DoH server connections', 'dns tls'],
  'dump-header': ['-D, --dump-header <filename>', 'Write the received headers to <filename>', 'http ftp'],
  fail: ['-f, --fail', 'Fail fast with no output on HTTP errors', 'important http'],
  'fail-early': ['    --fail-early', 'Fail on first transfer error', 'curl global'],
  'fail-with-body': ['    --fail-with-body', 'Fail on HTTP errors but save the body', 'http output'],
  form: ['-F, --form <name=content>', 'Specify multipart MIME data', 'http upload post imap smtp'],
  'form-string': [
    '    --form-string <name=string>',
    'Specify multipart MIME data',
    'http upload post smtp imap',
  ],
  get: ['-G, --get', 'Put the post data in the URL and use GET', 'http'],
  globoff: ['-g, --globoff', 'Disable URL globbing with {} and []', 'curl'],
  'happy-eyeballs-timeout-ms': [
    '    --happy-eyeballs-timeout-ms <ms>',
    'Time for IPv6 before IPv4',
    'connection timeout',
  ],
  head: ['-I, --head', 'Show document info only', 'important http ftp file'],
  header: ['-H, --header <header/@file>', 'Pass custom header(s) to server', 'important http imap smtp'],
  help: ['-h, --help <subject>', 'Get help for commands', 'important curl'],
  'http1.0': ['-0, --http1.0', 'Use HTTP/1.0', 'http'],
  'http1.1': ['    --http1.1', 'Use HTTP/1.1', 'http'],
  http2: ['    --http2', 'Use HTTP/2', 'http'],
  'http2-prior-knowledge': ['    --http2-prior-knowledge', 'Use HTTP/2 without HTTP/1.1 Upgrade', 'http'],
  'ignore-content-length': [
    '    --ignore-content-length',
    'Ignore the size of the remote resource',
    'http ftp',
  ],
  insecure: ['-k, --insecure', 'Allow insecure server connections', 'tls sftp scp ssh'],
  ipv4: ['-4, --ipv4', 'Resolve names to IPv4 addresses', 'connection dns'],
  ipv6: ['-6, --ipv6', 'Resolve names to IPv6 addresses', 'connection dns'],
  json: ['    --json <data>', 'HTTP POST JSON', 'http post upload'],
  'junk-session-cookies': ['-j, --junk-session-cookies', 'Ignore session cookies read from file', 'http'],
  key: ['    --key <key>', 'Private key filename', 'tls ssh'],
  'key-type': ['    --key-type <type>', 'Private key file type (DER/PEM/ENG)', 'tls'],
  'limit-rate': ['    --limit-rate <speed>', 'Limit transfer speed to RATE', 'connection'],
  location: ['-L, --location', 'Follow redirects', 'http'],
  'location-trusted': [
    '    --location-trusted',
    'As --location, but send secrets to other hosts',
    'http auth',
  ],
  manual: ['-M, --manual', 'Display the full manual', 'curl'],
  'max-filesize': ['    --max-filesize <bytes>', 'Maximum file size to download', 'connection'],
  'max-redirs': ['    --max-redirs <num>', 'Maximum number of redirects allowed', 'http'],
  'max-time': ['-m, --max-time <seconds>', 'Maximum time allowed for transfer', 'connection timeout'],
  netrc: ['-n, --netrc', 'Must read .netrc for username and password', 'auth'],
  'netrc-file': ['    --netrc-file <filename>', 'Specify FILE for netrc', 'auth'],
  'netrc-optional': ['    --netrc-optional', 'Use either .netrc or URL', 'auth'],
  next: ['-:, --next', 'Make next URL use separate options', 'curl'],
  'no-buffer': ['-N, --no-buffer', 'Disable buffering of the output stream', 'output'],
  noproxy: ['    --noproxy <no-proxy-list>', 'List of hosts which do not use proxy', 'proxy'],
  'oauth2-bearer': ['    --oauth2-bearer <token>', 'OAuth 2 Bearer Token', 'auth imap pop3 smtp ldap'],
  output: ['-o, --output <file>', 'Write to file instead of stdout', 'important output'],
  'output-dir': ['    --output-dir <dir>', 'Directory to save files in', 'output'],
  parallel: ['-Z, --parallel', 'Perform transfers in parallel', 'connection curl global'],
  'parallel-immediate': [
    '    --parallel-immediate',
    'Do not wait for multiplexing',
    'connection curl global',
  ],
  'parallel-max': [
    '    --parallel-max <num>',
    'Maximum concurrency for parallel transfers',
    'connection curl global',
  ],
  pass: ['    --pass <phrase>', 'Passphrase for the private key', 'ssh tls auth'],
  'path-as-is': ['    --path-as-is', 'Do not squash .. sequences in URL path', 'curl'],
  pinnedpubkey: ['    --pinnedpubkey <hashes>', 'Public key to verify peer against', 'tls'],
  post301: ['    --post301', 'Do not switch to GET after a 301 redirect', 'http post'],
  post302: ['    --post302', 'Do not switch to GET after a 302 redirect', 'http post'],
  post303: ['    --post303', 'Do not switch to GET after a 303 redirect', 'http post'],
  preproxy: ['    --preproxy <[protocol://]host[:port]>', 'Use this proxy first', 'proxy'],
  'progress-bar': ['-#, --progress-bar', 'Display transfer progress as a bar', 'verbose global'],
  'progress-meter': ['    --no-progress-meter', 'Do not show the progress meter', 'verbose'],
  proxy: ['-x, --proxy <[protocol://]host[:port]>', 'Use this proxy', 'proxy'],
  'proxy-anyauth': ['    --proxy-anyauth', 'Pick any proxy authentication method', 'proxy auth'],
  'proxy-basic': ['    --proxy-basic', 'Use Basic authentication on the proxy', 'proxy auth'],
  'proxy-cacert': ['    --proxy-cacert <file>', 'CA certificates to verify proxy against', 'proxy tls'],
  'proxy-capath': ['    --proxy-capath <dir>', 'CA directory to verify proxy against', 'proxy tls'],
  'proxy-cert': ['    --proxy-cert <cert[:passwd]>', 'Set client certificate for proxy', 'proxy tls'],
  'proxy-cert-type': ['    --proxy-cert-type <type>', 'Client certificate type for HTTPS proxy', 'proxy tls'],
  'proxy-digest': ['    --proxy-digest', 'Digest auth with the proxy', 'proxy tls'],
  'proxy-header': ['    --proxy-header <header/@file>', 'Pass custom header(s) to proxy', 'proxy'],
  'proxy-insecure': ['    --proxy-insecure', 'Skip HTTPS proxy cert verification', 'proxy tls'],
  'proxy-key': ['    --proxy-key <key>', 'Private key for HTTPS proxy', 'proxy tls'],
  'proxy-key-type': ['    --proxy-key-type <type>', 'Private key file type for proxy', 'proxy tls'],
  'proxy-pass': ['    --proxy-pass <phrase>', 'Passphrase for private key for HTTPS proxy', 'proxy tls auth'],
  'proxy-pinnedpubkey': [
    '    --proxy-pinnedpubkey <hashes>',
    'FILE/HASHES public key to verify proxy with',
    'proxy tls',
  ],
  'proxy-user': ['-U, --proxy-user <user:password>', 'Proxy user and password', 'proxy auth'],
  'proxy1.0': ['    --proxy1.0 <host[:port]>', 'Use HTTP/1.0 proxy on given port', 'proxy'],
  proxytunnel: ['-p, --proxytunnel', 'HTTP proxy tunnel (using CONNECT)', 'proxy'],
  range: ['-r, --range <range>', 'Retrieve only the bytes within RANGE', 'http ftp sftp file'],
  raw: ['    --raw', 'Do HTTP raw; no transfer decoding', 'http'],
  referer: ['-e, --referer <URL>', 'Referrer URL', 'http'],
  'remote-name': ['-O, --remote-name', 'Write output to file named as remote file', 'important output'],
  'remote-name-all': ['    --remote-name-all', 'Use the remote filename for all URLs', 'output'],
  request: ['-X, --request <method>', 'Specify request method to use', 'connection pop3 ftp imap smtp'],
  resolve: ['    --resolve <[+]host:port:addr[,addr]...>', 'Resolve host+port to address', 'connection dns'],
  retry: ['    --retry <num>', 'Retry request if transient problems occur', 'curl'],
  'retry-all-errors': ['    --retry-all-errors', 'Retry all errors (with --retry)', 'curl'],
  'retry-connrefused': ['    --retry-connrefused', 'Retry on connection refused (with --retry)', 'curl'],
  'retry-delay': ['    --retry-delay <seconds>', 'Wait time between retries', 'curl timeout'],
  'retry-max-time': ['    --retry-max-time <seconds>', 'Retry only within this period', 'curl timeout'],
  'show-error': ['-S, --show-error', 'Show error even when -s is used', 'curl global'],
  'show-headers': ['-i, --show-headers', 'Show response headers in output', 'important verbose output'],
  silent: ['-s, --silent', 'Silent mode', 'important verbose'],
  socks4: ['    --socks4 <host[:port]>', 'SOCKS4 proxy on given host + port', 'proxy'],
  socks4a: ['    --socks4a <host[:port]>', 'SOCKS4a proxy on given host + port', 'proxy'],
  socks5: ['    --socks5 <host[:port]>', 'SOCKS5 proxy on given host + port', 'proxy'],
  'socks5-hostname': ['    --socks5-hostname <host[:port]>', 'SOCKS5 proxy, pass hostname to proxy', 'proxy'],
  'speed-limit': ['-Y, --speed-limit <speed>', 'Stop transfers slower than this', 'connection'],
  'speed-time': [
    '-y, --speed-time <seconds>',
    "Trigger 'speed-limit' abort after this time",
    'connection timeout',
  ],
  'suppress-connect-headers': [
    '    --suppress-connect-headers',
    'Suppress proxy CONNECT response headers',
    'proxy',
  ],
  'tls-max': ['    --tls-max <VERSION>', 'Maximum allowed TLS version', 'tls'],
  'tls13-ciphers': ['    --tls13-ciphers <list>', 'TLS 1.3 cipher suites to use', 'tls'],
  tlsv1: ['-1, --tlsv1', 'TLSv1.0 or greater', 'tls'],
  'tlsv1.0': ['    --tlsv1.0', 'TLSv1.0 or greater', 'tls'],
  'tlsv1.1': ['    --tlsv1.1', 'TLSv1.1 or greater', 'tls'],
  'tlsv1.2': ['    --tlsv1.2', 'TLSv1.2 or greater', 'tls'],
  'tlsv1.3': ['    --tlsv1.3', 'TLSv1.3 or greater', 'tls'],
  'trace-ascii': ['    --trace-ascii <file>', 'Like --trace, but without hex output', 'verbose global'],
  'upload-file': ['-T, --upload-file <file>', 'Transfer local FILE to destination', 'important upload'],
  // curl 8 reads URLs from a file here too ("<url/file>"); tscurl's --url takes one URL.
  url: ['    --url <url>', 'URL to work with', 'curl'],
  user: ['-u, --user <user:password>', 'Server user and password', 'important auth'],
  'user-agent': ['-A, --user-agent <name>', 'Send User-Agent <name> to server', 'important http'],
  verbose: ['-v, --verbose', 'Make the operation more talkative', 'important verbose global'],
  version: ['-V, --version', 'Show version number and quit', 'important curl'],
  'write-out': ['-w, --write-out <format>', 'Output FORMAT after completion', 'verbose'],
};

/**
 * Not in the help: --include is curl 8's old name of --show-headers; --doh-cert-status is
 * accepted only to be refused (4), the engine has no OCSP check.
 */
const UNLISTED = new Set(['include', 'doh-cert-status']);

interface Entry {
  long: string;
  opt: string;
  desc: string;
  categories: ReadonlySet<string>;
}

let entries: Entry[] | undefined;

/** Every option tscurl has, alphabetical by long name as curl's generated table. */
function table(): Entry[] {
  if (entries !== undefined) return entries;
  entries = [];
  for (const r of optionTable) {
    if (UNLISTED.has(r.long)) continue;
    const [opt, desc, cats] = CURL_LINES[r.long] ?? [
      `${r.short === undefined ? '    ' : `-${r.short}, `}--${r.long}${r.arg === undefined ? '' : ` ${r.arg}`}`,
      r.help,
      'curl',
    ];
    entries.push({ long: r.long, opt, desc, categories: new Set(cats.split(' ')) });
  }
  const key = (e: Entry) => e.opt.replace(/^(-., |\s+)--/, '');
  entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return entries;
}

/** curl's print_category: one column for the option, shifted left where a text would wrap. */
function category(cat: string | undefined, cols: number): string {
  const lines = table().filter((e) => cat === undefined || e.categories.has(cat));
  let longopt = Math.max(5, ...lines.map((e) => e.opt.length));
  const longdesc = Math.max(5, ...lines.map((e) => e.desc.length));
  if (longdesc > cols) longopt = 0;
  else if (longopt + longdesc > cols) longopt = cols - longdesc;
  let out = '';
  for (const e of lines) {
    let width = longopt;
    if (cols >= 2 && width + e.desc.length >= cols - 2) {
      width = e.desc.length < cols - 2 ? cols - 3 - e.desc.length : 0;
    }
    out += ` ${e.opt.padEnd(width)}  ${e.desc}\n`;
  }
  return out;
}

/** curl's get_categories_list: the names comma-separated, wrapped before `width`. */
function categoryList(width: number): string {
  let out = '';
  let col = 0;
  for (const [i, [name]] of CATEGORIES.entries()) {
    if (i === CATEGORIES.length - 1) out += col + name.length + 1 < width ? `${name}.\n` : `\n${name}.\n`;
    else if (col + name.length + 2 < width) {
      out += `${name}, `;
      col += name.length + 2;
    } else {
      out += `\n${name}, `;
      col = name.length + 2;
    }
  }
  return out;
}

const categoryLines = (): string => CATEGORIES.map(([n, d]) => ` ${n.padEnd(11)} ${d}\n`).join('');

/** `--help --name` / `--help -x`: the option's line (curl prints its manual section). */
function optionHelp(subject: string, cols: number): string | { stderr: string } {
  let e: Entry | undefined;
  if (subject.startsWith('--')) {
    const name = subject.slice(2);
    const row = optionTable.find((r) => r.long === name || (r.bool === true && `no-${r.long}` === name));
    e = table().find((x) => x.long === row?.long);
  } else if (subject.length === 2) {
    const row = optionTable.find((r) => r.short === subject[1]);
    e = table().find((x) => x.long === row?.long);
  }
  if (e === undefined) return { stderr: 'Incorrect option name to show help for, see tscurl -h\n' };
  return category(undefined, cols)
    .split('\n')
    .filter((l) => l.startsWith(` ${e.opt} `))
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * The text of `--help [subject]` for stdout, or { stderr } for an option name it can not show
 * (curl prints the option's manual section; tscurl's manual, -M, has no per-option sections).
 */
export function helpText(subject: string | undefined, cols = 79): string | { stderr: string } {
  if (subject === undefined || subject === '') {
    return `Usage: tscurl [options...] <url>\n${category('important', cols)}
This is not the full help; this menu is split into categories.
Use "--help category" to get an overview of all categories, which are:
${categoryList(cols)}Use "--help all" to list all options
Use "--help [option]" to view documentation for a given option
`;
  }
  const s = subject.toLowerCase();
  if (s === 'all') return category(undefined, cols);
  if (s === 'category') return categoryLines();
  if (subject.startsWith('-')) return optionHelp(subject, cols);
  const found = CATEGORIES.find(([name]) => name === s);
  if (found === undefined)
    return `Unknown category provided, here is a list of all categories:\n\n${categoryLines()}`;
  return `${found[0]}: ${found[1]}\n${category(found[0], cols)}`;
}
