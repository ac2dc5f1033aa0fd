/** A method of `T`, by name. */
type MethodName<T> = { [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never }[keyof T];
type MethodOf<T, K extends keyof T> = Extract<NonNullable<T[K]>, (...args: never[]) => unknown>;

/**
 * `target`, read through a proxy whose method `name` is what `replace`
 * makes of the original (already bound to `target`). Every other method
 * read through the proxy is bound to `target` too, so that it reaches the
 * object's private fields; the object's own calls through `this` are not
 * intercepted. A method `target` lacks stays missing. For reads and calls
 * only: assign to `target` itself.
 */
export function interceptMethod<T extends object, K extends MethodName<T>>(
  target: T,
  name: K,
  replace: (original: MethodOf<T, K>) => MethodOf<T, K>,
): T {
  return new Proxy(target, {
    get(inner, property) {
      const value = Reflect.get(inner, property) as unknown;
      if (typeof value !== 'function') return value;
      const bound = value.bind(inner) as MethodOf<T, K>;
      return property === name ? replace(bound) : bound;
    },
  });
}
