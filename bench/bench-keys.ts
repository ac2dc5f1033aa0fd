import { createSecretKey, KeyObject } from 'node:crypto';

/** The benchmarks' HS256 secret, a KeyObject (a string secret would cost jsonwebtoken a failed public-key parse on every verify). */
export const BENCH_SECRET: KeyObject = createSecretKey(Buffer.from('benchmark-secret-of-at-least-32-bytes!!', 'utf8'));
/** The example application's issuer and audience. */
export const BENCH_ISSUER = 'example-app';
export const BENCH_AUDIENCE = 'example-app-clients';
