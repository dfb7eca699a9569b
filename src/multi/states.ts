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

/**
 * Whether a transfer may move from `from` to `to`: the moves allowed out of each state, and any
 * error goes straight to completed from any state before it. Switched on the target, which every
 * caller names as a constant: once inlined into a caller only that target's few tests of `from`
 * are left (switched on `from`, every call site kept the fifteen cases). A switch over constant
 * strings: a table looked up by the state's name was a keyed load whose key varies (missing V8's
 * inline caches on every state change), then an array scan.
 */
export function isAllowed(from: TransferState, to: TransferState): boolean {
  switch (to) {
    case 'setup':
      return from === 'init' || from === 'performing' || from === 'done' || from === 'do' || from === 'doing';
    case 'connect':
      return from === 'setup' || from === 'pending';
    case 'do':
      return from === 'connect' || from === 'protoconnect';
    case 'doing':
      return from === 'do';
    case 'did':
      return from === 'do' || from === 'doing';
    case 'performing':
      return from === 'did' || from === 'ratelimiting';
    case 'done':
      return from === 'performing';
    case 'completed':
      return from !== 'completed' && from !== 'msgsent';
    case 'msgsent':
      return from === 'completed';
    case 'pending':
    case 'resolving':
      return from === 'connect';
    case 'connecting':
      return from === 'connect' || from === 'resolving';
    case 'protoconnect':
      return from === 'connecting';
    case 'ratelimiting':
      return from === 'performing';
    case 'init':
      return false;
  }
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
