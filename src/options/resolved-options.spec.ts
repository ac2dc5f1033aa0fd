import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { DEFAULT_EXPIRES_IN_SECONDS, DEFAULT_MAX_TOKEN_SIZE, resolveTokenTrackingOptions } from './resolved-options.js';
import { TokenTrackingModule } from '../token-tracking.module.js';
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

  it('takes revocationReplica: true as the replica polling through the pool, with its defaults', () => {
    expect(resolveTokenTrackingOptions({ ...valid, revocationReplica: true }).revocationReplica).toMatchObject({
      connectionString: null, pollIntervalMs: 1000, maxStalenessMs: 5000, readFrom: null, whenUnsynced: 'query-database',
    });
    expect(resolveTokenTrackingOptions({ ...valid, revocationReplica: { pollIntervalMs: 4000 } }).revocationReplica?.maxStalenessMs).toBe(8000);
    expect(resolveTokenTrackingOptions({ ...valid, revocationReplica: false }).revocationReplica).toBeNull();
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
    ['a negative cap', { maxUserSessions: -1 }, /maxUserSessions must be an integer from 0 to/],
    ['a fractional lifetime', { expiresIn: 1.5 }, /expiresIn must be an integer from 1 to/],
    ['a cap without tracking', { maxUserSessions: 3, trackUserTokens: false }, /needs trackUserTokens: true/],
    ['an unknown algorithm', { signing: { algorithm: 'PS256' as never, privateKey: 'x' } }, /unsupported signing algorithm PS256/],
    ['a secret for RS256', { signing: { algorithm: 'RS256' as never, secret: randomBytes(32) } }, /not a secret/],
    ['no key for ES256', { signing: { algorithm: 'ES256' } as never }, /needs signing.privateKey/],
    ['no signing options at all', { signing: undefined as never }, /signing options are required/],
    ['an idle timeout without tracking', { sessionIdleTimeout: 600, trackUserTokens: false }, /sessionIdleTimeout needs trackUserTokens/],
    ['an idle timeout shorter than twice the last-use interval', { sessionIdleTimeout: 100 }, /at least twice lastUsedIntervalSeconds \(60 s\)/],
    ['an idle timeout with last use off', { sessionIdleTimeout: 600, lastUsedIntervalSeconds: 0 }, /at least twice lastUsedIntervalSeconds/],
    ['a fractional maximum lifetime', { sessionMaxLifetime: 0.5 }, /sessionMaxLifetime must be an integer from 1 to/],
    ['two keys with one kid', { signing: { keys: [{ kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }, { kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }] } }, /names kid "a" twice/],
    ['signWith naming no key', { signing: { keys: [{ kid: 'a', algorithm: 'HS256', secret: randomBytes(32) }], signWith: 'b' } }, /signWith names "b", which is not in signing.keys/],
    ['a misspelt option', { maxUserSesions: 3 } as never, /unknown option "maxUserSesions"/],
    ['the replica option under both its names', { revocationCache: { connectionString: 'x' }, revocationReplica: { connectionString: 'x' } }, /revocationCache and revocationReplica are the same option/],
    ['routes returned by useFactory', { sessionRoutes: true } as never, /sessionRoutes shapes the module, so it cannot come from useFactory: write it next to useFactory/],
    ['an options object that is not one', null as never, /options must be an object/],
    ['a secret from an unset environment variable', { signing: { algorithm: 'HS256', secret: undefined as never } }, /needs its secret as a string, a Buffer or a KeyObject \(got undefined: is the environment variable set\?\)/],
    ['a secret that is a number', { signing: { algorithm: 'HS256', secret: 12345 as never } }, /needs its secret as a string, a Buffer or a KeyObject \(got number\)/],
    ['a prisma option that is not a client', { prisma: {} as never }, /prisma must be a PrismaClient/],
    ['a store timeout of zero', { storeTimeouts: { revocationCheckMs: 0 } }, /storeTimeouts.revocationCheckMs must be an integer from 1 to 2147483647 milliseconds/],
    ['a store timeout setTimeout cannot honour', { storeTimeouts: { writeMs: 2 ** 31 } }, /storeTimeouts.writeMs must be an integer from 1/],
    ['a store timeout in seconds as text', { storeTimeouts: { readMs: '3' as never } }, /storeTimeouts.readMs must be an integer/],
    ['a misspelt store timeout', { storeTimeouts: { checkMs: 500 } as never }, /unknown option storeTimeouts.checkMs/],
    ['a store timeout named after an inherited property', { storeTimeouts: { constructor: 5 } as never }, /unknown option storeTimeouts.constructor/],
    ['store timeouts given as an array', { storeTimeouts: [] as never }, /storeTimeouts must be an object \(got \)/],
    ['purge options given as an array', { purge: [] as never }, /purge must be an object or false/],
    ['a store timeout given as text shows it quoted', { storeTimeouts: { readMs: '1000' as never } }, /storeTimeouts.readMs must be an integer .*\(got "1000"\)/],
    ['a JWKS URL of a file', { signing: { jwksUrl: 'file:///etc/jwks.json', algorithms: ['EdDSA'] } }, /signing.jwksUrl must be an https:\/\/ \(or http:\/\/\) URL \(got "file:\/\/\/etc\/jwks.json"\)/],
    ['a JWKS URL that is script', { signing: { jwksUrl: 'javascript:alert(1)', algorithms: ['EdDSA'] } }, /signing.jwksUrl must be an https:\/\//],
    ['a JWKS URL that is no URL', { signing: { jwksUrl: 'auth.example.com/jwks.json', algorithms: ['EdDSA'] } }, /signing.jwksUrl must be an https:\/\//],
    ['a replica bound of gigabytes', { revocationReplica: { maxEntries: 1e9 } }, /revocationReplica.maxEntries must be an integer from 1 to 100000000 \(up to 64 bytes an entry: 6.4 GB of memory\)/],
    ['a JWKS URL with credentials in it', { signing: { jwksUrl: 'https://reader:pw@auth.example.com/jwks.json', algorithms: ['EdDSA'] } }, /signing.jwksUrl must not carry credentials/],
    ['a negative JWKS cache lifetime', { signing: { jwksUrl: 'https://auth.example.com/jwks.json', algorithms: ['EdDSA'], cacheMaxAgeSeconds: -1 } }, /signing.cacheMaxAgeSeconds must be an integer from 0 to 3155760000 .*\(got -1\)/],
    ['a JWKS cache lifetime given as text', { signing: { jwksUrl: 'https://auth.example.com/jwks.json', algorithms: ['EdDSA'], cacheMaxAgeSeconds: '600' as never } }, /signing.cacheMaxAgeSeconds must be an integer .*\(got "600"\)/],
    ['a misspelt JWKS option', { signing: { jwksUrl: 'https://auth.example.com/jwks.json', algorithms: ['EdDSA'], cacheMaxAge: 600 } as never }, /unknown option signing.cacheMaxAge; signing takes jwksUrl, algorithms, cacheMaxAgeSeconds/],
    ['a misspelt signing option', { signing: { algorithm: 'HS256', secret: randomBytes(32), keyid: 'k' } as never }, /unknown option signing.keyid; signing takes algorithm, secret, keyId/],
    ['a secret next to a private key', { signing: { algorithm: 'HS256', secret: randomBytes(32), privateKey: 'x' } as never }, /unknown option signing.privateKey/],
    ['a misspelt option of a key in a key set', { signing: { keys: [{ kid: 'a', algorithm: 'HS256', secret: randomBytes(32), signWith: 'a' } as never] } }, /unknown option signing.keys\[0\].signWith; signing.keys\[0\] takes kid, algorithm, secret, privateKey, publicKey/],
    ['a key of a key set that is not an object', { signing: { keys: ['a' as never] } }, /signing.keys\[0\] must be an object/],
    ['a key id that is not a string', { signing: { algorithm: 'HS256', secret: randomBytes(32), keyId: 7 as never } }, /signing.keyId must be a non-empty string/],
    ['a misspelt purge option', { purge: { intervalSecond: 60 } as never }, /unknown option purge.intervalSecond; purge takes intervalSeconds, batchSize, retentionSeconds, maxDurationSeconds/],
    ['a purge interval longer than a timer can wait', { purge: { intervalSeconds: 30 * 86_400 } }, /purge.intervalSeconds must be an integer from 1 to 2147483 \(about 24 days, the longest timer Node runs\)/],
    ['a purge run longer than a timer can wait', { purge: { maxDurationSeconds: 2_147_483 } }, /purge.maxDurationSeconds must be an integer from 1 to 2147423/],
    ['a purge batch too large for PostgreSQL', { purge: { batchSize: 2 ** 31 } }, /purge.batchSize must be an integer from 1 to 2147483647/],
    ['a fractional retention', { purge: { retentionSeconds: 0.5 } }, /purge.retentionSeconds must be an integer/],
    ['a misspelt replica option', { revocationReplica: { connectionString: 'postgres://x', heartbeat: 2 } as never }, /unknown option revocationReplica.heartbeat; revocationReplica takes connectionString, maxEntries, heartbeatSeconds, whenUnsynced/],
    ['a replica option that is neither true, false nor an object', { revocationReplica: 'postgres://x' as never }, /revocationReplica must be an object/],
    ['a replica poll interval under 20 ms', { revocationReplica: { pollIntervalMs: 5 } }, /revocationReplica.pollIntervalMs must be an integer from 20 to 60000/],
    ['a staleness bound under twice the poll interval', { revocationReplica: { pollIntervalMs: 1000, maxStalenessMs: 1500 } }, /revocationReplica.maxStalenessMs must be an integer from 2000/],
    ['a standby that is no Prisma client', { revocationReplica: { readFrom: 'postgres://standby' as never } }, /revocationReplica.readFrom must be a Prisma client/],
    ['a replica heartbeat longer than a timer can wait', { revocationReplica: { connectionString: 'postgres://x', heartbeatSeconds: 3_000_000 } }, /revocationReplica.heartbeatSeconds must be an integer from 1 to 2147483/],
    ['an unknown policy while unsynced', { revocationReplica: { connectionString: 'postgres://x', whenUnsynced: 'ignore' as never } }, /revocationReplica.whenUnsynced must be 'query-database' or 'reject' \(got "ignore"\)/],
    ['an unknown policy when the store is down', { whenStoreUnavailable: 'accept' as never }, /whenStoreUnavailable must be 'reject' or 'accept-signed'/],
    ['an access token lifetime past year 9999', { expiresIn: 1e12 }, /expiresIn must be an integer from 1 to 3155760000 \(100 years/],
    ['a refresh token lifetime past year 9999', { refreshExpiresIn: 1e12 }, /refreshExpiresIn must be an integer from 1 to 3155760000/],
    ['a grace period given as text', { refreshGraceSeconds: '10' as never }, /refreshGraceSeconds must be an integer .*\(got "10"\)/],
    ['a session cap too large for PostgreSQL', { maxUserSessions: 2 ** 31 }, /maxUserSessions must be an integer from 0 to 2147483647/],
    ['a negative clock tolerance', { clockToleranceSeconds: -5 }, /clockToleranceSeconds must be an integer from 0/],
    ['a maximum token size below the smallest token', { maxTokenSize: 10 }, /maxTokenSize must be an integer >= 64/],
    ['tracking given as text', { trackUserTokens: 'false' as never }, /trackUserTokens must be true or false \(got "false"\)/],
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

describe('module-shape options', () => {
  const forRoot = (extras: Record<string, unknown>) => () => TokenTrackingModule.forRoot({ ...valid, ...extras } as never);

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a negative JWKS cache lifetime', { jwksRoute: { maxAgeSeconds: -1 } }, /jwksRoute.maxAgeSeconds must be an integer from 0 to 2147483647 \(got -1\)/],
    ['a fractional JWKS cache lifetime', { jwksRoute: { maxAgeSeconds: 1.5 } }, /jwksRoute.maxAgeSeconds must be an integer/],
    ['a misspelt JWKS route option', { jwksRoute: { maxAge: 60 } }, /unknown option jwksRoute.maxAge; jwksRoute takes path, maxAgeSeconds/],
    ['an empty JWKS route', { jwksRoute: { path: '' } }, /jwksRoute.path must be a route prefix .* \(got ""\)/],
    ['a route prefix that climbs', { jwksRoute: { path: '../../x' } }, /jwksRoute.path must be a route prefix/],
    ['a route prefix with a query', { sessionRoutes: { path: 'sessions?x=1' } }, /sessionRoutes.path must be a route prefix/],
    ['a route prefix with an empty segment', { adminRoutes: { path: 'admin//sessions' } }, /adminRoutes.path must be a route prefix/],
    ['a route prefix with a parameter', { sessionRoutes: true, dashboard: { path: ':user/devices' } }, /dashboard.path must be a route prefix/],
    ['a route prefix with a space', { sessionRoutes: { path: 'my sessions' } }, /sessionRoutes.path must be a route prefix/],
    ['a misspelt session route option', { sessionRoutes: { prefix: 'me/sessions' } }, /unknown option sessionRoutes.prefix; sessionRoutes takes path/],
    ['a misspelt admin route option', { adminRoutes: { authorise: () => true } }, /unknown option adminRoutes.authorise; adminRoutes takes path, authorize/],
    ['an admin check that is not a function', { adminRoutes: { authorize: 'admin' } }, /adminRoutes.authorize must be a predicate/],
    ['a misspelt dashboard option', { sessionRoutes: true, dashboard: { pathname: 'x' } }, /unknown option dashboard.pathname; dashboard takes path, tokenStorageKey/],
    ['a route path that is not a string', { sessionRoutes: { path: 42 } }, /sessionRoutes.path must be a string/],
    ['a route option that is neither a flag nor an object', { jwksRoute: 'yes' }, /jwksRoute must be true, false or an object/],
    ['isGlobal given as text', { isGlobal: 'true' }, /isGlobal must be true or false/],
  ])('refuses %s when the module is defined', (_, extras, message) => {
    expect(forRoot(extras)).toThrow(TokenTrackingConfigurationError);
    expect(forRoot(extras)).toThrow(message);
  });

  it('accepts every documented form', () => {
    expect(forRoot({ isGlobal: true, sessionRoutes: { path: 'me/sessions' }, adminRoutes: { path: 'admin', authorize: () => true }, jwksRoute: { maxAgeSeconds: 0 }, dashboard: { path: 'devices', tokenStorageKey: 'k' } })).not.toThrow();
    expect(forRoot({ sessionRoutes: true, adminRoutes: false, jwksRoute: true, dashboard: true })).not.toThrow();
    // Prefixes as applications write them: slashes around them or not, nested, dotted.
    expect(forRoot({ sessionRoutes: { path: '/api/v1/auth/sessions/' }, jwksRoute: { path: '.well-known/jwks.json' } })).not.toThrow();
  });
});
