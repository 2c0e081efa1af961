// A FIFO async mutex. Finding a host and saving it must be one step, or two concurrent registrations
// of one machine would both find nothing and create two hosts. The section only covers in-memory
// work; the wait for the disk happens after release, so registrations still share group commits.
/** Runs sections one at a time. Mutex within one process; store/postgres/cluster-lock.ts across every
 *  instance sharing a database. */
export interface Lock {
  run<T>(section: () => Promise<T> | T): Promise<T>;
}

export class Mutex implements Lock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(section: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await section();
    } finally {
      release();
    }
  }
}
