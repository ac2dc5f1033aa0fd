import { performance } from 'node:perf_hooks';
import { DemoUsers } from '../examples/app/demo-users.js';

/**
 * The example's login is the code users copy: an unknown username must cost
 * what a wrong password costs, or response times tell which usernames exist.
 * (A ratio of medians measured in one run, with a wide margin: both sides
 * hash, so they differ by noise, where skipping the hash made them differ
 * twentyfold.)
 */
describe('the example application\'s login', () => {
  it('takes as long for an unknown username as for a wrong password', () => {
    const users = new DemoUsers();
    const median = (run: () => unknown) => {
      const times = Array.from({ length: 15 }, () => {
        const started = performance.now();
        run();
        return performance.now() - started;
      }).sort((a, b) => a - b);
      return times[7]!;
    };
    expect(users.verify('nobody', 'guess')).toBeNull();
    expect(users.verify('alice', 'wrong')).toBeNull();
    expect(users.verify('alice', 'alice-password')).toMatchObject({ id: 'user-alice' });
    const unknown = median(() => users.verify('nobody', 'guess'));
    const wrongPassword = median(() => users.verify('alice', 'wrong'));
    expect(unknown / wrongPassword).toBeGreaterThan(0.5);
    expect(unknown / wrongPassword).toBeLessThan(2);
  });
});
