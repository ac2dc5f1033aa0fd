import { InvalidArgumentError } from '../../src/index.js';

/** A string field of a JSON body, or a 400 saying which. */
export function stringField(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(`body must be JSON with a string field "${name}"`);
  return value;
}
