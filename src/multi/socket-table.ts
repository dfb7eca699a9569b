// Per-socket interest bookkeeping (libcurl's multi_ev.c): for every socket the count of readers
// and writers among its users (a connection for its socket, a transfer for its name lookup); the
// socket callback fires only when the combined IN/OUT mask changes, naming the transfer whose run
// caused the change. One registration per socket, however many transfers a connection carries.
import type { Socket } from '../transport/types.js';
import { Poll } from './constants.js';

export interface SocketUser {
  /** The socket and interest announced for this user last time (undefined / 0: none). */
  pollSocket: Socket | undefined;
  pollWhat: number;
}

export interface SocketEntry<U extends SocketUser> {
  /** Fixed while the entry is in the table (entries are recycled after a REMOVE). */
  socket: Socket;
  readers: number;
  writers: number;
  /**
   * Users with a non-zero interest in this socket (normally one: its connection). A first user
   * gets an array of its own (`[user]`): a push onto an empty array reserves 17 slots (152 bytes).
   */
  users: U[];
  /** The mask last told to the application; 0 = not announced. */
  announced: number;
  socketp: unknown;
}

/** The socket callback: `cause` is the transfer whose run changed the interest (null: none). */
export type Announce<C> = (cause: C | null, socket: Socket, what: number, socketp: unknown) => void;

/**
 * Entries kept for reuse. A keep-alive connection is REMOVEd when its transfer ends and announced
 * again for the next request, so without this every request allocates an entry and its users array
 * (~0.4 KB, 3% of a small request's allocation).
 */
const SPARE_ENTRIES = 256;

/** The users of an entry nobody uses yet (never written: a first user replaces it). */
const NO_USERS: never[] = [];

export class SocketTable<U extends SocketUser, C> {
  private readonly entries = new Map<number, SocketEntry<U>>();
  private readonly spare: SocketEntry<U>[] = [];

  constructor(private readonly announce: Announce<C>) {}

  get size(): number {
    return this.entries.size;
  }

  get(fd: number): SocketEntry<U> | undefined {
    return this.entries.get(fd);
  }

  /** curl_multi_assign: false for an unknown socket. */
  assign(fd: number, socketp: unknown): boolean {
    const e = this.entries.get(fd);
    if (e === undefined) return false;
    e.socketp = socketp;
    return true;
  }

  /** Set `user`'s interest to (socket, what); calls back for every socket whose mask changes. */
  update(user: U, socket: Socket | undefined, what: number, cause: C | null): void {
    const oldSocket = user.pollSocket;
    const oldWhat = user.pollWhat;
    if (socket === undefined || what === 0) {
      socket = undefined;
      what = 0;
    }
    if (oldSocket === socket && oldWhat === what) return;
    user.pollSocket = socket;
    user.pollWhat = what;
    let oldEntry: SocketEntry<U> | undefined;
    if (oldSocket !== undefined && oldWhat !== 0) {
      oldEntry = this.entries.get(oldSocket.fd);
      if (oldEntry !== undefined) {
        if (oldWhat & Poll.IN) oldEntry.readers--;
        if (oldWhat & Poll.OUT) oldEntry.writers--;
        if (oldSocket !== socket) {
          const users = oldEntry.users;
          const i = users.indexOf(user);
          // pop() for the last (HTTP/1's only) user: splice() allocates the array it returns.
          if (i === users.length - 1) users.pop();
          else if (i >= 0) users.splice(i, 1);
        }
      }
    }
    let newEntry: SocketEntry<U> | undefined;
    if (socket !== undefined) {
      newEntry = this.entries.get(socket.fd);
      if (newEntry === undefined) {
        newEntry = this.spare.pop();
        if (newEntry === undefined) {
          newEntry = { socket, readers: 0, writers: 0, users: NO_USERS, announced: 0, socketp: undefined };
        } else {
          newEntry.socket = socket;
          newEntry.readers = newEntry.writers = newEntry.announced = 0;
        }
        this.entries.set(socket.fd, newEntry);
      }
      if (what & Poll.IN) newEntry.readers++;
      if (what & Poll.OUT) newEntry.writers++;
      if (oldSocket !== socket) {
        if (newEntry.users.length === 0) newEntry.users = [user];
        else newEntry.users.push(user);
      }
    }
    if (oldEntry !== undefined && oldEntry !== newEntry) this.settle(oldEntry, cause);
    if (newEntry !== undefined) this.settle(newEntry, cause);
  }

  private settle(e: SocketEntry<U>, cause: C | null): void {
    const mask = (e.readers > 0 ? Poll.IN : 0) | (e.writers > 0 ? Poll.OUT : 0);
    if (mask === e.announced) {
      if (mask === 0) {
        this.entries.delete(e.socket.fd);
        this.recycle(e);
      }
      return;
    }
    if (mask === 0) {
      this.entries.delete(e.socket.fd);
      const socketp = e.socketp;
      e.announced = 0;
      e.socketp = undefined;
      this.announce(cause, e.socket, Poll.REMOVE, socketp);
      this.recycle(e);
      return;
    }
    e.announced = mask;
    this.announce(cause, e.socket, mask, e.socketp);
  }

  /** A removed entry back to the spares (reset when taken). */
  private recycle(e: SocketEntry<U>): void {
    if (e.users.length !== 0 || this.spare.length >= SPARE_ENTRIES) return;
    e.socketp = undefined;
    this.spare.push(e);
  }

  /** Every entry (for close() and the dead-multi path only: O(sockets)). */
  all(): SocketEntry<U>[] {
    return [...this.entries.values()];
  }

  clear(): void {
    this.entries.clear();
  }
}
