import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { MAX_ID_LENGTH, MAX_USER_ID_LENGTH } from '../limits.js';
import { PageRequest } from '../store/token-store.interface.js';

const ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** A `:sessionId` (or jti) route parameter: 1 to 64 base64url characters. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ID_PATTERN.test(value)) {
      throw new InvalidArgumentError(`sessionId must be 1 to ${MAX_ID_LENGTH} characters of A-Z, a-z, 0-9, "-" or "_"`);
    }
    return value;
  }
}

/** A `:userId` route parameter: 1 to 255 characters. */
@Injectable()
export class ParseUserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length === 0 || value.length > MAX_USER_ID_LENGTH) {
      throw new InvalidArgumentError(`userId must be 1 to ${MAX_USER_ID_LENGTH} characters`);
    }
    return value;
  }
}

/** `?limit=&offset=` of a listing, checked and defaulted. */
@Injectable()
export class ParsePagePipe implements PipeTransform<Record<string, unknown>, PageRequest> {
  transform(query: Record<string, unknown>): PageRequest {
    return {
      limit: parseInteger(query.limit, 'limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
      offset: parseInteger(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    };
  }
}

function parseInteger(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}
