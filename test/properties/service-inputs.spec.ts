import fc from 'fast-check';
import { TokenTrackingService } from '../../src/index.js';
import { ErrorCode } from '../../src/errors/error-catalog.js';
import { useTokenTracking } from '../support/token-tracking-app.js';
import {
  anyDate,
  anyValue,
  nastyJson,
  nastyNumber,
  nastyString,
  runParameters,
  settle,
  show,
  timeoutFor,
  TOKEN_REFUSAL_CODES,
} from './property-support.js';

/**
 * Property (b): whatever a caller passes to a public method of the
 * service, it works or throws a TokenTrackingError with a client-error
 * code; never STORE_UNAVAILABLE, STORE_ERROR or a non-library error.
 */

// The public methods deliberately take `unknown` here: JavaScript callers and
// HTTP layers hand over whatever they have.
type LooseService = { [K in keyof TokenTrackingService]: (...args: unknown[]) => Promise<unknown> };

const ISSUE_CODES: ErrorCode[] = ['INVALID_ARGUMENT', 'MAX_SESSIONS_EXCEEDED', 'TOKEN_TOO_LARGE'];
const REVOKE_CODES: ErrorCode[] = ['INVALID_ARGUMENT', 'SESSION_NOT_FOUND', 'ALREADY_REVOKED'];

const USERS = ['user-alice', 'user-bob', 'u', '😀', 'x'.repeat(255)];

const ipAddress = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('::ffff:10.0.0.1', '::1', 'fe80::1%eth0', '0.0.0.0', '255.255.255.255'));

/** `{ clientIp, userAgent }` with anything in either field, or nothing. */
const explicitContext = fc.record(
  { clientIp: fc.oneof(ipAddress, anyValue), userAgent: fc.oneof(nastyString, anyValue) },
  { requiredKeys: [] },
);

/** A request as Express or Fastify hands it over: string address fields, headers of strings or string arrays. */
const requestContext = fc.record(
  {
    headers: fc.record(
      { 'user-agent': fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 })), 'x-forwarded-for': nastyString },
      { requiredKeys: [] },
    ),
    ip: fc.oneof(ipAddress, nastyString),
    socket: fc.record({ remoteAddress: fc.oneof(ipAddress, nastyString) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['headers'] },
);

const context = fc.oneof(fc.constant(undefined), fc.constant(null), explicitContext, requestContext, anyValue);

const tokenData = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.constantFrom<unknown>({}, { role: 'admin' }, { sub: 'x' }, { data: 1 }, JSON.parse('{"__proto__":{"role":"admin"}}'), new Date(0), [], 'text'),
  fc.dictionary(nastyString, nastyJson, { maxKeys: 6 }),
  fc.object({ maxDepth: 2 }),
  fc.integer({ min: 0, max: 10_000 }).map((size) => ({ blob: 'x'.repeat(size) })),
  anyValue,
);

const issueOptions = fc.oneof(
  fc.constant(undefined),
  fc.record({ sessionLimitPolicy: fc.oneof(fc.constantFrom('reject', 'evict-oldest', 'Reject', ''), anyValue) }, { requiredKeys: [] }),
  anyValue,
);

const revokeOptions = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      reason: fc.oneof(fc.constantFrom('logout', 'x'.repeat(64), 'x'.repeat(65), ''), nastyString, anyValue),
      actor: fc.oneof(nastyString, anyValue),
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

const page = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      limit: fc.oneof(fc.integer({ min: -5, max: 205 }), nastyNumber, anyValue),
      offset: fc.oneof(fc.integer({ min: -5, max: 1_000 }), nastyNumber, fc.constant(Number.MAX_SAFE_INTEGER), anyValue),
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

describe('every public service method, given any input', () => {
  const fixture = useTokenTracking();
  let service: LooseService;
  let known: { ids: string[]; tokens: string[] };

  beforeAll(async () => {
    service = fixture.app.tokens as unknown as LooseService;
    const issued = [
      await fixture.app.tokens.generateToken('user-alice'),
      await fixture.app.tokens.generateToken('user-bob', { role: 'user' }),
    ];
    const pair = await fixture.app.tokens.generateTokenPair('user-alice');
    known = {
      ids: [...issued.flatMap((token) => [token.jti, token.sessionId]), pair.sessionId, pair.accessToken.jti, pair.refreshToken.jti],
      tokens: [...issued.map((token) => token.token), pair.accessToken.token, pair.refreshToken.token],
    };
  });

  const userId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...USERS) }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: anyValue });
  const id = () => fc.oneof(fc.constantFrom(...known.ids), nastyString, anyValue);
  const tokenOrId = () => fc.oneof(fc.constantFrom(...known.ids, ...known.tokens), nastyString, anyValue);

  it('generateToken and generateTokenPair issue a token that verifies, or refuse the input as a client error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), userId, tokenData, fc.oneof(fc.constant(undefined), explicitContext, requestContext), issueOptions, async (asPair, user, data, where, options) => {
        const what = `${asPair ? 'generateTokenPair' : 'generateToken'}(${show(user)}, ${show(data)}, ${show(where)}, ${show(options)})`;
        const outcome = await settle(() => (asPair ? service.generateTokenPair : service.generateToken).call(service, user, data, where, options), ISSUE_CODES, what);
        if (!outcome.ok) return;
        const issued = outcome.value as { token?: string; accessToken?: { token: string } };
        const token = issued.token ?? issued.accessToken!.token;
        const parsed = await settle(() => fixture.app.tokens.parseToken(token), [], `parseToken(the token of ${what})`);
        if (parsed.ok && parsed.value.userId !== user) throw new Error(`${what} issued a token for ${show(parsed.value.userId)}`);
      }),
      runParameters(),
    );
  }, timeoutFor(30));

  // Regression (RequestLike with non-string address, now recorded as unknown): issueContextFromRequest
  // calls address.startsWith() on request.ip ?? request.socket.remoteAddress
  // without checking it is a string: { headers: {}, ip: 5 } is a TypeError
  // instead of "recorded as unknown" (or INVALID_ARGUMENT).
  it('generateToken reads any request-like context without a non-library error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ headers: fc.oneof(fc.constant({}), fc.object({ maxDepth: 1 })), ip: anyValue, socket: fc.oneof(anyValue, fc.record({ remoteAddress: anyValue })) }, { requiredKeys: ['headers'] }),
        async (request) => {
          await settle(() => service.generateToken('user-request', {}, request), ISSUE_CODES, `generateToken('user-request', {}, ${show(request)})`);
        },
      ),
      runParameters(),
    );
  }, timeoutFor(30));

  // Regression (data with toJSON, now refused unless it serialises to an object): assertTokenData checks JSON.stringify(data)
  // does not throw, but not that it serialises to an object. Data whose
  // toJSON returns a string, number, array or null is signed as such, and
  // the token generateToken returns is refused by parseToken (INVALID_CLAIMS).
  it('generateToken never issues a token that the service itself refuses, whatever toJSON the data has', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyJson, fc.constantFrom<unknown>('x', 1, null, [], [1], true)), async (serialised) => {
        const data = { toJSON: () => serialised };
        const outcome = await settle(() => service.generateToken('user-tojson', data), ISSUE_CODES, `generateToken('user-tojson', { toJSON: () => ${show(serialised)} })`);
        if (outcome.ok) {
          const token = (outcome.value as { token: string }).token;
          await settle(() => fixture.app.tokens.parseToken(token), [], `parseToken(token issued with data whose toJSON returns ${show(serialised)})`);
        }
      }),
      runParameters(),
    );
  }, timeoutFor(30));

  it('refresh and parseToken refuse anything but a valid token with a 401 verdict or a bad context with INVALID_ARGUMENT', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...known.tokens), nastyString, anyValue), context, async (token, where) => {
        await settle(() => service.parseToken(token), TOKEN_REFUSAL_CODES, `parseToken(${show(token)})`);
        await settle(() => service.refresh(token, where), [...TOKEN_REFUSAL_CODES, 'INVALID_ARGUMENT'], `refresh(${show(token)}, ${show(where)})`);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('getUserSessionCount, getUserSessions (any page) and getActiveUserTokens answer or say INVALID_ARGUMENT', async () => {
    await fc.assert(
      fc.asyncProperty(userId, page, async (user, requested) => {
        await settle(() => service.getUserSessionCount(user), ['INVALID_ARGUMENT'], `getUserSessionCount(${show(user)})`);
        await settle(() => service.getUserSessions(user, requested), ['INVALID_ARGUMENT'], `getUserSessions(${show(user)}, ${show(requested)})`);
        await settle(() => service.getActiveUserTokens(user), ['INVALID_ARGUMENT'], `getActiveUserTokens(${show(user)})`);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('revokeToken answers with success or a client error, whatever the token, id and options', async () => {
    await fc.assert(
      fc.asyncProperty(tokenOrId(), revokeOptions, async (target, options) => {
        await settle(() => service.revokeToken(target, options), [...REVOKE_CODES, ...TOKEN_REFUSAL_CODES], `revokeToken(${show(target)}, ${show(options)})`);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('revokeTokenById answers with success or a client error, for any jti and any Date (invalid, far past, far future)', async () => {
    await fc.assert(
      fc.asyncProperty(id(), fc.oneof(anyDate, anyValue), revokeOptions, async (jti, expiresAt, options) => {
        await settle(() => service.revokeTokenById(jti, expiresAt, options), [...REVOKE_CODES, 'TOKEN_EXPIRED'], `revokeTokenById(${show(jti)}, ${show(expiresAt)}, ${show(options)})`);
      }),
      runParameters(),
    );
  }, timeoutFor(20));

  it('revokeUserSession, revokeOtherUserSessions and revokeAllUserTokens answer with success or a client error', async () => {
    await fc.assert(
      fc.asyncProperty(userId, id(), revokeOptions, fc.constantFrom('one', 'others', 'all'), async (user, session, options, which) => {
        if (which === 'one') {
          await settle(() => service.revokeUserSession(user, session, options), REVOKE_CODES, `revokeUserSession(${show(user)}, ${show(session)}, ${show(options)})`);
        } else if (which === 'others') {
          await settle(() => service.revokeOtherUserSessions(user, session, options), ['INVALID_ARGUMENT'], `revokeOtherUserSessions(${show(user)}, ${show(session)}, ${show(options)})`);
        } else {
          await settle(() => service.revokeAllUserTokens(user, options), ['INVALID_ARGUMENT'], `revokeAllUserTokens(${show(user)}, ${show(options)})`);
        }
      }),
      runParameters(),
    );
  }, timeoutFor(20));
});
