// The URL parser against libcurl's own URL API tests (tests/libtest/lib1560.c: get_url_list,
// get_parts_list, set_url_list), adapted where a case needs a flag we do not have (default
// scheme, no-authority). Each row: input, flags, and the normalised URL or the CURLUcode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CurlCode } from '../../src/core/codes.js';
import {
  type CurlUrl,
  MAX_URL_LENGTH,
  parseCurlUrl,
  removeDotSegments,
  requestTarget,
  resolveUrl,
  UrlCode,
  UrlError,
  type UrlFlags,
  urlToString,
  utf8Bytes,
} from '../../src/proto/url.js';

const G: UrlFlags = { guessScheme: true, nonSupportScheme: true };
const NONE: UrlFlags = {};
const ENC: UrlFlags = { urlEncode: true, allowSpace: true };

function outcome(input: string, flags: UrlFlags): string | number {
  try {
    return urlToString(parseCurlUrl(input, flags));
  } catch (e) {
    if (e instanceof UrlError) return e.code;
    throw e;
  }
}

const parseCases: Array<[string, UrlFlags, string | number]> = [
  // schemes, slashes
  ['HTTP://test/', NONE, 'http://test/'],
  [
    'http:/user:password@example.com:1234/path/html?query=name#anchor',
    NONE,
    'http://user:password@example.com:1234/path/html?query=name#anchor',
  ],
  [
    'http:///user:password@example.com:1234/path/html?query=name#anchor',
    NONE,
    'http://user:password@example.com:1234/path/html?query=name#anchor',
  ],
  ['http:////user:password@example.com:1234/path/html?query=name#anchor', NONE, UrlCode.BAD_SLASHES],
  ['http:/@example.com:123', NONE, 'http://@example.com:123/'],
  ['http:/:password@example.com', NONE, 'http://:password@example.com/'],
  ['http:host', G, UrlCode.BAD_PORT_NUMBER],
  ['http:host:80/x', G, UrlCode.BAD_PORT_NUMBER],
  ['tp://example.com/path/html', NONE, UrlCode.UNSUPPORTED_SCHEME],
  ['tp://example.com/path/html', { nonSupportScheme: true }, 'tp://example.com/path/html'],
  [
    'custom-scheme://host?expected=test-good',
    { nonSupportScheme: true },
    'custom-scheme://host/?expected=test-good',
  ],
  ['custom-scheme://?expected=test-bad', { nonSupportScheme: true }, UrlCode.NO_HOST],
  ['example://foo', NONE, UrlCode.UNSUPPORTED_SCHEME],
  ['example.com/path/html', NONE, UrlCode.BAD_SCHEME],
  ['1h://example.net', NONE, UrlCode.BAD_SCHEME],
  ['..://example.net', NONE, UrlCode.BAD_SCHEME],
  [
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA://hostname/path',
    { nonSupportScheme: true },
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa://hostname/path',
  ],
  [
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA://hostname/path',
    { nonSupportScheme: true },
    UrlCode.BAD_SCHEME,
  ],
  ['ftp+more://example.net', { nonSupportScheme: true }, 'ftp+more://example.net/'],
  // guessing
  ['example.com/path/html', G, 'http://example.com/path/html'],
  ['ftp.example.com/path/html', G, 'ftp://ftp.example.com/path/html'],
  ['FTP.example.com', G, 'ftp://FTP.example.com/'],
  ['dict.example.com/path/html', G, 'dict://dict.example.com/path/html'],
  ['ldap.com/path/html', G, 'ldap://ldap.com/path/html'],
  ['imap.example.com/path/html', G, 'imap://imap.example.com/path/html'],
  ['smtp.example.com/path/html', G, 'smtp://smtp.example.com/path/html'],
  ['pop3.example.com/path/html', G, 'pop3://pop3.example.com/path/html'],
  ['https.example.com/path/html', G, 'http://https.example.com/path/html'],
  ['ftp/path/html', G, 'http://ftp/path/html'],
  ['user:moo@ftp.example.com/color/#green?no-red', G, 'ftp://user:moo@ftp.example.com/color/#green?no-red'],
  ['ftp.user:moo@example.com/color/#green?no-red', G, 'http://ftp.user:moo@example.com/color/#green?no-red'],
  ['boing:80', G, 'http://boing:80/'],
  ['boing:', G, UrlCode.BAD_PORT_NUMBER],
  ['about:80', G, 'http://about:80/'],
  ['[::1]', G, 'http://[::1]/'],
  ['[0:0:0:0:0:0:0:1]', G, 'http://[::1]/'],
  ['[::]', G, 'http://[::]/'],
  ['0', G, 'http://0.0.0.0/'],
  ['08', G, 'http://08/'],
  ['018.0.0.0', G, 'http://018.0.0.0/'],
  ['07.1', G, 'http://7.0.0.1/'],
  ['0x7.1', G, 'http://7.0.0.1/'],
  ['0x', G, 'http://0x/'],
  ['0xa', G, 'http://0.0.0.10/'],
  ['0xg', G, 'http://0xg/'],
  // junk, spaces, length
  ['', NONE, UrlCode.MALFORMED_INPUT],
  [' ', NONE, UrlCode.MALFORMED_INPUT],
  [' http://host/file', NONE, UrlCode.MALFORMED_INPUT],
  ['http://host/file\r', NONE, UrlCode.MALFORMED_INPUT],
  ['http://host/file\n\x03', NONE, UrlCode.MALFORMED_INPUT],
  ['http://host/path/?\x01#\x02', ENC, UrlCode.MALFORMED_INPUT],
  ['http://host/path\x7fwith space/', ENC, UrlCode.MALFORMED_INPUT],
  ['http://host:\x1f80/path/', ENC, UrlCode.MALFORMED_INPUT],
  ['https://user:password@example.net/get?this=and what', NONE, UrlCode.MALFORMED_INPUT],
  [
    'https://user:password@example.net/ge t?this=and-what',
    ENC,
    'https://user:password@example.net/ge%20t?this=and-what',
  ],
  ['https://user@example.net?he l lo', ENC, 'https://user@example.net/?he+l+lo'],
  ['https://curl.se/#  ', ENC, 'https://curl.se/#%20%20'],
  ['https:// example.com?check', NONE, UrlCode.MALFORMED_INPUT],
  ['https://e x a m p l e.com?check', ENC, UrlCode.BAD_HOSTNAME],
  ['http:/@example.com: 123/', NONE, UrlCode.MALFORMED_INPUT],
  ['http:/@example.com:123a/', NONE, UrlCode.BAD_PORT_NUMBER],
  [
    'https://example.com/r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s',
    ENC,
    'https://example.com/r%C3%A4ksm%C3%B6rg%C3%A5s',
  ],
  // ports
  ['http://host:65535/', NONE, 'http://host:65535/'],
  ['http://host:65536/', NONE, UrlCode.BAD_PORT_NUMBER],
  ['https://example.com:-1#moo', NONE, UrlCode.BAD_PORT_NUMBER],
  ['http://host:0/', NONE, 'http://host:0/'],
  ['http://host:00080/', NONE, 'http://host:80/'],
  ['https://example.com:000000000000000000000443/foo', NONE, 'https://example.com:443/foo'],
  ['http://host:/x', NONE, 'http://host/x'],
  ['https://fe80:8080::1/', NONE, UrlCode.BAD_PORT_NUMBER],
  ['https://::1/', NONE, UrlCode.BAD_PORT_NUMBER],
  ['http://example.com:80', NONE, 'http://example.com:80/'],
  // hosts
  ['http:///', NONE, UrlCode.NO_HOST],
  ['https://?q=1', NONE, UrlCode.NO_HOST],
  ['http://a:b@/x', NONE, UrlCode.NO_HOST],
  ['http://', NONE, UrlCode.NO_HOST],
  ['http://HO0_-st%41/', NONE, 'http://HO0_-stA/'],
  ['http://HO0_-st..~./', NONE, 'http://HO0_-st..~./'],
  ['http://-atest/', NONE, 'http://-atest/'],
  ['https://example.com./', NONE, 'https://example.com./'],
  ['http://hej../', NONE, UrlCode.BAD_HOSTNAME],
  ['http://hej..../index.html', NONE, UrlCode.BAD_HOSTNAME],
  ['http://./', NONE, UrlCode.BAD_HOSTNAME],
  ['http://..', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam|ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam{}[]ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam{ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam]ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam\\ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://exam$ple.net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://example,net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://example+net', NONE, UrlCode.BAD_HOSTNAME],
  ['https://example.net/}', NONE, 'https://example.net/}'],
  ['https://test%test', NONE, UrlCode.BAD_HOSTNAME],
  ['http://example.com%40127.0.0.1/', NONE, UrlCode.BAD_HOSTNAME],
  ['http://example.com%3a127.0.0.1/', NONE, UrlCode.BAD_HOSTNAME],
  ['http://example.com%2F127.0.0.1/', NONE, UrlCode.BAD_HOSTNAME],
  ['http://example.com%09127.0.0.1/', NONE, UrlCode.BAD_HOSTNAME],
  ['https://%41', NONE, 'https://A/'],
  ['https://%20', NONE, UrlCode.BAD_HOSTNAME],
  ['https://%41%0D', NONE, UrlCode.BAD_HOSTNAME],
  ['https://%25', NONE, UrlCode.BAD_HOSTNAME],
  ['https://_%c0_', NONE, 'https://_\xc0_/'],
  ['https://r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.se/', NONE, 'https://r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.se/'],
  // IPv4
  ['https://127.0.0.%31.', NONE, 'https://127.0.0.1/'],
  ['https://127.0.0.0%78f%46.', NONE, 'https://127.0.0.255/'],
  ['https://%30%31%37%37%2e%31', NONE, 'https://127.0.0.1/'],
  ['https://16843009', NONE, 'https://1.1.1.1/'],
  ['https://0177.1', NONE, 'https://127.0.0.1/'],
  ['https://0111.02.0x3', NONE, 'https://73.2.0.3/'],
  ['https://0111.02.030.', NONE, 'https://73.2.0.24/'],
  ['https://0xff.0xff.0377.255', NONE, 'https://255.255.255.255/'],
  ['https://1.0xffffff', NONE, 'https://1.255.255.255/'],
  ['https://1.0x1000000', NONE, 'https://1.0x1000000/'],
  ['https://192.0x0000A80001', NONE, 'https://192.168.0.1/'],
  ['https://0xffffffff', NONE, 'https://255.255.255.255/'],
  ['https://4294967296', NONE, 'https://4294967296/'],
  ['https://a127.0.0.1', NONE, 'https://a127.0.0.1/'],
  ['https://127.-0.0.1', NONE, 'https://127.-0.0.1/'],
  ['https://1.2.3.256', NONE, 'https://1.2.3.256/'],
  ['https://1.2.3.256.', NONE, 'https://1.2.3.256./'],
  ['https://1.2.3.4.5', NONE, 'https://1.2.3.4.5/'],
  ['https://127.1.', NONE, 'https://127.0.0.1/'],
  ['https://127.1.:443', NONE, 'https://127.0.0.1:443/'],
  ['https://127.1.1.', NONE, 'https://127.1.0.1/'],
  ['https://127.1..', NONE, UrlCode.BAD_HOSTNAME],
  ['https://127.0.0.1..', NONE, UrlCode.BAD_HOSTNAME],
  ['https://0x.0x.0', NONE, 'https://0x.0x.0/'],
  ['https://127.1.0x', NONE, 'https://127.1.0x/'],
  ['https://0.0x0/', NONE, 'https://0.0.0.0/'],
  // IPv6
  ['https://[::1]:1234', NONE, 'https://[::1]:1234/'],
  ['https://[0:0:0:0:0:FFFF:129.144.52.38]:1234', NONE, 'https://[::ffff:129.144.52.38]:1234/'],
  ['https://[0:0:0:0:0:0:0d01:4403]:1234', NONE, 'https://[::13.1.68.3]:1234/'],
  ['https://[%3A%3A13%2e1%2e68%2e3%25eth0]:1234', NONE, 'https://[::13.1.68.3%25eth0]:1234/'],
  ['https://[fe80::20c:29ff:fe9c:409b%eth0]:1234', NONE, 'https://[fe80::20c:29ff:fe9c:409b%25eth0]:1234/'],
  ['https://[::1%252]:1234', NONE, 'https://[::1%252]:1234/'],
  ['https://[::%25fakeit]/moo', NONE, 'https://[::%25fakeit]/moo'],
  ['http://[fe80::1%]/', NONE, UrlCode.BAD_IPV6],
  ['https://[fe80::20c:29ff:fe9c:409b%25]:1234', NONE, UrlCode.BAD_IPV6],
  ['http://[fe80::1%25abcdefghijklmnop]/', NONE, UrlCode.BAD_IPV6],
  ['https://[fe80:0:0:0:409b::]:80/moo', NONE, 'https://[fe80::409b:0:0:0]:80/moo'],
  ['https://[FE80:0:A:0:409B:0:0:0]:80/moo', NONE, 'https://[fe80:0:a:0:409b::]:80/moo'],
  ['https://[fe80::0000:20c:29ff:fe9c:409b]:80/moo', NONE, 'https://[fe80::20c:29ff:fe9c:409b]:80/moo'],
  ['https://[::%25fakeit];80/moo', NONE, UrlCode.BAD_PORT_NUMBER],
  ['https://[fe80::20c:29ff:fe9c:409b]-80/moo', NONE, UrlCode.BAD_PORT_NUMBER],
  ['http://[ab.be:1]/x', NONE, UrlCode.BAD_IPV6],
  ['http://[ab.be]/x', NONE, UrlCode.BAD_IPV6],
  ['http://[v1.fe80::abcd]/', NONE, UrlCode.BAD_IPV6],
  ['http://[::1/', NONE, UrlCode.BAD_IPV6],
  ['https://[fe80%3A%3A20c%3A29ff%3Afe9c%3A409b]/', NONE, 'https://[fe80::20c:29ff:fe9c:409b]/'],
  // credentials: first '@', password after the first ':', ';' kept
  ['http://user:pass;word@host/file', NONE, 'http://user:pass;word@host/file'],
  ['https://user%20name@example.com/', NONE, 'https://user%20name@example.com/'],
  ['https://user:pa%3Ass@example.com/', NONE, 'https://user:pa%3Ass@example.com/'],
  ['http://@example.com/', NONE, 'http://@example.com/'],
  ['http://user:@example.com/', NONE, 'http://user:@example.com/'],
  ['http://a@b@c/', NONE, UrlCode.BAD_HOSTNAME],
  ['https://example.com%252f%40@example.net', NONE, 'https://example.com%252f%40@example.net/'],
  ['http://u:p#x@host/', NONE, UrlCode.BAD_PORT_NUMBER],
  // path, query, fragment
  ['http://example.com/hello/../here', NONE, 'http://example.com/here'],
  ['http://example.com/hello/../here', { pathAsIs: true }, 'http://example.com/hello/../here'],
  ['http://host/path%2f..%2f/', NONE, 'http://host/path%2f..%2f/'],
  ['http://example.com//', NONE, 'http://example.com//'],
  ['http://example.com///foo', NONE, 'http://example.com///foo'],
  ['http://host/#a#b', NONE, 'http://host/#a#b'],
  ['http://host/?a=&b=', NONE, 'http://host/?a=&b='],
  ['http://user@example.com?#', NONE, 'http://user@example.com/'],
  ['http://user@example.com#anchor', NONE, 'http://user@example.com/#anchor'],
  ['https://example.com/#color/?green#no-red', NONE, 'https://example.com/#color/?green#no-red'],
  ['https://example.#com/color/?green#no-red', NONE, 'https://example./#com/color/?green#no-red'],
  ['http://%3a:%3a@ex4mple/%3f?%3f%35#%35%3f%g7', NONE, 'http://%3a:%3a@ex4mple/%3f?%3f%35#%35%3f%g7'],
  // file: (parsed, never transferred here)
  ['file:///hello.html', NONE, 'file:///hello.html'],
  ['file://hello.html', NONE, UrlCode.BAD_FILE_URL],
  ['file:/', NONE, UrlCode.BAD_FILE_URL],
  ['file:foo', NONE, UrlCode.BAD_FILE_URL],
  ['file:///.', NONE, 'file:///'],
];

describe('parseCurlUrl: lib1560 cases', () => {
  for (const [input, flags, want] of parseCases) {
    test(`${JSON.stringify(input)} ${JSON.stringify(flags)} -> ${want}`, () => {
      assert.equal(outcome(input, flags), want);
    });
  }
});

describe('parts', () => {
  test('credentials stay encoded; the password keeps ";"; zone id apart', () => {
    const u = parseCurlUrl('http://%3a:p%40ss;x@[fe80::1%25eth0]:8080/a?b#c', NONE);
    assert.equal(u.user, '%3a');
    assert.equal(u.password, 'p%40ss;x');
    assert.equal(u.host, '[fe80::1]');
    assert.equal(u.zoneId, 'eth0');
    assert.equal(u.port, 8080);
    assert.equal(requestTarget(u), '/a?b');
  });
  test('the request target: "/" for no path, no empty query, never the fragment', () => {
    assert.equal(requestTarget(parseCurlUrl('http://h', NONE)), '/');
    assert.equal(requestTarget(parseCurlUrl('http://h?', NONE)), '/');
    assert.equal(requestTarget(parseCurlUrl('http://h/p?#f', NONE)), '/p');
    assert.equal(requestTarget(parseCurlUrl('http://h?q=1#f', NONE)), '/?q=1');
  });
  test('a UrlError carries the CurlCode a transfer ends with', () => {
    assert.throws(
      () => parseCurlUrl('foo://x', NONE),
      (e: UrlError) => e.curlCode === CurlCode.UNSUPPORTED_PROTOCOL,
    );
    assert.throws(
      () => parseCurlUrl('http://x:99999', NONE),
      (e: UrlError) => e.curlCode === CurlCode.URL_MALFORMAT,
    );
  });
  test(`a URL over ${MAX_URL_LENGTH} bytes is malformed; one just under parses`, () => {
    const path = 'a'.repeat(MAX_URL_LENGTH - 'http://h/'.length);
    assert.equal(parseCurlUrl(`http://h/${path}`, NONE).path.length, path.length + 1);
    assert.throws(
      () => parseCurlUrl(`http://h/${path}a`, NONE),
      (e: UrlError) => e.code === UrlCode.MALFORMED_INPUT,
    );
    const user = 'u'.repeat(100_000);
    assert.equal(parseCurlUrl(`http://${user}:p@h/`, NONE).user, user);
  });
  test('utf8Bytes: a JavaScript string as its UTF-8 byte string', () => {
    assert.equal(utf8Bytes('http://h/a'), 'http://h/a');
    assert.equal(utf8Bytes('ä€😀'), '\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80');
  });
});

describe('removeDotSegments (dedotdotify)', () => {
  const cases: Array<[string, string]> = [
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/..', '/'],
    ['/a/..', '/'],
    ['/a/.', '/a/'],
    ['/.', '/'],
    ['/../../a', '/a'],
    ['/a//../b', '/a/b'],
    ['/a/.%2e/b', '/b'],
    ['/a/%2E/b', '/a/b'],
    ['/.a/..b/', '/.a/..b/'],
    ['/a/...', '/a/...'],
  ];
  for (const [input, want] of cases) {
    test(`${input} -> ${want}`, () => assert.equal(removeDotSegments(input), want));
  }
});

describe('resolveUrl: relative references (lib1560 set_url_list, curl -L)', () => {
  const cases: Array<[string, string, string | number]> = [
    [
      'http://firstplace.example.com/want/1314',
      '//somewhere.example.com/reply/1314',
      'http://somewhere.example.com/reply/1314',
    ],
    [
      'https://example.org/static/favicon/wikipedia.ico',
      '//fake.example.com/licenses/by-sa/3.0/',
      'https://fake.example.com/licenses/by-sa/3.0/',
    ],
    [
      'http://127.0.0.1:46383/want?uri=http://anything/276?secondq/276',
      'data/2760002.txt?coolsite=http://anotherurl/?a_second/2760002',
      'http://127.0.0.1:46383/data/2760002.txt?coolsite=http://anotherurl/?a_second/2760002',
    ],
    ['http://example.org#without/ash', '/moo#frag', 'http://example.org/moo#frag'],
    ['http://example.org/', '../path/././../././../moo', 'http://example.org/moo'],
    ['http://example.org/', '.%2e/path/././../%2E/./../moo', 'http://example.org/moo'],
    ['http://example.org/', '.%2e/path/./%2e/.%2E/%2E/./%2e%2E/moo', 'http://example.org/moo'],
    ['http://example.org?bar/moo', '?weird', 'http://example.org/?weird'],
    ['http://example.org/foo?bar', '?weird', 'http://example.org/foo?weird'],
    ['http://example.org/#original', '?weird#moo', 'http://example.org/?weird#moo'],
    ['http://example.org?bar/moo#yes/path', '#new/slash', 'http://example.org/?bar/moo#new/slash'],
    ['http://example.org/foo?bar#original', '#weird', 'http://example.org/foo?bar#weird'],
    ['http://example.org#original', '#weird', 'http://example.org/#weird'],
    ['http://example.org/foo?bar', 'moo?hey#weird', 'http://example.org/moo?hey#weird'],
    ['http://example.org/', '//example.org/../path/../../', 'http://example.org/'],
    ['http://example.org/', '///example.org/../path/../../', 'http://example.org/'],
    ['http://example.org/foo/bar', ':23', 'http://example.org/foo/:23'],
    ['http://example.org/foo/bar', '\\x', 'http://example.org/foo/\\x'],
    ['http://example.org/foo/bar', '#/', 'http://example.org/foo/bar#/'],
    ['http://example.org/foo/bar', '?/', 'http://example.org/foo/bar?/'],
    ['http://host/path?#', 'sub', 'http://host/sub'],
    [
      'http://example.com/path?query#frag',
      'https://two.example.com/bradnew',
      'https://two.example.com/bradnew',
    ],
    ['http://example.com/path?query#frag', '../../newpage#foo', 'http://example.com/newpage#foo'],
    ['http://user:foo@example.com/path?query#frag', '../newpage', 'http://user:foo@example.com/newpage'],
    [
      'http://local.test?redirect=http://local.test:80?-321',
      'http://local.test:80?-123',
      'http://local.test:80/?-123',
    ],
    [
      'http://example.com/please/../gimme/1?foobar#hello',
      'http://example.net/there/it/is/../../tes t case=/10002? yes no',
      'http://example.net/there/tes%20t%20case=/10002?+yes+no',
    ],
    ['http://example.com/a/b', 'c d/e f?g h#i j', 'http://example.com/a/c%20d/e%20f?g+h#i+j'],
    ['http://example.com/a/b', '/\xe4?\xf6', 'http://example.com/%E4?%F6'],
    ['http://example.com/a/b', '', 'http://example.com/a/b'],
    ['http://example.com/', 'foo://bar/', UrlCode.UNSUPPORTED_SCHEME],
    ['http://example.com/', 'http://[::1', UrlCode.BAD_IPV6],
    ['http://example.com/', 'http://a b/', UrlCode.BAD_HOSTNAME],
    ['http://example.com/', 'http:///x', 'http://x/'],
    ['http://example.com/', '//[::1]:8080/x', 'http://[::1]:8080/x'],
  ];
  for (const [base, ref, want] of cases) {
    test(`${base} + ${JSON.stringify(ref)} -> ${want}`, () => {
      let got: string | number;
      try {
        got = urlToString(resolveUrl(parseCurlUrl(base, G), ref, ENC));
      } catch (e) {
        if (!(e instanceof UrlError)) throw e;
        got = e.code;
      }
      assert.equal(got, want);
    });
  }
  test('a relative Location loses its dot-segments even with path-as-is; an absolute one keeps them', () => {
    const base = parseCurlUrl('http://h/a/b', NONE);
    const flags = { ...ENC, pathAsIs: true };
    assert.equal(urlToString(resolveUrl(base, '../x/./y', flags)), 'http://h/x/y');
    assert.equal(urlToString(resolveUrl(base, 'http://h/a/../x', flags)), 'http://h/a/../x');
  });
});

// --- properties ---------------------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);
const hostArb = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
  fc
    .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
    .map((g) => `[${g.map((x) => x.toString(16)).join(':')}]`),
);
const pchar = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,12}$/);
const urlArb = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTP'),
    slashes: fc.constantFrom('/', '//', '///'),
    user: fc.option(fc.stringMatching(/^[A-Za-z0-9._~-]{0,8}$/), { nil: undefined }),
    password: fc.option(fc.stringMatching(/^[A-Za-z0-9._~;:-]{0,8}$/), { nil: undefined }),
    host: hostArb,
    port: fc.option(fc.nat(65535), { nil: undefined }),
    path: fc.array(fc.oneof(pchar, fc.constantFrom('.', '..', '%2e')), { maxLength: 5 }),
    query: fc.option(pchar, { nil: undefined }),
    fragment: fc.option(pchar, { nil: undefined }),
  })
  .map((r) => {
    const login = r.user === undefined ? '' : `${r.user}${r.password === undefined ? '' : `:${r.password}`}@`;
    return (
      `${r.scheme}:${r.slashes}${login}${r.host}${r.port === undefined ? '' : `:${r.port}`}` +
      `${r.path.length === 0 ? '' : `/${r.path.join('/')}`}` +
      `${r.query === undefined ? '' : `?${r.query}`}${r.fragment === undefined ? '' : `#${r.fragment}`}`
    );
  });

/** Equal as curl_url_get() without CURLU_GET_EMPTY sees them (an empty query is no query). */
function sameParts(a: CurlUrl, b: CurlUrl): void {
  const norm = (u: CurlUrl) => ({ ...u, guessedScheme: false, query: u.query === '' ? undefined : u.query });
  assert.deepEqual(norm(a), norm(b));
}

describe('properties', () => {
  test('parse(serialize(parse(x))) is parse(x), and serializing is stable', () => {
    fc.assert(
      fc.property(urlArb, (url) => {
        let u: CurlUrl;
        try {
          u = parseCurlUrl(url, G);
        } catch (e) {
          assert.ok(e instanceof UrlError, String(e));
          return;
        }
        const s = urlToString(u);
        const again = parseCurlUrl(s, G);
        sameParts(again, u);
        assert.equal(urlToString(again), s);
      }),
      { numRuns: 2000 },
    );
  });
  test('any input: a CurlUrl or a UrlError with a CURLUcode, never anything else', () => {
    const bytes = fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    const urlish = fc.oneof(
      bytes,
      urlArb,
      fc.tuple(urlArb, bytes).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(urlish, urlish, fc.boolean(), (a, b, encode) => {
        const flags: UrlFlags = encode ? { ...G, urlEncode: true, allowSpace: true } : G;
        for (const run of [
          () => parseCurlUrl(a, flags),
          () => resolveUrl(parseCurlUrl('http://h/p/q', G), b, flags),
        ]) {
          try {
            const u = run();
            assert.equal(typeof urlToString(u), 'string');
          } catch (e) {
            assert.ok(e instanceof UrlError, String(e));
            assert.ok(Object.values(UrlCode).includes(e.code));
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
  test('a resolved Location with URLENCODE has no space and no byte beyond ASCII outside its host', () => {
    const bytes = fc.string({
      unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 30,
    });
    fc.assert(
      fc.property(bytes, (ref) => {
        try {
          const u = resolveUrl(parseCurlUrl('http://h/p/q', G), ref, ENC);
          const tail = requestTarget(u) + (u.fragment ?? '');
          assert.ok(!/[\s\x80-\xff]/.test(tail), tail);
        } catch (e) {
          assert.ok(e instanceof UrlError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
