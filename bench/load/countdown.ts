/** Resolves `settled` once `tick()` has been called `count` times: a window of outstanding ops. */
export class Countdown {
  readonly settled: Promise<void>;
  #remaining: number;
  #resolve!: () => void;

  constructor(count: number) {
    this.#remaining = count;
    this.settled = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    if (count === 0) this.#resolve();
  }

  tick(): void {
    this.#remaining -= 1;
    if (this.#remaining === 0) this.#resolve();
  }
}
