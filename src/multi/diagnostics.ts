// Every diagnostics channel tscurl publishes, declared in one place (undici's diagnostics.js).
// Messages are built only when someone subscribes.
import dc from 'node:diagnostics_channel';
import { debuglog } from 'node:util';

export const channels = {
  /** { id, easy, from, to }: a transfer changed state (libcurl's mstate()). */
  transferState: dc.channel('tscurl:transfer:state'),
  /** { id, easy, result, error }: a transfer completed. */
  transferDone: dc.channel('tscurl:transfer:done'),
  /** { id, host, port, ip }: a connection was established. */
  connectionOpen: dc.channel('tscurl:connection:open'),
  /** { id, host, port, reason }: a connection was closed. */
  connectionClose: dc.channel('tscurl:connection:close'),
  /** { id, host, port, requests }: an idle connection was taken from the pool. */
  connectionReuse: dc.channel('tscurl:connection:reuse'),
} as const;

/** NODE_DEBUG=tscurl */
export const debug = debuglog('tscurl');
