import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { DEFAULT_EXPIRES_IN_SECONDS, DEFAULT_MAX_TOKEN_SIZE, resolveTokenTrackingOptions } from './resolved-options.js';
import { TokenTrackingModuleOptions } from './token-tracking-options.interface.js';

const valid: TokenTrackingModuleOptions = {
  signing: { secret: randomBytes(32) },
  issuer: 'issuer',
  audience: 'api',
};

describe('resolveTokenTrackingOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveTokenTrackingOptions(valid);
    expect(resolved).toMatchObject({
      issuer: 'issuer',
      audiences: ['api'],
      expiresInSeconds: DEFAULT_EXPIRES_IN_SECONDS,
      trackUserTokens: true,
      maxUserSessions: 0,
      maxTokenSize: DEFAULT_MAX_TOKEN_SIZE,
      clockToleranceSeconds: 0,
    });
    expect(resolved.keys.signingKey).toMatchObject({ kid: 'default', algorithm: 'HS256' });
    expect(resolved.storeTimeouts).toEqual({ revocationCheckMs: 1_000, readMs: 3_000, writeMs: 5_000 });
    expect(DEFAULT_EXPIRES_IN_SECONDS).toBe(86_400);
    expect(DEFAULT_MAX_TOKEN_SIZE).toBe(8_192);
  });

  it('takes each store timeout given and the defaults for the others', () => {
    expect(resolveTokenTrackingOptions({ ...valid, storeTimeouts: { revocationCheckMs: 250 } }).storeTimeouts)
      .toEqual({ revocationCheckMs: 250, readMs: 3_000, writeMs: 5_000 });
  });

  it('accepts an asymmetric key pair', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(resolveTokenTrackingOptions({ ...valid, signing: { algorithm: 'EdDSA', privateKey } }).keys.signingKey?.algorithm).toBe('EdDSA');
  });

  it.each<[string, Partial<TokenTrackingModuleOptions>, RegExp]>([
    ['a missing issuer', { issuer: '' }, /issuer must be a non-empty string/],
    ['an empty audience list', { audience: [] }, /audience must name at least one/],
    ['a negative cap', { maxUserSessions: -1 }, /maxUserSessions must be an integer >= 0/],
    ['a fractional lifetime', { expiresIn: 1.5 }, /expiresIn must be an integer >= 1/],
    ['a cap without tracking', { maxUserSessions: 3, trackUserTokens: false }, /needs trackUserTokens: true/],
    ['an unknown algorithm', { signing: { algorithm: 'PS256' as never, privateKey: 'x' } }, /unsupported signing algorithm PS256/],
    ['a secret for RS256', { signing: { algorithm: 'RS256' as never, secret: randomBytes(32) } }, /not a secret/],
    ['no key for ES256', { signing: { algorithm: 'ES256' } as never }, /needs signing.privateKey/],
    ['no signing options at all', { signing: undefined as never }, /signing options are required/],
    ['an idle timeout without tracking', { sessionIdleTimeout: 600, trackUserTokens: false }, /sessionIdleTimeout needs trackUserTokens/],
    ['an idle timeout shorter than twice the last-use interval', { sessionIdleTimeout: 100 }, /at least twice lastUsedIntervalSeconds \(60 s\)/],
    ['an idle timeout with last use off', { sessionIdleTimeout: 600, lastUsedIntervalSeconds: 0 }, /at least twice lastUsedIntervalSeconds/],
    ['a fractional maximum lifetime', { sessionMaxLifetime: 0.5 }, /sessionMaxLifetime must be an integer >= 1/],
    ['two keys with one kid', { signing: { keys: [{ kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }, { kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }] } }, /names kid "a" twice/],
    ['signWith naming no key', { signing: { keys: [{ kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }], signWith: 'b' } }, /signWith names "b", which is not in signing.keys/],
    ['a misspelt option', { maxUserSesions: 3 } as never, /unknown option "maxUserSesions"/],
    ['the old name of the replica option', { revocationCache: { connectionString: 'x' } } as never, /now called revocationReplica/],
    ['routes returned by useFactory', { sessionRoutes: true } as never, /sessionRoutes shapes the module, so it cannot come from useFactory: write it next to useFactory/],
    ['an options object that is not one', null as never, /options must be an object/],
    ['a secret from an unset environment variable', { signing: { algorithm: 'HS256', secret: undefined as never } }, /needs its secret as a string, a Buffer or a KeyObject \(got undefined: is the environment variable set\?\)/],
    ['a secret that is a number', { signing: { algorithm: 'HS256', secret: 12345 as never } }, /needs its secret as a string, a Buffer or a KeyObject \(got number\)/],
    ['a prisma option that is not a client', { prisma: {} as never }, /prisma must be a PrismaClient/],
    ['a store timeout of zero', { storeTimeouts: { revocationCheckMs: 0 } }, /storeTimeouts.revocationCheckMs must be an integer from 1 to 2147483647 milliseconds/],
    ['a store timeout setTimeout cannot honour', { storeTimeouts: { writeMs: 2 ** 31 } }, /storeTimeouts.writeMs must be an integer from 1/],
    ['a store timeout in seconds as text', { storeTimeouts: { readMs: '3' as never } }, /storeTimeouts.readMs must be an integer/],
    ['a misspelt store timeout', { storeTimeouts: { checkMs: 500 } as never }, /unknown option storeTimeouts.checkMs/],
    ['a JWKS URL with credentials in it', { signing: { jwksUrl: 'https://reader:pw@auth.example.com/jwks.json', algorithms: ['EdDSA'] } }, /signing.jwksUrl must not carry credentials/],
  ])('refuses %s at startup with a message that says what to fix', (_, override, message) => {
    const attempt = () => resolveTokenTrackingOptions(override === null ? (null as never) : { ...valid, ...override });
    expect(attempt).toThrow(TokenTrackingConfigurationError);
    expect(attempt).toThrow(message);
  });
});

describe('key sets', () => {
  it('signs with the first key that can, and verifies with every key by kid', () => {
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const previous = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { keys } = resolveTokenTrackingOptions({
      ...valid,
      signing: {
        keys: [
          { kid: '2026-11', algorithm: 'ES256', privateKey: next.privateKey },
          { kid: '2026-05', algorithm: 'ES256', publicKey: previous.publicKey },
        ],
      },
    });
    expect(keys.signingKey?.kid).toBe('2026-11');
    expect(keys.verificationKeys.map((key) => key.kid)).toEqual(['2026-11', '2026-05']);
  });

  it('verifies only, when no key can sign', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const { keys } = resolveTokenTrackingOptions({ ...valid, signing: { keys: [{ kid: 'k', algorithm: 'EdDSA', publicKey }] } });
    expect(keys.signingKey).toBeNull();
  });
});
