import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { describeValue } from './option-checks.js';

/** Longest delay `setTimeout` honours; a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A timeout option in milliseconds: an integer that `setTimeout` honours. */
export function requireTimeoutMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new TokenTrackingConfigurationError(`${name} must be an integer from 1 to ${MAX_TIMEOUT_MS} milliseconds (got ${describeValue(value)})`);
  }
  return value;
}
