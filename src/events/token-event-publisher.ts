import { Logger } from '@nestjs/common';
import { loadOptionalPeer } from '../runtime/optional-peer.js';

/** The part of EventEmitter2 this library uses. */
export interface EventSink {
  emit(event: string, ...values: unknown[]): boolean;
}

/**
 * Emits lifecycle events when the application has an event emitter, and
 * never lets a listener's failure break the operation that emitted it.
 * The emitter is looked up once, at the first event (after bootstrap), so
 * the order in which the application's modules start does not matter.
 */
export class TokenEventPublisher {
  private readonly logger = new Logger('TokenTracking');
  private sink: EventSink | null | undefined;
  private readonly observers: Array<(event: string, payload: object) => void> = [];

  constructor(private readonly findSink: () => EventSink | null) {}

  /** The library's own listeners (its metrics), called before the application's, whether or not it has an emitter. */
  observe(observer: (event: string, payload: object) => void): void {
    this.observers.push(observer);
  }

  publish(event: string, payload: object): void {
    for (const observer of this.observers) observer(event, payload);
    if (this.sink === undefined) this.sink = this.findSink();
    if (this.sink === null) return;
    try {
      this.sink.emit(event, payload);
    } catch (error) {
      this.logger.error(`a listener of ${event} threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

/**
 * The injection token of `@nestjs/event-emitter`'s EventEmitter2, or null
 * when that optional peer dependency is not installed.
 */
export async function eventEmitterToken(): Promise<unknown> {
  const module = await loadOptionalPeer<{ EventEmitter2: unknown }>('@nestjs/event-emitter');
  return module?.EventEmitter2 ?? null;
}
