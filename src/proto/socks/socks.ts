// SOCKS4, SOCKS4a (openssh.com/txt/socks4.protocol, socks4a.protocol) and SOCKS5 (RFC 1928, with
// RFC 1929 username/password) client handshakes, sans-I/O: the caller sends what `output()` gives,
// feeds what the proxy answers to `receiveData()`, until `done`. Failures throw SocksError with
// libcurl's CURLproxycode and libcurl's message (lib/socks.c), so the transfer ends with PROXY (97).
//
// Names are resolved by the caller: 'socks4' and 'socks5' need an IP literal as `host` (curl
// resolves locally for them); 'socks4a' and 'socks5h' send the name for the proxy to resolve.
// Names and credentials go on the wire as UTF-8 (curl sends the C strings it was given).
import { ProxyCode } from '../../core/codes.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ip.js';
import { utf8Encode } from '../utf8.js';

export type SocksVersion = 'socks4' | 'socks4a' | 'socks5' | 'socks5h';

export interface SocksRequest {
  version: SocksVersion;
  /** The destination: an IP literal (IPv6 without brackets), or a name for socks4a / socks5h. */
  host: string;
  port: number;
  /** SOCKS4 user id / SOCKS5 user name; with SOCKS5 it turns on username/password auth. */
  user?: string | undefined;
  password?: string | undefined;
  /**
   * The destination as the URL names it, for the verbose lines (SOCKS4 "communication to"): with
   * local resolution `host` is the address it resolved to. Default: `host`.
   */
  name?: string | undefined;
  /** The destination is an HTTP proxy (a pre-proxy): curl's verbose lines say so. */
  toHttpProxy?: boolean | undefined;
}

export class SocksError extends Error {
  override readonly name = 'SocksError';
  constructor(
    readonly proxyCode: ProxyCode,
    message: string,
  ) {
    super(message);
  }
}

type Step =
  | 'send-request4'
  | 'recv-reply4'
  | 'send-greeting'
  | 'recv-method'
  | 'send-auth'
  | 'recv-auth'
  | 'send-request5'
  | 'recv-reply5'
  | 'done';

const SOCKS5_REPLY_CODES: readonly ProxyCode[] = [
  ProxyCode.OK,
  ProxyCode.REPLY_GENERAL_SERVER_FAILURE,
  ProxyCode.REPLY_NOT_ALLOWED,
  ProxyCode.REPLY_NETWORK_UNREACHABLE,
  ProxyCode.REPLY_HOST_UNREACHABLE,
  ProxyCode.REPLY_CONNECTION_REFUSED,
  ProxyCode.REPLY_TTL_EXPIRED,
  ProxyCode.REPLY_COMMAND_NOT_SUPPORTED,
  ProxyCode.REPLY_ADDRESS_TYPE_NOT_SUPPORTED,
];

const SOCKS4_REJECTIONS: Record<number, [ProxyCode, string]> = {
  91: [ProxyCode.REQUEST_FAILED, 'request rejected or failed.'],
  92: [ProxyCode.IDENTD, 'request rejected because SOCKS server cannot connect to identd on the client.'],
  93: [
    ProxyCode.IDENTD_DIFFER,
    'request rejected because the client program and identd report different user-ids.',
  ],
};

export class SocksClient {
  private step: Step;
  private pending: Uint8Array | undefined;
  private inbuf = new Uint8Array(0);
  private readonly info: string[] = [];
  private readonly req: SocksRequest;
  private readonly label: string;

  constructor(req: SocksRequest) {
    this.req = req;
    this.label = req.version === 'socks4a' ? 'SOCKS4a' : req.version === 'socks4' ? 'SOCKS4' : 'SOCKS5';
    // curl's lib/socks.c infof lines, in its order.
    const { host, port, name = host } = req;
    if (req.version === 'socks4' || req.version === 'socks4a') {
      if (req.toHttpProxy === true)
        this.info.push(`${this.label}: connecting to HTTP proxy ${host} port ${port}`);
      this.info.push(`SOCKS4 communication to ${name}:${port}`);
      this.pending = this.request4();
      this.step = 'send-request4';
    } else {
      if (req.toHttpProxy === true) this.info.push(`SOCKS5: connecting to HTTP proxy ${host} port ${port}`);
      if (req.version === 'socks5h' && utf8Encode(req.host).length > 255) {
        throw new SocksError(
          ProxyCode.LONG_HOSTNAME,
          'SOCKS5: the destination hostname is too long to be resolved remotely by the proxy.',
        );
      }
      const methods = req.user !== undefined ? [0, 2] : [0];
      this.pending = new Uint8Array([5, methods.length, ...methods]);
      this.step = 'send-greeting';
    }
  }

  /** True once the proxy granted the connection: bytes from now on are the tunnel's. */
  get done(): boolean {
    return this.step === 'done';
  }

  /** Bytes to send now (a whole message), or undefined when waiting for the proxy. */
  output(): Uint8Array | undefined {
    const out = this.pending;
    if (out === undefined) return undefined;
    this.pending = undefined;
    this.step = nextRecv(this.step);
    return out;
  }

  /** The CURLproxycode for a failure to send the message `output()` gave last. */
  get sendFailCode(): ProxyCode {
    switch (this.step) {
      case 'recv-auth':
        return ProxyCode.SEND_AUTH;
      case 'recv-reply5':
        return ProxyCode.SEND_REQUEST;
      default:
        return ProxyCode.SEND_CONNECT;
    }
  }

  /** Verbose lines produced since the last call (curl's infof lines). */
  takeInfo(): string[] {
    return this.info.splice(0);
  }

  /** The proxy closed the connection before the handshake ended. */
  receiveEof(): never {
    throw new SocksError(ProxyCode.CLOSED, 'connection to proxy closed');
  }

  /**
   * Feed bytes from the proxy (also an empty array after each `output()`: the proxy may have sent
   * the next reply's bytes early). Returns the bytes that arrived after the handshake ended (the
   * tunnel's first bytes; normally empty). Throws SocksError when the proxy refuses.
   */
  receiveData(data: Uint8Array): Uint8Array {
    if (this.step === 'done') return data;
    if (data.length > 0) {
      const buf = new Uint8Array(this.inbuf.length + data.length);
      buf.set(this.inbuf);
      buf.set(data, this.inbuf.length);
      this.inbuf = buf;
    }
    while (this.pending === undefined) {
      const need = this.needed();
      if (need === 0 || this.inbuf.length < need) break;
      const msg = this.inbuf.subarray(0, need);
      const rest = this.inbuf.subarray(need);
      this.inbuf = rest;
      this.handle(msg);
      if (this.done) {
        this.inbuf = new Uint8Array(0);
        return rest;
      }
    }
    // Bytes the proxy sent ahead of our next message wait in `inbuf` for the reply they start.
    return new Uint8Array(0);
  }

  /** Bytes the current reply needs in total (0: not receiving). */
  private needed(): number {
    const b = this.inbuf;
    switch (this.step) {
      case 'recv-reply4':
        return 8;
      case 'recv-method':
      case 'recv-auth':
        return 2;
      case 'recv-reply5': {
        // VER REP RSV ATYP; the bound address's length depends on ATYP (curl reads 10 first).
        if (b.length < 5) return 5;
        if (b[0] !== 5 || b[1] !== 0) return 2;
        if (b[3] === 1) return 10;
        if (b[3] === 4) return 22;
        if (b[3] === 3) return 5 + b[4]! + 2;
        return 4;
      }
      default:
        return 0;
    }
  }

  private handle(msg: Uint8Array): void {
    switch (this.step) {
      case 'recv-reply4':
        this.reply4(msg);
        return;
      case 'recv-method':
        this.method(msg);
        return;
      case 'recv-auth':
        if (msg[1] !== 0) {
          throw new SocksError(
            ProxyCode.USER_REJECTED,
            `User was rejected by the SOCKS5 server (${msg[0]} ${msg[1]}).`,
          );
        }
        this.pending = this.request5();
        this.step = 'send-request5';
        return;
      case 'recv-reply5':
        this.reply5(msg);
        return;
      default:
        throw new Error(`SOCKS: cannot handle a reply in step ${this.step}`);
    }
  }

  private request4(): Uint8Array {
    const { host, port, user } = this.req;
    const is4a = this.req.version === 'socks4a';
    const userBytes = utf8Encode(user ?? '');
    if (userBytes.length > 255) throw new SocksError(ProxyCode.LONG_USER, 'Too long SOCKS proxy user name');
    let ip: Uint8Array | undefined;
    let name: Uint8Array | undefined;
    if (is4a) {
      // 0.0.0.1: "the name follows" (SOCKS4a); curl always lets the proxy resolve with 4a.
      ip = new Uint8Array([0, 0, 0, 1]);
      name = utf8Encode(host);
      if (name.length + 1 > 255) throw new SocksError(ProxyCode.LONG_HOSTNAME, 'SOCKS4: too long host name');
    } else {
      ip = parseIPv4(host);
      if (ip === undefined) {
        throw new SocksError(ProxyCode.RESOLVE_HOST, `SOCKS4 connection to ${host} not supported`);
      }
      this.info.push(`SOCKS4 connect to IPv4 ${host} (locally resolved)`);
    }
    const out = new Uint8Array(8 + userBytes.length + 1 + (name === undefined ? 0 : name.length + 1));
    out[0] = 4;
    out[1] = 1;
    out[2] = port >> 8;
    out[3] = port & 0xff;
    out.set(ip, 4);
    out.set(userBytes, 8);
    if (name !== undefined) out.set(name, 8 + userBytes.length + 1);
    return out;
  }

  private reply4(msg: Uint8Array): void {
    if (msg[0] !== 0)
      throw new SocksError(ProxyCode.BAD_VERSION, 'SOCKS4 reply has wrong version, version should be 0.');
    const code = msg[1]!;
    if (code === 90) {
      this.info.push(`${this.label} request granted.`);
      this.step = 'done';
      return;
    }
    const dest = `${formatIPv4(msg, 4)}:${(msg[2]! << 8) | msg[3]!}`;
    const [px, why] = SOCKS4_REJECTIONS[code] ?? [ProxyCode.UNKNOWN_FAIL, 'Unknown.'];
    throw new SocksError(px, `Can't complete SOCKS4 connection to ${dest}. (${code}), ${why}`);
  }

  private method(msg: Uint8Array): void {
    if (msg[0] !== 5)
      throw new SocksError(ProxyCode.BAD_VERSION, 'Received invalid version in initial SOCKS5 response.');
    const m = msg[1];
    if (m === 0) {
      this.pending = this.request5();
      this.step = 'send-request5';
    } else if (m === 2 && this.req.user !== undefined) {
      this.pending = this.auth();
      this.step = 'send-auth';
    } else if (m === 1) {
      throw new SocksError(
        ProxyCode.GSSAPI_PERMSG,
        'SOCKS5 GSSAPI per-message authentication is not supported.',
      );
    } else if (m === 255) {
      throw new SocksError(ProxyCode.NO_AUTH, 'No authentication method was acceptable.');
    } else {
      throw new SocksError(
        ProxyCode.UNKNOWN_MODE,
        'Undocumented SOCKS5 mode attempted to be used by server.',
      );
    }
  }

  private auth(): Uint8Array {
    const user = utf8Encode(this.req.user ?? '');
    const pass = utf8Encode(this.req.password ?? '');
    if (user.length > 255)
      throw new SocksError(ProxyCode.LONG_USER, 'Excessive user name length for proxy auth');
    if (pass.length > 255)
      throw new SocksError(ProxyCode.LONG_PASSWD, 'Excessive password length for proxy auth');
    const out = new Uint8Array(3 + user.length + pass.length);
    out[0] = 1;
    out[1] = user.length;
    out.set(user, 2);
    out[2 + user.length] = pass.length;
    out.set(pass, 3 + user.length);
    return out;
  }

  private request5(): Uint8Array {
    const { host, port, version } = this.req;
    let addr: Uint8Array;
    const v4 = parseIPv4(host);
    const v6 = v4 === undefined && host.includes(':') ? parseIPv6(host) : undefined;
    if (v4 !== undefined) {
      addr = new Uint8Array([1, ...v4]);
    } else if (v6 !== undefined) {
      addr = new Uint8Array([4, ...v6]);
    } else if (version === 'socks5h') {
      const name = utf8Encode(host);
      addr = new Uint8Array([3, name.length, ...name]);
    } else {
      throw new SocksError(ProxyCode.RESOLVE_HOST, `Failed to resolve "${host}" for SOCKS5 connect.`);
    }
    if (version === 'socks5h') this.info.push(`SOCKS5 connect to ${host}:${port} (remotely resolved)`);
    else if (v6 !== undefined)
      this.info.push(`SOCKS5 connect to [${formatIPv6(v6)}]:${port} (locally resolved)`);
    else this.info.push(`SOCKS5 connect to ${host}:${port} (locally resolved)`);
    const out = new Uint8Array(3 + addr.length + 2);
    out.set([5, 1, 0]);
    out.set(addr, 3);
    out[3 + addr.length] = port >> 8;
    out[4 + addr.length] = port & 0xff;
    return out;
  }

  private reply5(msg: Uint8Array): void {
    if (msg[0] !== 5)
      throw new SocksError(ProxyCode.BAD_VERSION, 'SOCKS5 reply has wrong version, version should be 5.');
    const rep = msg[1]!;
    if (rep !== 0) {
      throw new SocksError(
        SOCKS5_REPLY_CODES[rep] ?? ProxyCode.REPLY_UNASSIGNED,
        `Can't complete SOCKS5 connection to ${this.req.host}. (${rep})`,
      );
    }
    if (msg[3] !== 1 && msg[3] !== 3 && msg[3] !== 4) {
      throw new SocksError(ProxyCode.BAD_ADDRESS_TYPE, 'SOCKS5 reply has wrong address type.');
    }
    this.info.push('SOCKS5 request granted.');
    this.step = 'done';
  }
}

function nextRecv(step: Step): Step {
  switch (step) {
    case 'send-request4':
      return 'recv-reply4';
    case 'send-greeting':
      return 'recv-method';
    case 'send-auth':
      return 'recv-auth';
    case 'send-request5':
      return 'recv-reply5';
    default:
      return step;
  }
}
