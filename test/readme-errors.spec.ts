import { readFile } from 'node:fs/promises';
import * as library from '../src/index.js';

/** The README's error table is what users code against: it must not drift from the code. */
describe('the README error table', () => {
  it('lists every error class with its real code and HTTP status', async () => {
    const readme = await readFile('README.md', 'utf8');
    const rows = [...readme.matchAll(/^\| `(\w+Error)` \| `(\w+)` \| [^|]+ \| ([^|]+) \|$/gm)];
    const documented = new Set(rows.map(([, name]) => name));
    const exported = Object.entries(library)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof library.TokenTrackingError)
      .map(([name]) => name);
    expect([...documented].sort()).toEqual(exported.sort());

    for (const [, name, code, http] of rows) {
      const ErrorClass = library[name as keyof typeof library] as unknown as new (argument?: unknown) => library.TokenTrackingError;
      const error = new ErrorClass(name === 'TokenTypeMismatchError' ? 'access' : undefined);
      expect({ name, code: error.code }).toEqual({ name, code });
      const status = /^\d{3}/.exec(http!.trim())?.[0];
      if (status) expect({ name, status: error.getStatus() }).toEqual({ name, status: Number(status) });
    }
  });
});
