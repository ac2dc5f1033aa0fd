import passport from 'passport';

/** Name of the first module instance's Passport strategy. */
export const TRACKED_JWT_STRATEGY = 'tracked-jwt';

/** Injection token of this module instance's strategy name (internal). */
export const TRACKED_JWT_STRATEGY_NAME = Symbol.for('nestjs-token-tracking:strategy-name');

/**
 * The first strategy name free in Passport's registry: `tracked-jwt`, then
 * `tracked-jwt-2`, … Passport keeps one registry per process, so two
 * applications in one process (end-to-end tests, hybrid apps) under one
 * name would verify each other's tokens with the last one's keys; each
 * module instance takes its own, and its guard asks for that one.
 */
export function freeStrategyName(): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? TRACKED_JWT_STRATEGY : `${TRACKED_JWT_STRATEGY}-${n}`;
    if (registeredStrategy(name) === undefined) return name;
  }
}

/** Takes `strategy` out of Passport's registry, if it is still the one registered under `name`. */
export function releaseStrategyName(name: string, strategy: object): void {
  if (registeredStrategy(name) === strategy) passport.unuse(name);
}

/** The strategy Passport holds under `name`, if any. */
export function registeredStrategy(name: string): unknown {
  // Passport's own lookup; its typings do not declare it.
  return (passport as unknown as { _strategy(name: string): unknown })._strategy(name);
}
