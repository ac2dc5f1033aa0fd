import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { TokenPair, TokenTrackingModuleOptions, TokenVerifier } from '../../src/index.js';
import { useTokenTracking } from '../support/token-tracking-app.js';
import { anyValue, mustBeRefused, RUNS, runParameters, settle, show, timeoutFor, TOKEN_REFUSAL_CODES } from './property-support.js';
import { mutation, nonCanonicalSignatures } from './token-mutations.js';

/**
 * Property (a), first half: a token the service issued, changed in any way
 * that changes its signed bytes, is refused with a 401 verdict; nothing in
 * verification throws anything but a TokenTrackingError.
 */
const KEY_CONFIGURATIONS: Array<[string, Partial<TokenTrackingModuleOptions>]> = [
  ['HS256 (secret)', {}],
  ['ES256 (key pair)', { signing: { algorithm: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey } }],
  ['EdDSA (key pair)', { signing: { algorithm: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey } }],
];

describe.each(KEY_CONFIGURATIONS)('token mutations, %s', (_name, overrides) => {
  const fixture = useTokenTracking(overrides);
  let access: string;
  let pair: TokenPair;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    access = (await fixture.app.tokens.generateToken('user-mutations', { role: 'user' })).token;
    pair = await fixture.app.tokens.generateTokenPair('user-mutations', { role: 'user' });
    verifier = fixture.app.get<TokenVerifier>(TokenVerifier);
  });

  it('parseToken refuses every mutation of an access token that changes its signed bytes, with a 401 verdict', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const { label, token } = mutate(access);
        const what = `parseToken(${JSON.stringify(token)}) [${label}]`;
        const outcome = await settle(() => fixture.app.tokens.parseToken(token), TOKEN_REFUSAL_CODES, what);
        if (token !== access) {
          mustBeRefused(outcome, what);
        } else if (outcome.ok) {
          expect(outcome.value.claims).toEqual((await fixture.app.tokens.parseToken(access)).claims);
        }
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('the verifier refuses every mutation of an access or refresh token that changes its signed bytes', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom('access', 'refresh'), async (mutate, which) => {
        const original = which === 'access' ? pair.accessToken.token : pair.refreshToken.token;
        const { label, token } = mutate(original);
        const what = `verify(${JSON.stringify(token)}) [${which} token, ${label}]`;
        const outcome = await settle(() => verifier.verify(token), TOKEN_REFUSAL_CODES, what);
        if (token !== original) mustBeRefused(outcome, what);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('the verifier throws only TokenTrackingErrors with a 401 verdict, whatever it is given', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (value) => {
        const what = `verify(${show(value)})`;
        mustBeRefused(await settle(() => verifier.verify(value), TOKEN_REFUSAL_CODES, what), what);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('revokeToken and refresh refuse mutated tokens, with client errors only, and revoke nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const forAccess = mutate(pair.accessToken.token);
        const forRefresh = mutate(pair.refreshToken.token);
        if (forAccess.token !== pair.accessToken.token) {
          // Without a dot the argument is taken as a jti or session id: 400 or 404.
          const what = `revokeToken(${JSON.stringify(forAccess.token)}) [${forAccess.label}]`;
          const revoked = await settle(
            () => fixture.app.tokens.revokeToken(forAccess.token),
            [...TOKEN_REFUSAL_CODES, 'INVALID_ARGUMENT', 'SESSION_NOT_FOUND'],
            what,
          );
          mustBeRefused(revoked, what);
        }
        if (forRefresh.token !== pair.refreshToken.token) {
          const what = `refresh(${JSON.stringify(forRefresh.token)}) [${forRefresh.label}]`;
          mustBeRefused(await settle(() => fixture.app.tokens.refresh(forRefresh.token), TOKEN_REFUSAL_CODES, what), what);
        }
      }),
      runParameters(),
    );
    // Nothing was revoked or rotated by the refused calls.
    await expect(fixture.app.tokens.parseToken(pair.accessToken.token)).resolves.toMatchObject({ jti: pair.accessToken.jti });
    await expect(fixture.app.tokens.parseToken(access)).resolves.toBeDefined();
    expect(await fixture.app.tokens.getUserSessionCount('user-mutations')).toBe(2);
  }, timeoutFor(40));

  // Regression (signature malleability, now refused: only canonical base64url verifies): the signature segment is decoded with
  // Buffer.from(..., 'base64url'), which ignores the unused low bits of the
  // last character, so 3 (HS256) or 15 (ES256, EdDSA) other spellings of
  // every token verify. Tokens are not unique strings: anything keyed on the
  // raw token (a cache, a rate limit, a log search) can be sidestepped.
  it('accepts no other spelling of the signature than the one issued (canonical base64url)', async () => {
    const variants = nonCanonicalSignatures(access);
    expect(variants.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...variants), async (variant) => {
        const what = `parseToken(${JSON.stringify(variant)}), the issued token with its signature's last character respelt`;
        mustBeRefused(await settle(() => fixture.app.tokens.parseToken(variant), TOKEN_REFUSAL_CODES, what), what);
      }),
      runParameters({ numRuns: Math.min(RUNS, 20) }),
    );
  });
});
