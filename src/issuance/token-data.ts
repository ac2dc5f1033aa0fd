import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { RESERVED_CLAIMS } from '../jwt/token-claims.js';
import { describe } from '../validation/argument-checks.js';

/**
 * The application data a token carries (the `data` claim): a plain,
 * JSON-serialisable object without the names of the claims the library sets
 * (refused as Blueprint refuses them, so that nothing reads them by mistake).
 */
export function assertTokenData(data: unknown): asserts data is Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidArgumentError(`data must be a plain object (got ${describe(data)})`);
  }
  const reserved = Object.keys(data).filter((name) => RESERVED_CLAIMS.includes(name));
  if (reserved.length > 0) {
    throw new InvalidArgumentError(`data may not use reserved claim names: ${reserved.join(', ')}`);
  }
  let serialised: unknown;
  try {
    serialised = JSON.parse(JSON.stringify(data));
  } catch (error) {
    throw new InvalidArgumentError(`data must be JSON-serialisable (${(error as Error).message})`);
  }
  // What is signed is the JSON: a toJSON that turns the object into something else would sign a claim the verifier refuses.
  if (typeof serialised !== 'object' || serialised === null || Array.isArray(serialised)) {
    throw new InvalidArgumentError('data must serialise to a JSON object (check its toJSON)');
  }
}
