/** A method of `T`, by name. */
type MethodName<T> = { [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never }[keyof T];
type MethodOf<T, K extends keyof T> = Extract<NonNullable<T[K]>, (...args: never[]) => unknown>;

/**
 * `target` with its method `name` replaced by what `replace` makes of the
 * original (already bound to `target`). Every other method is bound to
 * `target` too, so that the object's private fields keep working when it is
 * called through the proxy. A method `target` lacks stays missing.
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
