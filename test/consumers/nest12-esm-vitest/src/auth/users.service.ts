import { Injectable } from '@nestjs/common';

export interface User {
  id: string;
  username: string;
  role: 'user' | 'admin';
}

/** A hard-coded user table: this application is about tokens, not passwords. */
const USERS: ReadonlyArray<User & { password: string }> = [
  { id: 'user-alice', username: 'alice', password: 'alice-password', role: 'user' },
  { id: 'user-bob', username: 'bob', password: 'bob-password', role: 'user' },
  { id: 'user-admin', username: 'admin', password: 'admin-password', role: 'admin' },
];

@Injectable()
export class UsersService {
  verify(username: unknown, password: unknown): User | null {
    const found = USERS.find((user) => user.username === username && user.password === password);
    return found ? { id: found.id, username: found.username, role: found.role } : null;
  }
}
