// TLS session cache (libcurl's ssl session cache): the last resumable session per peer and TLS
// config, so the next connection to the same host resumes instead of a full handshake. One per
// Multi; a Share with 'ssl_session' lends its own to every handle using it. The peer's chain is
// kept beside the session: a resumed handshake carries no certificates, yet the pinned key check
// and CURLINFO_CERTINFO need them.
import type { TlsCertificate } from '../transport/types.js';

/** Entries kept; the least recently stored goes first. */
const DEFAULT_MAX = 256;

interface Entry {
  session: Uint8Array | undefined;
  chain: readonly TlsCertificate[];
  /** The part of `chain` the peer sent, when it was asked for (TlsSessionInfo.sentChain). */
  sent: readonly TlsCertificate[] | undefined;
}

export class TlsSessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max = DEFAULT_MAX) {}

  /** The session stored for `key` ('host:port|config id'). */
  get(key: string): Uint8Array | undefined {
    return this.entries.get(key)?.session;
  }

  /** The chain the peer presented when the stored session was made. */
  chain(key: string): readonly TlsCertificate[] {
    return this.entries.get(key)?.chain ?? [];
  }

  /** The part of that chain the peer sent (undefined: not known). */
  sentChain(key: string): readonly TlsCertificate[] | undefined {
    return this.entries.get(key)?.sent;
  }

  put(key: string, session: Uint8Array): void {
    this.entry(key).session = session;
  }

  /** Remember the verified chain of a full handshake (and the part the peer sent, when known). */
  putChain(key: string, chain: readonly TlsCertificate[], sent?: readonly TlsCertificate[]): void {
    const e = this.entry(key);
    e.chain = chain;
    e.sent = sent;
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
      e = { session: undefined, chain: [], sent: undefined };
      this.entries.set(key, e);
    }
    return e;
  }

  get size(): number {
    return this.entries.size;
  }
}
