/** Runs async sections one at a time (the batch handler, the commit timer and stop share the buffers). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section);
    this.tail = result.catch(() => {});
    return result;
  }
}
