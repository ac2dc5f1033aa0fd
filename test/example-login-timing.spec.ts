import { performance } from 'node:perf_hooks';
import { DemoUsers } from '../examples/app/demo-users.js';

/**
 * The example's login is the code users copy: an unknown username must cost
 * what a wrong password costs, or response times tell which usernames exist.
 * (The median of ratios of pairs measured back to back, so that a machine
 * busy with other work slows both sides of a pair alike; with a wide
 * margin: both sides hash, so they differ by noise, where skipping the hash
 * made them differ twentyfold.)
 */
describe('the example application\'s login', () => {
  it('takes as long for an unknown username as for a wrong password', () => {
    const users = new DemoUsers();
    const timed = (run: () => unknown) => {
      const started = performance.now();
      run();
      return performance.now() - started;
    };
    expect(users.verify('nobody', 'guess')).toBeNull();
    expect(users.verify('alice', 'wrong')).toBeNull();
    expect(users.verify('alice', 'alice-password')).toMatchObject({ id: 'user-alice' });
    const ratios = Array.from({ length: 21 }, (_, n) => {
      // Alternate which side goes first, so that neither always has the warmer cache.
      const [unknown, wrongPassword] = n % 2 === 0
        ? [timed(() => users.verify('nobody', 'guess')), timed(() => users.verify('alice', 'wrong'))]
        : [timed(() => users.verify('alice', 'wrong')), timed(() => users.verify('nobody', 'guess'))].reverse();
      return unknown! / wrongPassword!;
    }).sort((a, b) => a - b);
    const medianRatio = ratios[10]!;
    expect(medianRatio).toBeGreaterThan(0.33);
    expect(medianRatio).toBeLessThan(3);
  });
});
