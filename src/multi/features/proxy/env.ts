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

/**
 * A view of `env`'s proxy variables that reads each one at most once. Reading `process.env` goes
 * through the C++ environment for every name (about 0.3 us each on Node 20, three per transfer
 * without a proxy); the Multi keeps one view per API call, so the transfers started in the same
 * call share the reads. One field per variable and a getter each (named loads the optimizer
 * inlines): a Map of the values read and a keyed load by a varying name cost more than a read.
 */
export function proxyEnvironment(env: Environment): Environment {
  return new ProxyVariables(env) as unknown as Environment;
}

/** A variable's field before it was read (a read gives a string or undefined). */
const UNREAD = null;

type Read = string | undefined | typeof UNREAD;

class ProxyVariables {
  private noProxyLower: Read = UNREAD;
  private noProxyUpper: Read = UNREAD;
  private httpProxy: Read = UNREAD;
  private httpsProxyLower: Read = UNREAD;
  private httpsProxyUpper: Read = UNREAD;
  private allProxyLower: Read = UNREAD;
  private allProxyUpper: Read = UNREAD;
  constructor(private readonly source: Environment) {}

  get no_proxy(): string | undefined {
    const v = this.noProxyLower;
    return v !== UNREAD ? v : (this.noProxyLower = this.source.no_proxy);
  }
  get NO_PROXY(): string | undefined {
    const v = this.noProxyUpper;
    return v !== UNREAD ? v : (this.noProxyUpper = this.source.NO_PROXY);
  }
  get http_proxy(): string | undefined {
    const v = this.httpProxy;
    return v !== UNREAD ? v : (this.httpProxy = this.source.http_proxy);
  }
  get https_proxy(): string | undefined {
    const v = this.httpsProxyLower;
    return v !== UNREAD ? v : (this.httpsProxyLower = this.source.https_proxy);
  }
  get HTTPS_PROXY(): string | undefined {
    const v = this.httpsProxyUpper;
    return v !== UNREAD ? v : (this.httpsProxyUpper = this.source.HTTPS_PROXY);
  }
  get all_proxy(): string | undefined {
    const v = this.allProxyLower;
    return v !== UNREAD ? v : (this.allProxyLower = this.source.all_proxy);
  }
  get ALL_PROXY(): string | undefined {
    const v = this.allProxyUpper;
    return v !== UNREAD ? v : (this.allProxyUpper = this.source.ALL_PROXY);
  }
}

/** `<scheme>_proxy` and its upper-case form for a scheme other than http and https. */
function proxyVariablesFor(scheme: string): readonly string[] {
  const lower = `${scheme.toLowerCase()}_proxy`;
  return lower === 'http_proxy' ? [lower] : [lower, lower.toUpperCase()];
}

/** curl_getenv(): an empty variable counts as unset. */
function set(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

function get(env: Environment, name: string): string | undefined {
  const v = env[name];
  return set(v) ? v : undefined;
}

/**
 * The first of the scheme's proxy variables that is set, with its value: `<scheme>_proxy`, its
 * upper-case form except for http (see above), then all_proxy / ALL_PROXY. The engine's two
 * schemes by name (each a named load).
 */
function proxyVariable(scheme: string, env: Environment): [name: string, value: string] | undefined {
  let v: string | undefined;
  if (scheme === 'http') {
    if (set((v = env.http_proxy))) return ['http_proxy', v];
  } else if (scheme === 'https') {
    if (set((v = env.https_proxy))) return ['https_proxy', v];
    if (set((v = env.HTTPS_PROXY))) return ['HTTPS_PROXY', v];
  } else {
    for (const name of proxyVariablesFor(scheme)) if (set((v = env[name]))) return [name, v];
  }
  if (set((v = env.all_proxy))) return ['all_proxy', v];
  if (set((v = env.ALL_PROXY))) return ['ALL_PROXY', v];
  return undefined;
}

/** The choice of most transfers: no proxy option and no proxy variable (one object for all of them). */
const NO_PROXY_CHOICE: ProxyChoice = Object.freeze({
  proxy: undefined,
  preProxy: undefined,
  source: undefined,
  info: Object.freeze([]) as unknown as string[],
});

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
  // With neither proxy option, the proxy variables decide: when none is set there is no proxy
  // whatever no_proxy says, and its two variables are not read (a process.env read is a C++ call;
  // a transfer without a proxy reads three instead of five). Without a proxy nobody reads `info`.
  let envProxy: [name: string, value: string] | undefined;
  if (options.proxy === undefined && options.preProxy === undefined) {
    envProxy = proxyVariable(scheme, env);
    if (envProxy === undefined) return NO_PROXY_CHOICE;
  }
  return chooseGivenProxy(options, host, env, envProxy);
}

/**
 * chooseProxy with a proxy option or variable set (in a function of its own: the common choice of
 * no proxy stays small bytecode, optimized after fewer transfers).
 */
function chooseGivenProxy(
  options: { proxy?: string | undefined; noProxy?: string | undefined; preProxy?: string | undefined },
  host: string,
  env: Environment,
  envProxy: [name: string, value: string] | undefined,
): ProxyChoice {
  let proxy = options.proxy;
  let preProxy = options.preProxy;
  let source: string | undefined = proxy === undefined ? undefined : 'option';
  const info: string[] = [];
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
