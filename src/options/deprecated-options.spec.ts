import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { resolveTokenTrackingOptions } from './resolved-options.js';
import { TokenTrackingModuleOptions } from './token-tracking-options.interface.js';

const valid: TokenTrackingModuleOptions = {
  signing: { secret: randomBytes(32) },
  issuer: 'issuer',
  audience: 'api',
};

const spyOnWarnings = () => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

describe('the deprecated spelling revocationCache (0.1) of revocationReplica', () => {
  let warn: ReturnType<typeof spyOnWarnings>;
  beforeEach(() => {
    warn = spyOnWarnings();
  });
  afterEach(() => warn.mockRestore());

  it('is read as revocationReplica, with one warning naming the replacement however many modules start', () => {
    const first = resolveTokenTrackingOptions({ ...valid, revocationCache: { connectionString: 'postgresql://db/app', maxEntries: 500, heartbeatSeconds: 3 } });
    const second = resolveTokenTrackingOptions({ ...valid, revocationCache: { connectionString: 'postgresql://db/other' } });
    expect(first.revocationReplica).toMatchObject({ connectionString: 'postgresql://db/app', maxEntries: 500, heartbeatMs: 3_000, whenUnsynced: 'query-database' });
    expect(second.revocationReplica?.connectionString).toBe('postgresql://db/other');
    const messages = warn.mock.calls.map(([message]) => String(message));
    expect(messages).toEqual([expect.stringMatching(/^revocationCache is deprecated: call it revocationReplica .*refused from 0\.4\.0/)]);
  });

  it('ignores maxAgeSeconds, which nothing in the replica ages by, saying so once', () => {
    const resolved = resolveTokenTrackingOptions({ ...valid, revocationCache: { connectionString: 'postgresql://db/app', maxAgeSeconds: 60 } });
    resolveTokenTrackingOptions({ ...valid, revocationCache: { connectionString: 'postgresql://db/app', maxAgeSeconds: 60 } });
    expect(resolved.revocationReplica?.connectionString).toBe('postgresql://db/app');
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([expect.stringMatching(/^revocationCache\.maxAgeSeconds is ignored/)]);
  });

  it('switches the replica off when false, as revocationReplica: false does', () => {
    expect(resolveTokenTrackingOptions({ ...valid, revocationCache: false }).revocationReplica).toBeNull();
  });

  it('is refused next to revocationReplica, since which one was meant cannot be known', () => {
    const attempt = () => resolveTokenTrackingOptions({ ...valid, revocationCache: false, revocationReplica: { connectionString: 'x' } });
    expect(attempt).toThrow(TokenTrackingConfigurationError);
    expect(attempt).toThrow(/revocationCache and revocationReplica are the same option; give only revocationReplica/);
  });
});
