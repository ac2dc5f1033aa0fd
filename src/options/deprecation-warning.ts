import { Logger } from '@nestjs/common';

/** Names already warned about in this process: one warning each, however many modules start or calls come. */
const warned = new Set<string>();
const logger = new Logger('TokenTracking');

/** Logs `message` through Nest's logger the first time `name` is used in this process. */
export function warnDeprecatedOnce(name: string, message: string): void {
  if (warned.has(name)) return;
  warned.add(name);
  logger.warn(message);
}
