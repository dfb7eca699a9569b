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
 * The moves allowed out of each state; any error goes straight to completed, from any state before
 * it. A switch over constant strings: a table looked up by the state's name was a keyed load whose
 * key varies (missing V8's inline caches on every state change), then an array scan.
 */
export function isAllowed(from: TransferState, to: TransferState): boolean {
  if (to === 'completed') return from !== 'completed' && from !== 'msgsent';
  switch (from) {
    case 'init':
      return to === 'setup';
    case 'pending':
    case 'setup':
      return to === 'connect';
    case 'connect':
      return to === 'pending' || to === 'resolving' || to === 'connecting' || to === 'do';
    case 'resolving':
      return to === 'connecting';
    case 'connecting':
      return to === 'protoconnect';
    case 'protoconnect':
      return to === 'do';
    case 'do':
      return to === 'doing' || to === 'did' || to === 'setup';
    case 'doing':
      return to === 'did' || to === 'setup';
    case 'did':
      return to === 'performing';
    case 'performing':
      return to === 'ratelimiting' || to === 'done' || to === 'setup';
    case 'ratelimiting':
      return to === 'performing';
    case 'done':
      return to === 'setup';
    case 'completed':
      return to === 'msgsent';
    case 'msgsent':
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
