/** JWS algorithms this library signs and verifies with (RFC 7518, RFC 8037). */
export const SIGNING_ALGORITHMS = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export type HmacAlgorithm = Extract<SigningAlgorithm, `HS${string}`>;
export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, HmacAlgorithm>;

/** How each algorithm signs, and which keys it accepts. */
export interface AlgorithmSpec {
  readonly family: 'hmac' | 'rsa' | 'ecdsa' | 'eddsa';
  /** Node's digest name; null for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** HMAC: shortest secret in bytes (RFC 7518 §3.2: at least the hash size). */
  readonly minSecretBytes?: number;
  /** ECDSA: the one curve the algorithm is defined on (RFC 7518 §3.4). */
  readonly curve?: string;
}

export const ALGORITHM_SPECS: Readonly<Record<SigningAlgorithm, AlgorithmSpec>> = {
  HS256: { family: 'hmac', hash: 'sha256', minSecretBytes: 32 },
  HS384: { family: 'hmac', hash: 'sha384', minSecretBytes: 48 },
  HS512: { family: 'hmac', hash: 'sha512', minSecretBytes: 64 },
  RS256: { family: 'rsa', hash: 'sha256' },
  RS384: { family: 'rsa', hash: 'sha384' },
  RS512: { family: 'rsa', hash: 'sha512' },
  ES256: { family: 'ecdsa', hash: 'sha256', curve: 'prime256v1' },
  ES384: { family: 'ecdsa', hash: 'sha384', curve: 'secp384r1' },
  ES512: { family: 'ecdsa', hash: 'sha512', curve: 'secp521r1' },
  EdDSA: { family: 'eddsa', hash: null },
};

/** RSA keys shorter than this are refused (RFC 7518 §3.3 asks for 2048 bits). */
export const MIN_RSA_MODULUS_BITS = 2048;

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}
