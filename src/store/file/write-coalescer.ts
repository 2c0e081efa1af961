// Group commit. lowdb's write() re-serialises the whole document, so writing once per registration
// would make a registration storm quadratic. Every caller that asks for a write while one is running
// shares the next one: N registrations in flight cost two writes, not N, and each caller's promise
// still resolves only after a write that started after its change was made.

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WriteCoalescer {
  private waiting: Waiter[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly write: () => Promise<void>) {}

  /** Resolves once a write that began after this call has completed. */
  request(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      // setImmediate lets every request made in this turn of the event loop join the same write.
      this.running ??= new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
    });
  }

  /** Resolves when nothing is pending (used at shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          await this.write();
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
