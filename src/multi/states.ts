// A transfer's states (libcurl's MSTATE_*) and the moves allowed between them. Only
// `transition()` assigns a state; an illegal move is an engine bug and throws.

export type TransferState =
  | 'init'
  | 'pending'
  | 'setup'
  | 'connect'
  | 'resolving'
  | 'connecting'
  | 'protoconnect'
  | 'do'
  | 'doing'
  | 'did'
  | 'performing'
  | 'ratelimiting'
  | 'done'
  | 'completed'
  | 'msgsent';

const allowed: Record<TransferState, readonly TransferState[]> = {
  init: ['setup'],
  pending: ['connect'],
  setup: ['connect'],
  connect: ['pending', 'resolving', 'connecting', 'do'],
  resolving: ['connecting'],
  connecting: ['protoconnect'],
  protoconnect: ['do'],
  do: ['doing', 'did', 'setup'],
  doing: ['did', 'setup'],
  did: ['performing'],
  performing: ['ratelimiting', 'done', 'setup'],
  ratelimiting: ['performing'],
  done: ['completed', 'setup'],
  completed: ['msgsent'],
  msgsent: [],
};

/**
 * Any error goes straight to completed, from any state before it. (A scan of at most four
 * constant strings: cheaper than a Map and a Set lookup, each hashing, on every state change.)
 */
export function isAllowed(from: TransferState, to: TransferState): boolean {
  if (to === 'completed') return from !== 'completed' && from !== 'msgsent';
  return allowed[from].includes(to);
}

/** States in which the connect timeout applies (connect until the protocol is connected). */
export function inConnectPhase(s: TransferState): boolean {
  return (
    s === 'pending' ||
    s === 'setup' ||
    s === 'connect' ||
    s === 'resolving' ||
    s === 'connecting' ||
    s === 'protoconnect'
  );
}
