// Synthetic descriptors for sockets that have no OS descriptor we can see (a Node TCP handle
// creates its OS socket lazily, after `net.connect` returns; simulator sockets; name lookups).

/**
 * First synthetic descriptor: 2**24 is far above any real descriptor limit (the hard RLIMIT_NOFILE
 * here is 20000; Linux's fs.nr_open ceiling is 2**20), so synthetic and OS descriptors never clash.
 */
export const SYNTHETIC_FD_BASE = 2 ** 24;

let next = SYNTHETIC_FD_BASE;

/** A process-unique descriptor number, never reused (2**53 allocations before it could wrap). */
export function nextSyntheticFd(): number {
  return next++;
}
