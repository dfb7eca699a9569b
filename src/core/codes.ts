// libcurl's result codes, with libcurl's numbers (libcurl-errors.md), so that exit codes and
// logs read the same as curl's. Kept as `const` objects + union types (no TS enums) so they
// erase cleanly and compare as plain numbers.

export const CurlCode = {
  OK: 0,
  UNSUPPORTED_PROTOCOL: 1,
  FAILED_INIT: 2,
  URL_MALFORMAT: 3,
  NOT_BUILT_IN: 4,
  COULDNT_RESOLVE_PROXY: 5,
  COULDNT_RESOLVE_HOST: 6,
  COULDNT_CONNECT: 7,
  WEIRD_SERVER_REPLY: 8,
  REMOTE_ACCESS_DENIED: 9,
  HTTP2: 16,
  PARTIAL_FILE: 18,
  QUOTE_ERROR: 21,
  HTTP_RETURNED_ERROR: 22,
  WRITE_ERROR: 23,
  UPLOAD_FAILED: 25,
  READ_ERROR: 26,
  OUT_OF_MEMORY: 27,
  OPERATION_TIMEDOUT: 28,
  RANGE_ERROR: 33,
  SSL_CONNECT_ERROR: 35,
  BAD_DOWNLOAD_RESUME: 36,
  FILE_COULDNT_READ_FILE: 37,
  ABORTED_BY_CALLBACK: 42,
  BAD_FUNCTION_ARGUMENT: 43,
  INTERFACE_FAILED: 45,
  TOO_MANY_REDIRECTS: 47,
  UNKNOWN_OPTION: 48,
  SETOPT_OPTION_SYNTAX: 49,
  GOT_NOTHING: 52,
  SSL_ENGINE_NOTFOUND: 53,
  SSL_ENGINE_SETFAILED: 54,
  SEND_ERROR: 55,
  RECV_ERROR: 56,
  SSL_CERTPROBLEM: 58,
  SSL_CIPHER: 59,
  PEER_FAILED_VERIFICATION: 60,
  BAD_CONTENT_ENCODING: 61,
  FILESIZE_EXCEEDED: 63,
  USE_SSL_FAILED: 64,
  SEND_FAIL_REWIND: 65,
  SSL_ENGINE_INITFAILED: 66,
  LOGIN_DENIED: 67,
  REMOTE_FILE_NOT_FOUND: 78,
  SSL_CACERT_BADFILE: 77,
  SSL_SHUTDOWN_FAILED: 80,
  AGAIN: 81,
  SSL_CRL_BADFILE: 82,
  SSL_ISSUER_ERROR: 83,
  CHUNK_FAILED: 88,
  NO_CONNECTION_AVAILABLE: 89,
  SSL_PINNEDPUBKEYNOTMATCH: 90,
  SSL_INVALIDCERTSTATUS: 91,
  HTTP2_STREAM: 92,
  RECURSIVE_API_CALL: 93,
  AUTH_ERROR: 94,
  HTTP3: 95,
  QUIC_CONNECT_ERROR: 96,
  PROXY: 97,
  SSL_CLIENTCERT: 98,
  UNRECOVERABLE_POLL: 99,
  TOO_LARGE: 100,
  ECH_REQUIRED: 101,
} as const;
export type CurlCode = (typeof CurlCode)[keyof typeof CurlCode];
export type CurlCodeName = keyof typeof CurlCode;

export const MultiCode = {
  OK: 0,
  BAD_HANDLE: 1,
  BAD_EASY_HANDLE: 2,
  OUT_OF_MEMORY: 3,
  INTERNAL_ERROR: 4,
  BAD_SOCKET: 5,
  UNKNOWN_OPTION: 6,
  ADDED_ALREADY: 7,
  RECURSIVE_API_CALL: 8,
  WAKEUP_FAILURE: 9,
  BAD_FUNCTION_ARGUMENT: 10,
  ABORTED_BY_CALLBACK: 11,
} as const;
export type MultiCode = (typeof MultiCode)[keyof typeof MultiCode];
export type MultiCodeName = keyof typeof MultiCode;

const curlNames = new Map<number, CurlCodeName>(
  Object.entries(CurlCode).map(([k, v]) => [v, k as CurlCodeName]),
);
const multiNames = new Map<number, MultiCodeName>(
  Object.entries(MultiCode).map(([k, v]) => [v, k as MultiCodeName]),
);

/** `CURLE_` name without the prefix, e.g. 28 -> 'OPERATION_TIMEDOUT'. */
export function curlCodeName(code: number): string {
  return curlNames.get(code) ?? `UNKNOWN_${code}`;
}
export function multiCodeName(code: number): string {
  return multiNames.get(code) ?? `UNKNOWN_${code}`;
}

// curl_easy_strerror() texts.
const curlTexts: Partial<Record<CurlCodeName, string>> = {
  OK: 'No error',
  UNSUPPORTED_PROTOCOL: 'Unsupported protocol',
  FAILED_INIT: 'Failed initialization',
  URL_MALFORMAT: 'URL using bad/illegal format or missing URL',
  NOT_BUILT_IN:
    'A requested feature, protocol or option was not found built-in in this libcurl due to a build-time decision.',
  COULDNT_RESOLVE_PROXY: 'Could not resolve proxy name',
  COULDNT_RESOLVE_HOST: 'Could not resolve hostname',
  COULDNT_CONNECT: 'Could not connect to server',
  WEIRD_SERVER_REPLY: 'Weird server reply',
  REMOTE_ACCESS_DENIED: 'Access denied to remote resource',
  HTTP2: 'Error in the HTTP2 framing layer',
  PARTIAL_FILE: 'Transferred a partial file',
  HTTP_RETURNED_ERROR: 'HTTP response code said error',
  WRITE_ERROR: 'Failed writing received data to disk/application',
  UPLOAD_FAILED: 'Upload failed (at start/before it took off)',
  READ_ERROR: 'Failed to open/read local data from file/application',
  OUT_OF_MEMORY: 'Out of memory',
  OPERATION_TIMEDOUT: 'Timeout was reached',
  RANGE_ERROR: 'Requested range was not delivered by the server',
  SSL_CONNECT_ERROR: 'SSL connect error',
  BAD_DOWNLOAD_RESUME: 'Could not resume download',
  FILE_COULDNT_READ_FILE: 'Could not read a file:// file',
  ABORTED_BY_CALLBACK: 'Operation was aborted by an application callback',
  BAD_FUNCTION_ARGUMENT: 'A libcurl function was given a bad argument',
  INTERFACE_FAILED: 'Failed binding local connection end',
  TOO_MANY_REDIRECTS: 'Number of redirects hit maximum amount',
  UNKNOWN_OPTION: 'An unknown option was passed in to libcurl',
  SETOPT_OPTION_SYNTAX: 'Malformed option provided in a setopt',
  GOT_NOTHING: 'Server returned nothing (no headers, no data)',
  SEND_ERROR: 'Failed sending data to the peer',
  RECV_ERROR: 'Failure when receiving data from the peer',
  SSL_CERTPROBLEM: 'Problem with the local SSL certificate',
  SSL_CIPHER: 'Could not use specified SSL cipher',
  PEER_FAILED_VERIFICATION: 'SSL peer certificate or SSH remote key was not OK',
  BAD_CONTENT_ENCODING: 'Unrecognized or bad HTTP Content or Transfer-Encoding',
  FILESIZE_EXCEEDED: 'Maximum file size exceeded',
  USE_SSL_FAILED: 'Requested SSL level failed',
  SEND_FAIL_REWIND: 'Send failed since rewinding of the data stream failed',
  LOGIN_DENIED: 'Login denied',
  SSL_CACERT_BADFILE: 'Problem with the SSL CA cert (path? access rights?)',
  AGAIN: 'Socket not ready for send/recv',
  NO_CONNECTION_AVAILABLE: 'The max connection limit is reached',
  SSL_PINNEDPUBKEYNOTMATCH: 'SSL public key does not match pinned public key',
  HTTP2_STREAM: 'Stream error in the HTTP/2 framing layer',
  RECURSIVE_API_CALL: 'API function called from within callback',
  AUTH_ERROR: 'An authentication function returned an error',
  PROXY: 'Proxy handshake error',
  TOO_LARGE: 'A value or data field grew larger than allowed',
};

/** curl_easy_strerror(). */
export function curlStrerror(code: number): string {
  return curlTexts[curlNames.get(code) as CurlCodeName] ?? `Unknown error (${code})`;
}

const multiTexts: Record<MultiCodeName, string> = {
  OK: 'No error',
  BAD_HANDLE: 'Invalid multi handle',
  BAD_EASY_HANDLE: 'Invalid easy handle',
  OUT_OF_MEMORY: 'Out of memory',
  INTERNAL_ERROR: 'Internal error',
  BAD_SOCKET: 'Invalid socket argument',
  UNKNOWN_OPTION: 'Unknown option',
  ADDED_ALREADY: 'The easy handle is already added to a multi handle',
  RECURSIVE_API_CALL: 'API function called from within callback',
  WAKEUP_FAILURE: 'Wakeup is unavailable or failed',
  BAD_FUNCTION_ARGUMENT: 'A libcurl function was given a bad argument',
  ABORTED_BY_CALLBACK: 'Operation was aborted by an application callback',
};

/** curl_multi_strerror(). */
export function multiStrerror(code: number): string {
  return multiTexts[multiNames.get(code) as MultiCodeName] ?? `Unknown error (${code})`;
}

/** CURLproxycode: why a proxy handshake failed (getInfo().proxyError after PROXY, 97). */
export const ProxyCode = {
  OK: 0,
  BAD_ADDRESS_TYPE: 1,
  BAD_VERSION: 2,
  CLOSED: 3,
  GSSAPI: 4,
  GSSAPI_PERMSG: 5,
  GSSAPI_PROTECTION: 6,
  IDENTD: 7,
  IDENTD_DIFFER: 8,
  LONG_HOSTNAME: 9,
  LONG_PASSWD: 10,
  LONG_USER: 11,
  NO_AUTH: 12,
  RECV_ADDRESS: 13,
  RECV_AUTH: 14,
  RECV_CONNECT: 15,
  RECV_REQACK: 16,
  REPLY_ADDRESS_TYPE_NOT_SUPPORTED: 17,
  REPLY_COMMAND_NOT_SUPPORTED: 18,
  REPLY_CONNECTION_REFUSED: 19,
  REPLY_GENERAL_SERVER_FAILURE: 20,
  REPLY_HOST_UNREACHABLE: 21,
  REPLY_NETWORK_UNREACHABLE: 22,
  REPLY_NOT_ALLOWED: 23,
  REPLY_TTL_EXPIRED: 24,
  REPLY_UNASSIGNED: 25,
  REQUEST_FAILED: 26,
  RESOLVE_HOST: 27,
  SEND_AUTH: 28,
  SEND_CONNECT: 29,
  SEND_REQUEST: 30,
  UNKNOWN_FAIL: 31,
  UNKNOWN_MODE: 32,
  USER_REJECTED: 33,
} as const;
export type ProxyCode = (typeof ProxyCode)[keyof typeof ProxyCode];

const proxyNames = new Map<number, string>(Object.entries(ProxyCode).map(([k, v]) => [v, k]));

/** `CURLPX_` name without the prefix, e.g. 19 -> 'REPLY_CONNECTION_REFUSED'. */
export function proxyCodeName(code: number): string {
  return proxyNames.get(code) ?? `UNKNOWN_${code}`;
}
