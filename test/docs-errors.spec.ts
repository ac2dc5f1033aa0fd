import { readFile } from 'node:fs/promises';
import * as library from '../src/index.js';

/** The error reference is what users code against: it must not drift from the code. */
describe('docs/errors.md', () => {
  it('lists every error class with its real code and HTTP status, and every code of the catalogue', async () => {
    const page = await readFile('docs/errors.md', 'utf8');
    const rows = [...page.matchAll(/^\| `(\w+Error)` \| `(\w+)` \| (\d{3}) \|/gm)];
    const documented = rows.map(([, name]) => name!).sort();
    const exported = Object.entries(library)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof library.TokenTrackingError)
      .map(([name]) => name)
      .sort();
    expect(documented).toEqual(exported);
    expect(new Set(rows.map(([, , code]) => code))).toEqual(new Set(Object.keys(library.ERROR_CATALOG)));

    for (const [, name, code, status] of rows) {
      const ErrorClass = library[name as keyof typeof library] as unknown as new (argument?: unknown) => library.TokenTrackingError;
      const error = new ErrorClass(name === 'TokenTypeMismatchError' ? 'access' : name === 'InvalidArgumentError' ? 'x' : undefined);
      expect({ name, code: error.code, status: error.getStatus() }).toEqual({ name, code, status: Number(status) });
    }
  });
});
