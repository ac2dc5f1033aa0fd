import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { PageRequest } from '../store/token-store.interface.js';
import { assertUserId, describe } from '../validation/argument-checks.js';
import { DEFAULT_PAGE_SIZE, MAX_ID_LENGTH, MAX_PAGE_OFFSET, MAX_PAGE_SIZE } from '../validation/limits.js';

const ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);

/** A `:sessionId` (or jti) route parameter: 1 to 64 base64url characters. */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new InvalidArgumentError(`sessionId must be 1 to ${MAX_ID_LENGTH} characters of A-Z, a-z, 0-9, "-" or "_" (got ${describe(value)})`);
    }
    return value;
  }
}

/** A `:userId` route parameter: 1 to 255 characters the database can store. */
@Injectable()
export class ParseUserIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    assertUserId(value);
    return value;
  }
}

/** `?limit=&offset=` of a listing, checked and defaulted. */
@Injectable()
export class ParsePagePipe implements PipeTransform<unknown, PageRequest> {
  transform(query: unknown): PageRequest {
    const fields = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
    return {
      limit: parseInteger(fields.limit, 'limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
      offset: parseInteger(fields.offset, 'offset', 0, MAX_PAGE_OFFSET, 0),
    };
  }
}

function parseInteger(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max} (got ${describe(raw)})`);
  }
  return value;
}
