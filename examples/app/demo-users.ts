import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly role: 'user' | 'admin';
}

interface StoredUser extends DemoUser {
  readonly salt: Buffer;
  readonly passwordHash: Buffer;
}

/** The example's user store: three fixed accounts with scrypt-hashed passwords. */
export const DEMO_ACCOUNTS = [
  { id: 'user-alice', username: 'alice', password: 'alice-password', role: 'user' },
  { id: 'user-bob', username: 'bob', password: 'bob-password', role: 'user' },
  { id: 'user-admin', username: 'admin', password: 'admin-password', role: 'admin' },
] as const;

@Injectable()
export class DemoUsers {
  private readonly users: StoredUser[] = DEMO_ACCOUNTS.map(({ password, ...user }) => {
    const salt = randomBytes(16);
    return { ...user, salt, passwordHash: scryptSync(password, salt, 32) };
  });

  /** Hashed against when the username is unknown, so that it costs what a wrong password costs. */
  private readonly decoy: Pick<StoredUser, 'salt' | 'passwordHash'> = { salt: randomBytes(16), passwordHash: randomBytes(32) };

  /**
   * The user, when the password is right; null otherwise. An unknown
   * username is hashed too: answering it faster than a wrong password would
   * tell an attacker which usernames exist.
   */
  verify(username: string, password: string): DemoUser | null {
    const user = this.users.find((candidate) => candidate.username === username);
    const { salt, passwordHash } = user ?? this.decoy;
    const matches = timingSafeEqual(scryptSync(password, salt, 32), passwordHash);
    if (!user || !matches) return null;
    return { id: user.id, username: user.username, role: user.role };
  }
}
