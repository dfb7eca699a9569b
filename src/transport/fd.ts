// Socket numbers for sockets without an OS descriptor (lookups, simulated sockets, a TCP socket
// whose handle has no fd yet). They start at 2^24, far above any real descriptor (the hard
// limit here is 20,000), so they never clash with one.
let next = 2 ** 24;

export function nextSyntheticFd(): number {
  return next++;
}
