import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CurlCode, Easy, type EasyOptions } from '../../src/index.js';

/** The CurlCode and message new Easy(options) throws with. */
function refusal(options: Record<string, unknown>): [number, string] {
  try {
    new Easy(options as EasyOptions);
  } catch (e) {
    return [(e as { code: number }).code, (e as Error).message];
  }
  return [0, ''];
}

describe('Easy options checked at the call', () => {
  it('refuses an unknown name and an ill-typed value', () => {
    assert.deepEqual(refusal({ urll: 'http://a/' }), [CurlCode.UNKNOWN_OPTION, "Unknown option 'urll'"]);
    assert.equal(refusal({ url: 1 })[0], CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.deepEqual(refusal({ url: 'http://a/', writeFunction: () => 0 }), [0, '']);
  });
  it('refuses the proxy and DoH verify-host and file-type values libcurl refuses', () => {
    const bad = CurlCode.BAD_FUNCTION_ARGUMENT;
    assert.deepEqual(refusal({ proxySslVerifyHost: 3 }), [
      bad,
      "Option 'proxySslVerifyHost': unknown value 3",
    ]);
    assert.deepEqual(refusal({ dohSslVerifyHost: 5 }), [bad, "Option 'dohSslVerifyHost': unknown value 5"]);
    assert.deepEqual(refusal({ proxySslCertType: 'XYZ' }), [
      bad,
      "Option 'proxySslCertType': unknown type 'XYZ'",
    ]);
    assert.deepEqual(refusal({ proxySslKeyType: 'P12' }), [
      bad,
      "Option 'proxySslKeyType': unknown type 'P12'",
    ]);
    assert.deepEqual(
      refusal({
        proxySslVerifyHost: 2,
        dohSslVerifyHost: 0,
        proxySslCertType: 'P12',
        proxySslKeyType: 'DER',
      }),
      [0, ''],
    );
  });
});
