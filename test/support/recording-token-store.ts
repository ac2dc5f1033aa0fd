import { TokenStore } from '../../src/index.js';

/**
 * Wraps a real store and counts the calls made to it, to show which checks
 * happen before the database is touched.
 */
export class RecordingTokenStore implements TokenStore {
  readonly calls: string[] = [];

  constructor(private readonly inner: TokenStore) {}

  recordIssued(...args: Parameters<TokenStore['recordIssued']>) {
    this.calls.push('recordIssued');
    return this.inner.recordIssued(...args);
  }
  countActiveSessions(...args: Parameters<TokenStore['countActiveSessions']>) {
    this.calls.push('countActiveSessions');
    return this.inner.countActiveSessions(...args);
  }
  listActiveSessions(...args: Parameters<TokenStore['listActiveSessions']>) {
    this.calls.push('listActiveSessions');
    return this.inner.listActiveSessions(...args);
  }
  isRevoked(...args: Parameters<TokenStore['isRevoked']>) {
    this.calls.push('isRevoked');
    return this.inner.isRevoked(...args);
  }
  revoke(...args: Parameters<TokenStore['revoke']>) {
    this.calls.push('revoke');
    return this.inner.revoke(...args);
  }
  revokeAllForUser(...args: Parameters<TokenStore['revokeAllForUser']>) {
    this.calls.push('revokeAllForUser');
    return this.inner.revokeAllForUser(...args);
  }
}
