// A global bandwidth limit shared by every running upload: a token bucket whose rate can change while
// uploads run (0 = unlimited).
import { sleep } from './retry'

export class BandwidthLimiter {
  private tokens = 0
  private last = performance.now()

  constructor(private bytesPerSecond = 0) {}

  get rate(): number {
    return this.bytesPerSecond
  }

  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = Math.max(0, bytesPerSecond)
    this.tokens = 0
    this.last = performance.now()
  }

  /** Wait until `bytes` may be sent. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    let left = bytes
    while (left > 0 && this.bytesPerSecond > 0) {
      const now = performance.now()
      this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond)
      this.last = now
      const use = Math.min(left, this.tokens)
      this.tokens -= use
      left -= use
      if (left > 0) await sleep(Math.min(1000, Math.max(5, (Math.min(left, this.bytesPerSecond) / this.bytesPerSecond) * 1000)), signal)
    }
  }
}
