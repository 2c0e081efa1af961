// A wait that ends early, without throwing, when the operation's signal fires: the caller's next step
// then sees the signal and reports the timeout in its own words. The listener goes with the wait: the
// queue's retries pause on its lifetime signal, and a listener left behind per retry would pile up
// until the service stops.
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
