import { Logger } from '@nestjs/common';

/** The part of EventEmitter2 this library uses. */
export interface EventSink {
  emit(event: string, ...values: unknown[]): boolean;
}

/**
 * Emits lifecycle events when the application has an event emitter, and
 * never lets a listener's failure break the operation that emitted it.
 */
export class TokenEventPublisher {
  private readonly logger = new Logger('TokenTracking');

  constructor(private readonly sink: EventSink | null) {}

  get enabled(): boolean {
    return this.sink !== null;
  }

  publish(event: string, payload: object): void {
    if (!this.sink) return;
    try {
      this.sink.emit(event, payload);
    } catch (error) {
      this.logger.error(`a listener of ${event} threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

/**
 * The application's EventEmitter2, if it imported `EventEmitterModule`;
 * `@nestjs/event-emitter` is an optional peer dependency.
 */
export async function findEventSink(resolve: (token: unknown) => unknown): Promise<EventSink | null> {
  try {
    const { EventEmitter2 } = await import('@nestjs/event-emitter');
    return resolve(EventEmitter2) as EventSink;
  } catch {
    return null;
  }
}
