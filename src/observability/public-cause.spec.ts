import { TokenStoreError } from '../errors/token-store.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TimedOutError } from '../runtime/with-timeout.js';
import { publicCauseOf } from './public-cause.js';

/** What a driver says when it fails: addresses, SQL, the database's own words. */
const driverError = Object.assign(new Error('relation "issued_tokens" does not exist at 10.1.2.3:5432 (SELECT * FROM issued_tokens)'), {
  code: '42P01',
  severity: 'ERROR',
});

describe('publicCauseOf', () => {
  it.each<[string, unknown, string]>([
    ['an outage', new TokenStoreUnavailableError({ cause: new Error("Can't reach database server at 10.1.2.3:5432") }),
      'the database could not be reached (STORE_UNAVAILABLE); the cause is in the server log'],
    ['a store error', new TokenStoreError({ cause: driverError }), 'STORE_ERROR (SQLSTATE 42P01); the cause is in the server log'],
    ['a timeout', new TimedOutError('the database', 2000), 'the database: no answer within 2000 ms; the cause is in the server log'],
    ['anything else', driverError, 'an unexpected error; the cause is in the server log'],
  ])('gives %s as stable words, without an address, SQL or the driver\'s message', (_, error, cause) => {
    expect(publicCauseOf(error)).toBe(cause);
    expect(publicCauseOf(error)).not.toMatch(/10\.1\.2\.3|5432|SELECT|issued_tokens|reach database server/);
  });
});
