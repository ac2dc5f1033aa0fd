import { TokenStore } from '../../src/index.js';

/**
 * A real store whose calls are recorded by name, to show which checks happen
 * before the database is touched.
 */
export function recordingTokenStore(inner: TokenStore): { store: TokenStore; calls: string[] } {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { store, calls };
}
