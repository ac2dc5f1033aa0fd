import { createHash } from 'node:crypto';
import { Controller, Get, Header, Headers, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { Public } from '../http/public.decorator.js';
import { setResponseHeader } from '../http/www-authenticate.js';
import { JWKS_ROUTE_OPTIONS, RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';

export interface JwksRouteOptions {
  /** Route path. Default `.well-known/jwks.json`. */
  path?: string;
  /** How long clients and proxies may cache the key set, in seconds. Default 300. */
  maxAgeSeconds?: number;
}

/** A JSON Web Key Set (RFC 7517). */
export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}

/**
 * Publishes the public keys of the key set (signing and verify-only keys;
 * never an HMAC secret) so that other services can verify tokens without
 * the signing key. Cacheable for `maxAgeSeconds`, with an ETag: publish a
 * new key at least that long before it starts signing (docs/keys.md).
 * Public: those services fetch it without a token, also where
 * `TrackedJwtGuard` is the application's global guard.
 */
@Public()
@Controller()
export class JwksController {
  private readonly body: JsonWebKeySet;
  private readonly etag: string;

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedTokenTrackingOptions,
    @Inject(JWKS_ROUTE_OPTIONS) private readonly route: JwksRouteOptions,
  ) {
    this.body = {
      keys: options.keys.verificationKeys
        .filter((key) => key.key.type === 'public')
        .map((key) => ({ ...key.key.export({ format: 'jwk' }), kid: key.kid, alg: key.algorithm, use: 'sig' })),
    };
    this.etag = `"${createHash('sha256').update(JSON.stringify(this.body)).digest('base64url').slice(0, 27)}"`;
  }

  @Get()
  @HttpCode(HttpStatus.OK)
  @Header('Content-Type', 'application/jwk-set+json')
  keys(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) response: unknown): JsonWebKeySet | undefined {
    setResponseHeader(response, 'Cache-Control', `public, max-age=${this.route.maxAgeSeconds ?? 300}`);
    setResponseHeader(response, 'ETag', this.etag);
    if (this.matches(ifNoneMatch)) {
      const reply = response as { status?: (code: number) => unknown; code?: (code: number) => unknown };
      if (typeof reply.status === 'function') reply.status(HttpStatus.NOT_MODIFIED);
      else reply.code?.(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    return this.body;
  }

  /**
   * RFC 9110 §13.1.2: `*`, or a list of entity tags compared weakly (a
   * `W/` prefix does not matter), as caches and proxies send them.
   */
  private matches(ifNoneMatch: string | undefined): boolean {
    if (ifNoneMatch === undefined) return false;
    return ifNoneMatch.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === this.etag;
    });
  }
}
