import { Logger } from '@nestjs/common';

/**
 * A warning about a condition that lasts (an outage every request runs
 * into): logged at most once per `intervalMs`, so that the log says it
 * without being flooded by it.
 */
export class ThrottledWarning {
  private readonly logger = new Logger('TokenTracking');
  private lastLoggedAt = -Infinity;

  constructor(private readonly intervalMs: number) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < this.intervalMs) return;
    this.lastLoggedAt = now;
    this.logger.warn(message);
  }
}
