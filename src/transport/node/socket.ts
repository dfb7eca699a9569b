// TransportSocket over a net.Socket, driven by readiness: bytes wait until the engine pulls them
// with read(), and a full buffer stops reading from the kernel (readStop), so the peer's window
// closes: that is the flow control. Readiness comes from the socket's notifications.
//
// A TCP socket made by connect() receives through net.Socket's `onread` (libuv reads straight into
// a buffer we give, the callback gets the byte count): no Readable stream buffering, no nextTick
// per read, no readStop/readStart pair per 64 KiB. Small reads land in one buffer shared by every
// socket and are copied out at once (into a block of copies); a socket that reads in bulk
// gets a 64 KiB buffer of its own per read, handed out as it is (never reused, so the bytes stay
// the receiver's). A socket made elsewhere (the TLS socket) is switched to `onread` after it was
// made (receiveThroughOnread), or, where Node's internals do not allow that, stays a paused stream
// read with read(); 'readable' (data or EOF buffered), 'connect', 'drain', 'error', 'close' are its
// events.
//
// Hot path: the net.Socket listeners are shared by every socket (they find their NodeSocket on the
// net.Socket), the immediate callback is made once per socket when first needed; notifications
// allocate nothing of ours.
import { readSync } from 'node:fs';
import net from 'node:net';
import { nextSyntheticFd } from '../fd.js';
import {
  type ConnectOptions,
  EOF,
  type Interest,
  type ReadResult,
  Ready,
  type TransportErrorLike,
  type TransportSocket,
} from '../types.js';

/**
 * Stream buffer high-water marks. Node 20 defaults to 16 KiB; Node 22 raised the default to
 * 64 KiB, which matches libuv's 64 KiB read size: one read fills the buffer instead of four
 * readStop/readStart round trips.
 */
const HIGH_WATER_MARK = 64 * 1024;

/** libuv's read size, and the size of each receive buffer. */
const RX_SIZE = 64 * 1024;
/**
 * A read at least this large is handed out in the buffer it was read into (and the socket's next
 * read gets a new one); a smaller one is copied out, so a small body pins no receive buffer.
 */
const RX_OWN_MIN = 16 * 1024;
/** Where every socket that is not receiving in bulk reads into; always copied out of at once. */
const RX_SHARED = Buffer.allocUnsafe(RX_SIZE);

/**
 * Small reads are copied out of the shared buffer into one 8 KiB block after the other, each copy
 * a view of its own that is never written to again. A kept copy keeps its whole block, so the block
 * is no larger than Buffer's pool's: a program that keeps one small body in many (a monitor keeping
 * each endpoint's last response) holds at most 8 KiB for each, as with Buffer.allocUnsafe(). A
 * 64 KiB block saved another 0.7% of a cold W1 client's instructions at up to eight times that. A
 * copy larger than COPY_MAX gets memory of its own.
 */
const COPY_BLOCK = 8 * 1024;
const COPY_MAX = 4 * 1024;
let copyBlock = Buffer.allocUnsafeSlow(COPY_BLOCK);
let copyAt = 0;

/**
 * The first `n` bytes of `buf` (a receive buffer the next read overwrites) in memory the receiver
 * keeps. TypedArray's set(), not Buffer's copy(): its argument checks cost more than the copy.
 */
export function copyOut(buf: Buffer, n: number): Buffer {
  const from = new Uint8Array(buf.buffer, buf.byteOffset, n);
  if (n > COPY_MAX) {
    const own = Buffer.allocUnsafe(n);
    own.set(from);
    return own;
  }
  if (copyAt + n > COPY_BLOCK) {
    copyBlock = Buffer.allocUnsafeSlow(COPY_BLOCK);
    copyAt = 0;
  }
  const at = copyAt;
  // Aligned to 8 as Buffer's pool is, so that a view of another element size can be made of it.
  copyAt = (at + n + 7) & ~7;
  copyBlock.set(from, at);
  return copyBlock.subarray(at, at + n);
}

const IN_OUT = Ready.IN | Ready.OUT;
const ALL = Ready.IN | Ready.OUT | Ready.ERR;

/** The internals we look at: the handle (descriptor, local address) and whether EOF reached the read buffer. */
interface NetSocketInternals {
  _handle?: { fd?: number; getsockname?: (out: SockName) => number } | null;
  _readableState: { ended: boolean };
}

/** What a handle's getsockname() fills in. */
interface SockName {
  address?: string;
  port?: number;
}
/** The one object every connected socket's local address is read into. */
const SOCKNAME: SockName = {};
/**
 * The local address read last: a socket whose address is the same string keeps that one, not a
 * copy of its own (every connection from one host has the same few addresses; 32 bytes each).
 */
let lastLocalAddress = '';

/** net.Socket accepts stream options at runtime; @types/node 20 leaves them out of the type. */
type NodeConnectOptions = net.TcpNetConnectOpts & {
  readableHighWaterMark: number;
  writableHighWaterMark: number;
};

/** net.Socket's `onread`: read into `buffer` (called again after each read), `callback` gets the bytes. */
interface OnRead {
  buffer: () => Buffer;
  callback: (n: number, buf: Buffer) => boolean;
}

/** Where a net.Socket keeps its NodeSocket, for the listeners shared by every socket. */
const OWNER = Symbol('NodeSocket');
type OwnedSocket = net.Socket & { [OWNER]?: NodeSocket };

/**
 * The socket whose onread callback ran last. Node calls a socket's buffer generator right after
 * its callback, in the same read (onStreamRead), and without `this`: the generator shared by every
 * socket receiving through onread (TCP and TLS) finds the socket here. Cleared before each
 * connect, whose first buffer Node asks for inside net.connect().
 */
let receiving: NodeSocket | undefined;

/** net.Socket's fields behind `onread` (lib/net.js: kBuffer, kBufferCb, kBufferGen), found by name. */
interface OnReadFields {
  buffer: symbol;
  callback: symbol;
  gen: symbol;
}

let onreadSymbols: OnReadFields | null | undefined;

function onreadFields(sock: net.Socket): OnReadFields | undefined {
  if (onreadSymbols === undefined) {
    const named = (d: string) => Object.getOwnPropertySymbols(sock).find((x) => x.description === d);
    const buffer = named('kBuffer');
    const callback = named('kBufferCb');
    const gen = named('kBufferGen');
    onreadSymbols = buffer && callback && gen ? { buffer, callback, gen } : null;
  }
  return onreadSymbols ?? undefined;
}

/** How many chunks from the first on lie end to end in one memory block. */
function adjoining(chunks: Buffer[]): number {
  const first = chunks[0]!;
  let end = first.byteOffset + first.length;
  let n = 1;
  for (; n < chunks.length; n++) {
    const c = chunks[n]!;
    if (c.buffer !== first.buffer || c.byteOffset !== end) break;
    end += c.length;
  }
  return n;
}

function connectionClosedError(): TransportErrorLike {
  const err: TransportErrorLike = new Error('connection closed before end of stream');
  err.code = 'ECONNRESET';
  return err;
}

// A NodeSocket's state bits (`flags`): eleven boolean fields were 88 bytes per socket, one small
// integer is 8.
/** Connecting: not connected, failed or closed yet. */
const CONNECTING = 1;
/** destroy() was called: everything inert from then on. */
const DESTROYED = 2;
/** The stream was torn down by Node (not by us) without an error. */
const CLOSED = 4;
/** EOF was handed out once; Node has been told (so it emits 'end'). */
const EOF_SEEN = 8;
/** Node's EOF was checked against the kernel (checkEnd), or needs no check: a TLS socket's. */
const END_CHECKED = 16;
/** Inside one of our methods: notifications are deferred, never delivered synchronously. */
const IN_CALL = 32;
/**
 * The socket keeps the process alive only while the engine watches it (waits on it for a
 * transfer): an idle pooled connection, like a finished Multi's, lets the process exit.
 * unref() clears it (never); ref() sets it again.
 */
const HOLDS_WHILE_WATCHED = 64;
/** The net.Socket is ref'd now. */
const REFD = 128;
/** rxNext is a buffer recycle() gave back. */
const RX_NEXT_RECYCLED = 256;
/**
 * recycle() was called: from then on the buffer of each chunk handed out in place is remembered
 * (`lent`) for it. Before, nothing is, so a socket whose reader never recycles keeps no
 * reference to a chunk it handed out (it would keep that memory alive until the next read).
 */
const RECYCLING = 512;
/** The onread callback stopped reading (rx reached the high-water mark). */
const RX_STOPPED = 1024;

export class NodeSocket implements TransportSocket {
  /** High-water mark for streams made elsewhere (the TLS socket). */
  static readonly highWaterMark = HIGH_WATER_MARK;
  readonly fd: number;
  readonly remoteAddress: string;
  readonly remotePort: number;

  private readonly sock: net.Socket;
  private readonly readState: { ended: boolean };
  /** The socket's state bits (CONNECTING, DESTROYED, ... above). */
  private flags = CONNECTING | END_CHECKED | HOLDS_WHILE_WATCHED | REFD;
  private err: TransportErrorLike | undefined = undefined;
  private local = '';
  private localP = 0;

  /** Bytes received through `onread` and not read yet (TCP sockets made by connect()). */
  private readonly rx: Buffer[] = [];
  private rxBytes = 0;
  /** The buffer libuv reads into next. */
  protected rxNext: Buffer = RX_SHARED;
  /** The socket's own buffer the one chunk in rx is a view of (undefined: copies, or several chunks). */
  private rxOwn: Buffer | undefined = undefined;
  /** The own buffer the chunk read() handed out last is a view of, until recycle(). */
  private lent: Buffer | undefined = undefined;
  /** A buffer recycle() gave back: the next read goes into it instead of a new one. */
  private spare: Buffer | undefined = undefined;
  /** Bytes queued and unread at which reading stops. */
  protected rxLimit = HIGH_WATER_MARK;

  private what = 0;
  private onReady: ((events: number) => void) | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** The immediate's callback, made the first time one is needed. */
  private onImmediate: (() => void) | undefined = undefined;
  /** Bits to deliver from the pending immediate. */
  private pending = 0;

  /**
   * Wrap `sock`. `connectEvent` is the event that ends connecting: 'connect' for TCP,
   * 'secureConnect' for a TLS socket (the handshake finished).
   */
  constructor(
    sock: net.Socket,
    remoteAddress: string,
    remotePort: number,
    connectEvent: 'connect' | 'secureConnect' = 'connect',
    fd?: number,
  ) {
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.sock = sock;
    const internals = sock as unknown as NetSocketInternals;
    this.readState = internals._readableState;
    // libuv creates the OS socket lazily (at connect/bind, after this returns), so this is
    // normally -1 and the descriptor is synthetic.
    const osFd = internals._handle?.fd;
    this.fd = fd ?? (typeof osFd === 'number' && osFd >= 0 ? osFd : nextSyntheticFd());
    // A 'readable' listener puts the stream in paused mode and makes Node announce data and EOF
    // even while nobody watches (hasPendingInput on an idle pooled socket). A socket we connect
    // gets it once connected: registered while connecting, Node would schedule a read(0) that
    // queues a once('connect') wrapper and closure per socket (~0.5 KB living until connected).
    (sock as OwnedSocket)[OWNER] = this;
    if (connectEvent === 'connect' && sock.connecting) sock.on('connect', NodeSocket.onTcpConnect);
    else {
      sock.on('readable', NodeSocket.onReadable);
      sock.on(connectEvent, NodeSocket.onConnect);
    }
    sock.on('drain', NodeSocket.onDrain);
    // Always present: an 'error' without a listener would crash the process.
    sock.on('error', NodeSocket.onError);
    sock.on('close', NodeSocket.onClose);
  }

  /** A non-blocking TCP connect. */
  static connect(options: ConnectOptions): NodeSocket {
    // One literal with every field (localAddress undefined when not set): Node keeps this object
    // until its connect runs on the next tick, so at W4 it is promoted; fields added after the
    // literal (Object.assign) would give it a separate property array too.
    const connectOptions = {
      host: options.address,
      port: options.port,
      family: options.family,
      localAddress: options.localAddress,
      noDelay: true,
      // A half-close from the peer is EOF on read, nothing more: the engine decides when to end
      // its own side (Node would otherwise end() it for us).
      allowHalfOpen: true,
      readableHighWaterMark: HIGH_WATER_MARK,
      writableHighWaterMark: HIGH_WATER_MARK,
      onread: NodeSocket.sharedOnread,
    };
    // Node asks for the first buffer inside net.connect(), before the NodeSocket exists: the
    // shared buffer, as nobody has read yet.
    receiving = undefined;
    const s = new NodeSocket(
      net.connect(connectOptions as NodeConnectOptions),
      options.address,
      options.port,
    );
    s.flags &= ~END_CHECKED;
    return s;
  }

  /**
   * Hand the connected net.Socket to a new owner (TLS): this object goes inert without closing
   * it. Returns undefined when the socket is not connected and healthy.
   */
  detach(): net.Socket | undefined {
    if (
      (this.flags & DESTROYED) !== 0 ||
      (this.flags & CONNECTING) !== 0 ||
      this.err !== undefined ||
      (this.flags & CLOSED) !== 0
    )
      return undefined;
    this.unwatch();
    // Handed over ref'd, as a new socket starts: the new owner's ref bookkeeping assumes it.
    this.setRef(true);
    this.flags |= DESTROYED;
    const sock = this.sock;
    sock.off('readable', NodeSocket.onReadable);
    sock.off('connect', NodeSocket.onConnect);
    sock.off('connect', NodeSocket.onTcpConnect);
    sock.off('drain', NodeSocket.onDrain);
    sock.off('close', NodeSocket.onClose);
    // The 'error' listener stays (inert): an error on the raw socket must never crash.
    return sock;
  }

  /** The stream (for subclasses). */
  protected get stream(): net.Socket {
    return this.sock;
  }

  /** True once destroy() ran (for subclasses). */
  protected get isDestroyed(): boolean {
    return (this.flags & DESTROYED) !== 0;
  }

  get connecting(): boolean {
    return (this.flags & CONNECTING) !== 0;
  }

  get error(): TransportErrorLike | undefined {
    return this.err;
  }

  get localAddress(): string {
    return this.local;
  }

  get localPort(): number {
    return this.localP;
  }

  get hasPendingInput(): boolean {
    return (
      this.err !== undefined ||
      (this.flags & CLOSED) !== 0 ||
      this.rxBytes > 0 ||
      this.sock.readableLength > 0 ||
      this.readState.ended
    );
  }

  read(): ReadResult {
    if ((this.flags & DESTROYED) !== 0) return null;
    if ((this.flags & END_CHECKED) === 0 && this.readState.ended) this.checkEnd();
    if (this.rxBytes > 0) return this.takeRx();
    const sock = this.sock;
    // Data received before an error or a close is still handed out (the kernel does the same:
    // recv() returns queued bytes before reporting a reset).
    if (sock.readableLength > 0) {
      this.flags |= IN_CALL;
      // No size: everything buffered in one Buffer. Emptying the buffer re-arms 'readable' and
      // restarts reading if Node had stopped at the high-water mark.
      const chunk = sock.read() as Buffer | null;
      this.flags &= ~IN_CALL;
      if (chunk !== null) return chunk;
    }
    if (this.err !== undefined) return null;
    if (this.readState.ended) {
      if ((this.flags & EOF_SEEN) === 0) {
        this.flags |= EOF_SEEN;
        // Lets Node finish the readable side ('end'); returns null, reads nothing.
        this.flags |= IN_CALL;
        sock.read();
        this.flags &= ~IN_CALL;
      }
      return EOF;
    }
    // Never call sock.read() on an empty buffer while connecting: net.Socket would queue a
    // 'connect' listener per call. Once connected, reading is already running.
    return null;
  }

  /**
   * Node's EOF on a TCP socket, checked once against the kernel before it is believed. libuv
   * reports EOF without reading to the end when a poll says POLLHUP and its last read returned
   * less than it asked for (uv__stream_io): a reset that reached the kernel before the bytes ahead
   * of it were read (a loaded client, or a peer that writes and resets at once) is EOF there, and
   * the ECONNRESET that Linux reports on the next recv() is never read. libcurl's next recv()
   * reads it (56, where a cut body would be 18), and so does this: one more read() on the
   * descriptor, which libuv reads no more. After a FIN it returns 0 and the EOF stands.
   */
  private checkEnd(): void {
    this.flags |= END_CHECKED;
    const fd = (this.sock as unknown as NetSocketInternals)._handle?.fd;
    if (this.err !== undefined || this.sock.destroyed || typeof fd !== 'number' || fd < 0) return;
    try {
      const n = readSync(fd, RX_SHARED, 0, RX_SIZE, null);
      if (n === 0) return;
      // Nothing follows an EOF; bytes that did anyway go out first, and the check comes again.
      this.rx.push(Buffer.from(RX_SHARED.subarray(0, n)));
      this.rxBytes += n;
      this.flags &= ~END_CHECKED;
    } catch (e) {
      const err = e as TransportErrorLike;
      // EAGAIN: nothing to say (not after an EOF); anything else is the connection's error.
      if (err.code !== 'EAGAIN' && err.code !== 'EWOULDBLOCK' && err.code !== 'EINTR') this.err = err;
    }
  }

  /**
   * What onread queued, from the oldest chunk on: the chunks that lie end to end in one memory
   * block (a TLS socket's records in its slab) as one view, never a copy; a chunk elsewhere is the
   * next read's. Reading restarts, if it had stopped, once everything was taken.
   */
  private takeRx(): Buffer {
    const rx = this.rx;
    let chunk = rx[0]!;
    if (rx.length === 1) {
      this.lent = this.rxOwn;
      rx.length = 0;
    } else {
      this.lent = undefined;
      const n = adjoining(rx);
      const last = rx[n - 1]!;
      if (n > 1)
        chunk = Buffer.from(chunk.buffer, chunk.byteOffset, last.byteOffset + last.length - chunk.byteOffset);
      rx.splice(0, n);
    }
    this.rxOwn = undefined;
    this.rxBytes -= chunk.length;
    if ((this.flags & RX_STOPPED) !== 0 && rx.length === 0) {
      this.flags &= ~RX_STOPPED;
      this.flags |= IN_CALL;
      this.sock.resume();
      this.flags &= ~IN_CALL;
    }
    return chunk;
  }

  /**
   * A read of `n` bytes that says more is coming in the same event loop turn: announced from an
   * immediate (or with the next read that is not), so the reads of one turn make one notification.
   */
  protected moreFollows(_n: number): boolean {
    return false;
  }

  /**
   * The bytes of a read of `n` into `buf` as the chunk to queue, and the buffer the next read goes
   * into (`rxNext`). A small read is copied out of the shared buffer; a large one says the peer
   * sends in bulk, so the next read gets a buffer of its own, handed out as it is.
   */
  protected claim(n: number, buf: Buffer): Buffer {
    const own = n >= RX_OWN_MIN;
    // A buffer given back by recycle() takes reads of any size in place: its reader gives it back.
    const inPlace = buf !== RX_SHARED && (own || (this.flags & RX_NEXT_RECYCLED) !== 0);
    const chunk = inPlace ? buf.subarray(0, n) : copyOut(buf, n);
    // A large read says the peer is sending in bulk: the next read gets a buffer to keep, the one
    // recycle() gave back when there is one.
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined) this.flags |= RX_NEXT_RECYCLED;
    else this.flags &= ~RX_NEXT_RECYCLED;
    this.rxNext = spare ?? (own ? Buffer.allocUnsafe(RX_SIZE) : RX_SHARED);
    this.rxOwn = (this.flags & RECYCLING) !== 0 && inPlace && this.rx.length === 0 ? buf : undefined;
    return chunk;
  }

  /**
   * Receive through `onread` from now on, `first` being the first buffer, on a socket Node made
   * without it: Node takes the option only in the constructor of a socket it connects itself, and
   * tls.connect() over our TCP socket is not one. The option only sets three symbol-keyed fields
   * and gives the handle its first buffer (useUserBuffer); set here the same way, onStreamRead
   * hands every read to onReadCallback. Must run before anything was read. False, with nothing changed,
   * where this Node has other internals: the socket then stays a paused stream read with read().
   */
  protected receiveThroughOnread(first: Buffer): boolean {
    const sock = this.sock as OwnedSocket & Record<symbol, unknown>;
    const handle = (sock as unknown as { _handle?: { useUserBuffer?: unknown } | null })._handle;
    const fields = onreadFields(sock);
    if (fields === undefined || typeof handle?.useUserBuffer !== 'function' || sock.readableLength > 0) {
      return false;
    }
    this.rxNext = first;
    // The pair every socket we connect has: its callback finds this socket under OWNER and makes
    // it `receiving`, where the generator, called right after, takes rxNext from.
    sock[fields.gen] = NodeSocket.sharedOnread.buffer;
    sock[fields.callback] = NodeSocket.sharedOnread.callback;
    sock[fields.buffer] = first;
    (handle.useUserBuffer as (b: Buffer) => void).call(handle, first);
    return true;
  }

  /** Whether a chunk queued and not read yet lies in `block` (a subclass recycling its own memory). */
  protected queuedIn(block: ArrayBufferLike): boolean {
    for (const c of this.rx) if (c.buffer === block) return true;
    return false;
  }

  /**
   * The bytes read() handed out are referenced by nobody now: when they were the whole of one read
   * handed out in place, its buffer takes the next read instead of a new one (and, given back again,
   * the one after: a reader that recycles receives into two buffers whatever the read sizes). The
   * shared buffer and copies are never involved; a caller that may still hold a view must not call
   * this.
   */
  recycle(): void {
    this.flags |= RECYCLING;
    const lent = this.lent;
    this.lent = undefined;
    if (lent !== undefined && lent !== this.rxNext) this.spare = lent;
  }

  write(data: Uint8Array): number {
    if (
      (this.flags & CONNECTING) !== 0 ||
      (this.flags & DESTROYED) !== 0 ||
      this.err !== undefined ||
      (this.flags & CLOSED) !== 0
    )
      return 0;
    const sock = this.sock;
    if (sock.writableNeedDrain || sock.writableEnded) return 0;
    const n = data.length;
    if (n === 0) return 0;
    this.flags |= IN_CALL;
    // Node takes the whole chunk (kernel first, its own buffer for the rest). A false return sets
    // writableNeedDrain, so the next write() takes 0 until 'drain'.
    sock.write(data);
    this.flags &= ~IN_CALL;
    return n;
  }

  end(): void {
    if ((this.flags & DESTROYED) !== 0 || this.err !== undefined || this.sock.writableEnded) return;
    this.flags |= IN_CALL;
    this.sock.end();
    this.flags &= ~IN_CALL;
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.what = what;
    this.onReady = onReady;
    this.setRef((this.flags & HOLDS_WHILE_WATCHED) !== 0);
    this.cancelPending();
    const now = this.readyNow(what);
    if (now !== 0) this.schedule(now);
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = null;
    // A destroyed socket leaves the stream alone: after detach() it belongs to the TLS socket.
    if ((this.flags & DESTROYED) === 0) this.setRef(false);
    this.cancelPending();
  }

  /** Never keep the process alive, even while watched (net.Socket.unref). */
  unref(): void {
    this.flags &= ~HOLDS_WHILE_WATCHED;
    this.setRef(false);
  }

  /** Undo unref(): keep the process alive while watched. */
  ref(): void {
    this.flags |= HOLDS_WHILE_WATCHED;
    this.setRef(this.what !== 0);
  }

  private setRef(on: boolean): void {
    if (((this.flags & REFD) !== 0) === on) return;
    this.flags ^= REFD;
    if (on) this.sock.ref();
    else this.sock.unref();
  }

  destroy(): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.flags |= DESTROYED;
    // Not unwatch(): its unref would hide a handle that failed to close from leak checks.
    this.what = 0;
    this.onReady = null;
    this.cancelPending();
    // The listeners stay attached but inert (they check `destroyed` / `onReady`): the 'error'
    // listener must outlive any late error, and the net.Socket is dropped by Node after 'close'.
    this.sock.destroy();
  }

  /** The watched conditions that hold right now (level view). */
  private readyNow(what: number): number {
    if ((this.flags & END_CHECKED) === 0 && this.readState.ended) this.checkEnd();
    if (this.err !== undefined) return (what & IN_OUT) | Ready.ERR;
    let ev = 0;
    if (
      (what & Ready.IN) !== 0 &&
      (this.rxBytes > 0 ||
        this.sock.readableLength > 0 ||
        this.readState.ended ||
        (this.flags & CLOSED) !== 0)
    ) {
      ev |= Ready.IN;
    }
    if (
      (what & Ready.OUT) !== 0 &&
      (this.flags & CONNECTING) === 0 &&
      (this.flags & CLOSED) === 0 &&
      !this.sock.writableNeedDrain &&
      !this.sock.writableEnded
    ) {
      ev |= Ready.OUT;
    }
    return ev;
  }

  private schedule(bits: number): void {
    this.pending |= bits;
    if (this.immediate === null)
      this.immediate = setImmediate((this.onImmediate ??= () => this.deliverPending()));
  }

  private cancelPending(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    this.pending = 0;
  }

  /** notify(), from an immediate: what arrives until then is announced with it. */
  private notifySoon(bits: number): void {
    if (this.onReady === null) return;
    const events = bits & (this.what | Ready.ERR);
    if (events !== 0) this.schedule(events);
  }

  /** Deliver `bits` (masked by the watch; ERR always passes) to the watcher. */
  private notify(bits: number): void {
    if (this.onReady === null) return;
    const events = bits & (this.what | Ready.ERR);
    if (events === 0) return;
    if ((this.flags & IN_CALL) !== 0) {
      this.schedule(events);
      return;
    }
    // Fold a still-pending scheduled notification into this one.
    let all = events;
    if (this.immediate !== null) {
      all |= this.pending & (this.what | Ready.ERR);
      this.cancelPending();
    }
    this.onReady(all);
  }

  /** The pending notification's bits, from the immediate. */
  private deliverPending(): void {
    this.immediate = null;
    const events = this.pending & (this.what | Ready.ERR);
    this.pending = 0;
    if (events !== 0 && this.onReady !== null) this.onReady(events);
  }

  /**
   * onread's callback for every socket receiving through it (`this` is the net.Socket or
   * TLSSocket): `n` bytes arrived in `buf`; false stops reading (Node calls readStop). The whole
   * of the work is here, not in a method it calls: V8 would optimise both, each with the engine's
   * run inlined into it, twice the compiling for one path (a cold run's largest compile jobs).
   */
  private static readonly onReadCallback = function (this: OwnedSocket, n: number, buf: Buffer): boolean {
    const s = this[OWNER]!;
    receiving = s;
    if ((s.flags & DESTROYED) !== 0) return false;
    s.rx.push(s.claim(n, buf));
    s.rxBytes += n;
    if (s.moreFollows(n)) s.notifySoon(Ready.IN);
    else s.notify(Ready.IN);
    if (s.rxBytes < s.rxLimit || (s.flags & DESTROYED) !== 0) return (s.flags & DESTROYED) === 0;
    s.flags |= RX_STOPPED;
    return false;
  };

  /** The `onread` of every socket receiving through it: one pair of functions, not two closures per socket. */
  private static readonly sharedOnread: OnRead = {
    // The buffer the next read of the socket whose callback just ran goes into.
    buffer: () => (receiving === undefined ? RX_SHARED : receiving.rxNext),
    callback: NodeSocket.onReadCallback,
  };

  // The net.Socket's listeners, one function each for every socket (`this` is the net.Socket,
  // its NodeSocket under OWNER): a closure per listener and socket was ~340 bytes a connection.

  private static readonly onReadable = function (this: OwnedSocket): void {
    const s = this[OWNER]!;
    if ((s.flags & DESTROYED) !== 0) return;
    if ((s.flags & END_CHECKED) === 0 && s.readState.ended) s.checkEnd();
    s.notify(s.err === undefined ? Ready.IN : ALL);
  };

  private static readonly onConnect = function (this: OwnedSocket): void {
    const s = this[OWNER]!;
    if ((s.flags & DESTROYED) !== 0) return;
    s.flags &= ~CONNECTING;
    // From the handle into one scratch object: net.Socket's localAddress would keep an object of
    // its own on every socket (_sockname).
    const handle = (s.sock as unknown as NetSocketInternals)._handle;
    if (typeof handle?.getsockname === 'function' && handle.getsockname(SOCKNAME) === 0) {
      const address = SOCKNAME.address ?? '';
      if (address !== lastLocalAddress) lastLocalAddress = address;
      s.local = lastLocalAddress;
      s.localP = SOCKNAME.port ?? 0;
    } else {
      s.local = s.sock.localAddress ?? '';
      s.localP = s.sock.localPort ?? 0;
    }
    s.notify(Ready.OUT);
  };

  /** onConnect for a socket we connect: its 'readable' listener starts now. */
  private static readonly onTcpConnect = function (this: OwnedSocket): void {
    if ((this[OWNER]!.flags & DESTROYED) === 0) this.on('readable', NodeSocket.onReadable);
    NodeSocket.onConnect.call(this);
  };

  private static readonly onDrain = function (this: OwnedSocket): void {
    const s = this[OWNER]!;
    if ((s.flags & DESTROYED) === 0) s.notify(Ready.OUT);
  };

  private static readonly onError = function (this: OwnedSocket, err: Error): void {
    const s = this[OWNER]!;
    if ((s.flags & DESTROYED) !== 0) return;
    if (s.err === undefined) s.err = err;
    s.flags &= ~CONNECTING;
    s.notify(ALL);
  };

  private static readonly onClose = function (this: OwnedSocket, hadError: boolean): void {
    const s = this[OWNER]!;
    if ((s.flags & DESTROYED) !== 0 || hadError) return;
    // Torn down by Node without an error: after a normal EOF that is just more EOF; before it,
    // the stream lost its end, which the engine must treat like a reset.
    s.flags |= CLOSED;
    s.flags &= ~CONNECTING;
    if (!s.readState.ended && s.err === undefined) s.err = connectionClosedError();
    s.notify(ALL);
  };
}
