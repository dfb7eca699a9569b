// Which proxy a transfer uses, as libcurl decides it (lib/url.c: detect_proxy and its caller):
//  - the `proxy` option when set ('' = no proxy, and the environment is not read);
//  - else, unless the host matches `noProxy` (the option, else no_proxy / NO_PROXY), the variable
//    `<scheme>_proxy`, its upper-case form except for http (HTTP_PROXY is ignored: under CGI it
//    comes from the request's Proxy header), then all_proxy / ALL_PROXY;
//  - `noProxy` also turns off a `proxy` and `preProxy` set as options.
import { checkNoProxy } from './noproxy.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ProxyChoice {
  /** The proxy string to use, or undefined for a direct connection. */
  proxy: string | undefined;
  /** The SOCKS proxy to reach the proxy through (preProxy), or undefined. */
  preProxy: string | undefined;
  /** Where `proxy` came from: 'option' or the variable's name. */
  source: string | undefined;
  /** curl's verbose lines for the variables read ("Uses proxy env variable ..."). */
  info: string[];
}

/** Every variable chooseProxy may read (the engine's URL schemes are http and https). */
const PROXY_VARIABLES = [
  'no_proxy',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'HTTPS_PROXY',
  'all_proxy',
  'ALL_PROXY',
] as const;

/**
 * A view of `env`'s proxy variables that reads each one at most once. Reading `process.env` goes
 * through the C++ environment for every name (0.5-1.5 us each on Node 20, five per transfer); the
 * Multi keeps one view per API call, so the transfers started in the same call share the reads.
 */
export function proxyEnvironment(env: Environment): Environment {
  return new ProxyVariables(env) as unknown as Environment;
}

class ProxyVariables {
  readonly values = new Map<string, string | undefined>();
  constructor(readonly source: Environment) {}
}
for (const name of PROXY_VARIABLES) {
  Object.defineProperty(ProxyVariables.prototype, name, {
    get(this: ProxyVariables): string | undefined {
      if (this.values.has(name)) return this.values.get(name);
      const v = this.source[name];
      this.values.set(name, v);
      return v;
    },
  });
}

const HTTP_NAMES = ['http_proxy', 'all_proxy', 'ALL_PROXY'];
const HTTPS_NAMES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'];

/** `<scheme>_proxy`, its upper-case form except for http (see above), then all_proxy / ALL_PROXY. */
function proxyVariablesFor(scheme: string): readonly string[] {
  if (scheme === 'http') return HTTP_NAMES;
  if (scheme === 'https') return HTTPS_NAMES;
  const lower = `${scheme.toLowerCase()}_proxy`;
  const names = lower === 'http_proxy' ? [lower] : [lower, lower.toUpperCase()];
  names.push('all_proxy', 'ALL_PROXY');
  return names;
}

/** curl_getenv(): an empty variable counts as unset. */
function get(env: Environment, name: string): string | undefined {
  const v = env[name];
  return v === '' ? undefined : v;
}

/** The first of the scheme's proxy variables that is set, with its value. */
function proxyVariable(scheme: string, env: Environment): [name: string, value: string] | undefined {
  for (const name of proxyVariablesFor(scheme)) {
    const v = get(env, name);
    if (v !== undefined) return [name, v];
  }
  return undefined;
}

/**
 * @param scheme the URL's scheme without ':' ('http', 'https')
 * @param host the URL's host (IPv6 in brackets)
 */
export function chooseProxy(
  options: { proxy?: string | undefined; noProxy?: string | undefined; preProxy?: string | undefined },
  scheme: string,
  host: string,
  env: Environment,
): ProxyChoice {
  const info: string[] = [];
  let proxy = options.proxy;
  let preProxy = options.preProxy;
  let source: string | undefined = proxy === undefined ? undefined : 'option';
  // With neither proxy option, the proxy variables decide: when none is set there is no proxy
  // whatever no_proxy says, and its two variables are not read (a process.env read is a C++ call;
  // a transfer without a proxy reads three instead of five). Without a proxy nobody reads `info`.
  let envProxy: [name: string, value: string] | undefined;
  if (proxy === undefined && preProxy === undefined) {
    envProxy = proxyVariable(scheme, env);
    if (envProxy === undefined) return { proxy: undefined, preProxy: undefined, source: undefined, info };
  }
  let noProxy = options.noProxy;
  if (noProxy === undefined) {
    for (const name of ['no_proxy', 'NO_PROXY']) {
      noProxy = get(env, name);
      if (noProxy !== undefined) {
        info.push(`Uses proxy env variable ${name} == '${noProxy}'`);
        break;
      }
    }
  }
  if (checkNoProxy(host, noProxy)) {
    proxy = undefined;
    preProxy = undefined;
    source = undefined;
  } else if (envProxy !== undefined) {
    const [name, v] = envProxy;
    info.push(`Uses proxy env variable ${name} == '${v}'`);
    proxy = v;
    source = name;
  }
  if (proxy === '') {
    proxy = undefined;
    source = undefined;
  }
  if (preProxy === '') preProxy = undefined;
  return { proxy, preProxy, source, info };
}
