/**
 * Loads an optional peer dependency, or returns null when the application
 * has not installed it. The one place that decides how optional packages are
 * loaded, so that both builds of the library (ESM and CommonJS) do it the
 * way their module system expects.
 */
export async function loadOptionalPeer<T>(name: string): Promise<T | null> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isNotInstalled(error, name)) return null;
    throw error;
  }
}

function isNotInstalled(error: unknown, name: string): boolean {
  // Not `instanceof Error`: errors from test runners' module sandboxes come from another realm.
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(message)) &&
    message.includes(name);
}
