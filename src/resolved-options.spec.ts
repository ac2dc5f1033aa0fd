import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { TokenTrackingConfigurationError } from './errors/configuration.error.js';
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
    expect(resolved.codec.algorithm).toBe('HS256');
    expect(DEFAULT_EXPIRES_IN_SECONDS).toBe(86_400);
    expect(DEFAULT_MAX_TOKEN_SIZE).toBe(8_192);
  });

  it('accepts an asymmetric key pair', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(resolveTokenTrackingOptions({ ...valid, signing: { algorithm: 'EdDSA', privateKey } }).codec.algorithm).toBe('EdDSA');
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
  ])('refuses %s at startup with a message that says what to fix', (_, override, message) => {
    const attempt = () => resolveTokenTrackingOptions({ ...valid, ...override });
    expect(attempt).toThrow(TokenTrackingConfigurationError);
    expect(attempt).toThrow(message);
  });
});
