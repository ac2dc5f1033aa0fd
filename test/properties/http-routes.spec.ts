import fc from 'fast-check';
import { useExampleApp } from '../support/http-app.js';
import { closeHttpAgent, nastyString, percentEncodeBytes, rawRequest, RawResponse, runParameters, show, timeoutFor } from './property-support.js';

/**
 * Property (c): every session and admin route of the example application,
 * given any path parameter and any query string, with a valid user token
 * and with a valid admin token, answers 2xx or 4xx, never 5xx. Paths are
 * sent byte for byte (node:http does not normalise them).
 */

/** Each route with `{id}` where the path parameter goes; the query string is appended. */
const ROUTES = [
  ['GET', '/auth/sessions'],
  ['DELETE', '/auth/sessions/current'],
  ['DELETE', '/auth/sessions/others'],
  ['DELETE', '/auth/sessions/{id}'],
  ['DELETE', '/auth/sessions'],
  ['GET', '/admin/sessions/users/{id}'],
  ['DELETE', '/admin/sessions/users/{id}'],
  ['DELETE', '/admin/sessions/{id}'],
] as const;

const hexByte = fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`);
const lowerHexByte = fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, '0')}`);

/** Pieces of a path segment: safe characters, percent-encoded bytes and sequences decoders dislike. */
const segmentPiece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'ABCXYZabcxyz0189-_.~'.split('')) },
  { weight: 2, arbitrary: hexByte },
  { weight: 1, arbitrary: lowerHexByte },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%00', '%C3%28', '%ED%A0%80', '%ED%BF%BF', '%F4%90%80%80', '%C0%AF', '%E0%80%AF', '%FF', '%', '%G1', '%2', '%%', '%2F', '%5C',
      '%2e%2e', '..', '.', '%F0%9F%98%80', '%EF%BB%BF', '%E2%80%AE', ';', ':', '@', '!', '$', '&', "'", '(', ')', '*', '+', ',', '=',
      '%20', '+', '%0A', '%0D%0A', '%7B', '%22', '%3C',
    ),
  },
);

function pathParameter(knownIds: () => readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(segmentPiece, { minLength: 1, maxLength: 40 }).map((pieces) => pieces.join('')) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 80 }).map(percentEncodeBytes) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 60, max: 4_000 }), fc.constantFrom('a', '%F0%9F%98%80', '%00', 'é', '%C3%A9')).map(([n, unit]) => unit.repeat(n)),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom('', '%00', '%20', '.', '%2E', 'x')).map(([index, suffix]) => {
        const ids = knownIds();
        return `${ids[index % ids.length] ?? 'none'}${suffix}`;
      }),
    },
  );
}

const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('limit', 'offset') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('limit[]', 'offset[]', 'limit[0]', 'limit[a]', 'limit.a', '__proto__', '__proto__[limit]', 'constructor[prototype][limit]', 'LIMIT', '', 'limit%00'),
  },
  { weight: 1, arbitrary: fc.array(segmentPiece, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join('')) },
);

const queryValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -10, max: 300 }).map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', '0', '1', '200', '201', '-1', '-0', '+1', '1.5', '1e3', '0x10', '0b1', '%201', '1%20', '1+', '01', '00000000000000001', '9007199254740991',
      '9007199254740992', '9999999999999999', '99999999999999999999', 'Infinity', 'NaN', 'null', 'true', '[]', '{}', '%', '%ZZ', '%00',
      '%C3%28', '%EF%BC%91', '%D9%A3', '\u00e9',
    ),
  },
  { weight: 2, arbitrary: fc.array(segmentPiece, { maxLength: 20 }).map((pieces) => pieces.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 17, max: 400 }).map((n) => '9'.repeat(n)) },
);

const queryString = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?', '?&', '?=', '?&&=&'),
  fc
    .array(fc.tuple(queryKey, fc.option(queryValue, { nil: undefined, freq: 8 })), { minLength: 1, maxLength: 6 })
    .map((pairs) => `?${pairs.map(([key, value]) => (value === undefined ? key : `${key}=${value}`)).join('&')}`),
);

describe('session and admin routes over HTTP, any path parameter and query', () => {
  // First, so that the kept-alive sockets are gone before the application closes.
  afterAll(() => closeHttpAgent());
  // evict-oldest: a re-login after a route revoked the caller never meets the cap.
  const fixture = useExampleApp({ tokenTracking: { sessionLimitPolicy: 'evict-oldest' } });
  const tokens: Record<'alice' | 'admin', string> = { alice: '', admin: '' };
  /** Set when a route that can revoke either caller's session succeeded. */
  let maybeRevoked = false;
  let knownIds: string[] = [];

  beforeAll(async () => {
    tokens.alice = await fixture.running.login('alice');
    tokens.admin = await fixture.running.login('admin');
    await fixture.running.login('bob');
    knownIds = await loadKnownIds();
  });

  async function loadKnownIds(): Promise<string[]> {
    const rows = await fixture.db.query<{ id: string }>(
      "SELECT session_id AS id FROM token_sessions UNION ALL SELECT jti FROM issued_tokens UNION ALL SELECT unnest(ARRAY['user-alice', 'user-bob', 'user-admin', 'current', 'others', 'users'])",
    );
    return rows.map((row) => row.id);
  }

  /** A token of `who` that the guard accepts now (logging in again after a route revoked it). */
  async function validToken(who: 'alice' | 'admin'): Promise<string> {
    if (maybeRevoked) {
      for (const name of ['alice', 'admin'] as const) {
        const probe = await rawRequest(fixture.running.baseUrl, 'GET', '/profile', { token: tokens[name] });
        if (probe.status !== 200) tokens[name] = await fixture.running.login(name);
      }
      maybeRevoked = false;
    }
    return tokens[who];
  }

  it('POST /auth/refresh and /auth/login answer 2xx or 4xx, never 5xx, whatever the body', async () => {
    const jsonBody = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      fc.record({ refreshToken: fc.oneof(nastyString, fc.jsonValue({ maxDepth: 1 })) }).map((value) => JSON.stringify(value)),
      fc.record({ username: fc.oneof(fc.constantFrom('alice', 'nobody'), fc.jsonValue({ maxDepth: 1 })), password: fc.jsonValue({ maxDepth: 1 }) }).map((value) => JSON.stringify(value)),
      fc.constantFrom('', '{', '{"refreshToken":', 'null', '"x"', '[]', '{"__proto__":{"refreshToken":"a.b.c"}}', '\u0000', '{"refreshToken":"\ud800"}'),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const contentType = fc.constantFrom(
      'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
      'application/x-www-form-urlencoded', 'text/plain', 'application/vnd.api+json', 'multipart/form-data; boundary=x',
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/auth/refresh', '/auth/refresh', '/auth/refresh', '/auth/login'), jsonBody, contentType, async (path, body, type) => {
        const response = await rawRequest(fixture.running.baseUrl, 'POST', path, { body, headers: { 'content-type': type } });
        if (response.status >= 500 || response.status < 200) {
          throw new Error(`POST ${path} (${type}) with ${show(body)} answered ${response.status}: ${response.body.slice(0, 500)}`);
        }
      }),
      runParameters(),
    );
  }, timeoutFor(100));

  it('answer 2xx or 4xx, never 5xx, with a user token and with an admin token', async () => {
    const routeArbitrary = fc.constantFrom(...ROUTES);
    await fc.assert(
      fc.asyncProperty(routeArbitrary, pathParameter(() => knownIds), queryString, async ([method, template], id, query) => {
        const path = template.replace('{id}', id) + query;
        for (const who of ['alice', 'admin'] as const) {
          const token = await validToken(who);
          let response: RawResponse;
          try {
            response = await rawRequest(fixture.running.baseUrl, method, path, { token });
          } catch (error) {
            throw new Error(`${method} ${path} as ${who}: the connection failed (${(error as Error).message})`, { cause: error });
          }
          if (response.status >= 500 || response.status < 200) {
            throw new Error(`${method} ${path} as ${who} answered ${response.status}: ${response.body.slice(0, 500)}`);
          }
          // Any DELETE that succeeded may have ended alice's or the admin's session (by id, user or all).
          if (method === 'DELETE' && response.status < 300) {
            maybeRevoked = true;
            knownIds = await loadKnownIds();
          }
        }
      }),
      runParameters(),
    );
  }, timeoutFor(200));
});
