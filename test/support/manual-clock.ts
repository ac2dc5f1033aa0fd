/** A clock that moves only when told to, for expiry tests without sleeping. */
export class ManualClock {
  constructor(private current: number = Date.now()) {}

  readonly now = (): number => this.current;

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
