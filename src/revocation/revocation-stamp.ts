import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationStamp } from '../store/token-store.interface.js';

/** A revocation made now, for `reason`, and which sessions still count as live given the clock tolerance. */
export function revocationStamp(options: ResolvedTokenTrackingOptions, reason: string): RevocationStamp {
  const nowMs = options.clock();
  return { at: new Date(nowMs), reason, expiredBy: new Date(nowMs - options.clockToleranceSeconds * 1000) };
}
