import fc from 'fast-check';
import { useExampleApp } from '../support/http-app.js';
import { TestSigner } from '../support/test-signer.js';
import { TEST_SECRET } from '../support/token-tracking-app.js';
import { craftedClaims, resolveClaims } from './claims.js';
import { closeHttpAgent, percentEncodeBytes, rawRequest, runParameters, show, timeoutFor } from './property-support.js';

/**
 * Property (a) over HTTP: a token signed with the example application's
 * key, whatever its claims, gets a 401 from the guard or is accepted, and
 * then every guarded route (and the refresh route) answers without a 5xx.
 */
const EXAMPLE_ISSUER = 'example-app';
const EXAMPLE_AUDIENCE = 'example-app-clients';

/** Guarded routes; `{sid}`, `{jti}`, `{sub}` and `{known}` are filled in from the token and the database. */
const ROUTES = [
  ['GET', '/auth/sessions?limit=200'],
  ['DELETE', '/auth/sessions/current'],
  ['DELETE', '/auth/sessions/others'],
  ['DELETE', '/auth/sessions/{sid}'],
  ['DELETE', '/auth/sessions/{known}'],
  ['DELETE', '/auth/sessions'],
  ['GET', '/admin/sessions/users/{sub}'],
  ['DELETE', '/admin/sessions/users/{sub}'],
  ['DELETE', '/admin/sessions/{sid}'],
  ['DELETE', '/admin/sessions/{known}'],
  ['POST', '/auth/refresh'],
] as const;

describe('guarded routes with tokens signed with the right key and any claims', () => {
  afterAll(() => closeHttpAgent());
  const fixture = useExampleApp({ tokenTracking: { signing: { algorithm: 'HS256', secret: TEST_SECRET } } });
  let knownIds: string[] = [];

  beforeAll(async () => {
    for (const who of ['alice', 'bob', 'admin'] as const) await fixture.running.login(who);
    const rows = await fixture.db.query<{ id: string }>('SELECT session_id AS id FROM token_sessions UNION ALL SELECT jti FROM issued_tokens');
    knownIds = rows.map((row) => row.id);
  });

  it('are refused with 401, or accepted and then no route answers 5xx', async () => {
    const context = { issuer: EXAMPLE_ISSUER, audience: EXAMPLE_AUDIENCE, now: () => Date.now() / 1000, knownIds: () => knownIds };
    await fc.assert(
      fc.asyncProperty(craftedClaims(context), fc.boolean(), fc.subarray([...ROUTES], { minLength: 1, maxLength: 3 }), fc.nat(), async (crafted, withKid, routes, pick) => {
        const claims = resolveClaims(crafted, Date.now() / 1000);
        const token = new TestSigner('HS256', TEST_SECRET, withKid ? 'default' : undefined).sign(claims);
        const about = `a token with claims ${show(claims, 600)}`;
        const profile = await rawRequest(fixture.running.baseUrl, 'GET', '/profile', { token });
        // 401 from the guard, or 431 for a token larger than Node's header limit.
        if (profile.status !== 200 && profile.status !== 401 && profile.status !== 431) {
          throw new Error(`GET /profile with ${about} answered ${profile.status}: ${profile.body.slice(0, 300)}`);
        }
        for (const [method, template] of routes) {
          const fill = (name: string, value: unknown) => (typeof value === 'string' && value !== '' ? percentEncodeBytes(Buffer.from(value, 'utf8')) : name);
          const path = template
            .replace('{sid}', fill('sid', claims.sid ?? claims.jti))
            .replace('{sub}', fill('sub', claims.sub))
            .replace('{known}', knownIds.length > 0 ? percentEncodeBytes(Buffer.from(knownIds[pick % knownIds.length]!, 'utf8')) : 'known');
          const response = method === 'POST'
            ? await rawRequest(fixture.running.baseUrl, method, path, { body: JSON.stringify({ refreshToken: token }) })
            : await rawRequest(fixture.running.baseUrl, method, path, { token });
          if (response.status >= 500) {
            throw new Error(`${method} ${path} with ${about} answered ${response.status}: ${response.body.slice(0, 500)}`);
          }
          // (Unless the token was refused as not yet valid: it may have become valid since.)
          if (profile.status !== 200 && !profile.body.includes('TOKEN_NOT_YET_VALID') && method !== 'POST' && response.status < 300) {
            throw new Error(`${method} ${path} answered ${response.status} to ${about}, which GET /profile refused`);
          }
        }
      }),
      runParameters(),
    );
  }, timeoutFor(100));
});
