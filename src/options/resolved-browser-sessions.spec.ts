import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { resolveBrowserSessions } from './resolved-browser-sessions.js';
import { BrowserSessionsOptions } from './token-tracking-options.interface.js';

describe('resolveBrowserSessions', () => {
  it('is off unless asked for', () => {
    expect(resolveBrowserSessions(undefined)).toBeNull();
    expect(resolveBrowserSessions(false)).toBeNull();
  });

  it('defaults to a __Host- cookie at Path=/, Secure, SameSite=Strict, and the custom header', () => {
    expect(resolveBrowserSessions(true)).toEqual({
      routesPath: 'auth/browser',
      cookie: { name: '__Host-token-tracking-refresh', path: '/', domain: null, secure: true, sameSite: 'Strict' },
      csrf: { header: 'x-token-tracking-csrf', allowedOrigins: [] },
      loginUrl: null,
    });
  });

  it('gives up the __Host- prefix for a Domain or a Path, limiting Path to the cookie routes', () => {
    expect(resolveBrowserSessions({ path: '/api/session/', cookie: { domain: 'example.com' } })!.cookie)
      .toEqual({ name: '__Secure-token-tracking-refresh', path: '/api/session', domain: 'example.com', secure: true, sameSite: 'Strict' });
    expect(resolveBrowserSessions({ cookie: { path: '/api/auth/browser', sameSite: 'lax' } })!.cookie)
      .toMatchObject({ name: '__Secure-token-tracking-refresh', path: '/api/auth/browser', sameSite: 'Lax' });
    expect(resolveBrowserSessions({ cookie: { secure: false } })!.cookie).toMatchObject({ name: 'token-tracking-refresh', path: '/auth/browser', secure: false });
  });

  it('keeps allowed origins as origins and header names in lower case', () => {
    expect(resolveBrowserSessions({ csrf: { allowedOrigins: ['https://app.example.com', 'http://localhost:5173/'], header: 'X-CSRF' } })!.csrf)
      .toEqual({ header: 'x-csrf', allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });
  });

  it.each<[string, BrowserSessionsOptions, RegExp]>([
    ['a __Host- cookie with a Domain', { cookie: { hostPrefix: true, domain: 'example.com' } }, /hostPrefix needs secure: true, no domain/],
    ['a __Host- cookie without Secure', { cookie: { hostPrefix: true, secure: false } }, /hostPrefix needs secure: true/],
    ['a __Host- cookie with a narrow Path', { cookie: { hostPrefix: true, path: '/auth' } }, /no path other than "\/"/],
    ['a prefixed name', { cookie: { name: '__Host-x' } }, /cookie name without prefix/],
    ['a name that breaks the header', { cookie: { name: 'a;b' } }, /cookie name without prefix/],
    ['a path with a semicolon', { cookie: { path: '/a;Domain=evil' } }, /visible ASCII without ";"/],
    ['a relative path', { cookie: { path: 'auth' } }, /must start with "\/"/],
    ['a SameSite of None', { cookie: { sameSite: 'none' as never } }, /sameSite must be 'strict' or 'lax'/],
    ['an origin with a path', { csrf: { allowedOrigins: ['https://app.example.com/login'] } }, /must be origins/],
    ['a header name with a space', { csrf: { header: 'x csrf' } }, /must be a header name/],
    ['a script login URL', { loginUrl: 'javascript:alert(1)' }, /http\(s\) URL or a path/],
    ['a misspelt cookie setting', { cookie: { samesite: 'lax' } as never }, /unknown option browserSessions\.cookie\.samesite/],
    ['a misspelt CSRF setting', { csrf: { allowedOrigin: ['https://a.example'] } as never }, /unknown option browserSessions\.csrf\.allowedOrigin/],
    ['a misspelt option', { loginURL: '/login' } as never, /unknown option browserSessions\.loginURL/],
    ['a route prefix that climbs', { path: '../auth' }, /browserSessions\.path must be a route prefix/],
  ])('refuses %s at startup', (_, options, message) => {
    expect(() => resolveBrowserSessions(options)).toThrow(TokenTrackingConfigurationError);
    expect(() => resolveBrowserSessions(options)).toThrow(message);
  });
});
