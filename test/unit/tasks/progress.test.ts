import { describe, expect, it } from 'vitest'
import { ProgressMeter, type ProgressRecord } from '../../../src-main/tasks/progress'

describe('ProgressMeter', () => {
  it('throttles, computes windowed speed and ETA', () => {
    let t = 0
    const out: ProgressRecord[] = []
    const m = new ProgressMeter((r) => out.push(r), { intervalMs: 100, windowMs: 1000, now: () => t })
    m.update('hashing', 0, 1000)
    for (let i = 1; i <= 100; i++) {
      t += 10
      m.update('hashing', i * 10, 1000)
    }
    // 1000 ms of updates every 10 ms, throttled to one per 100 ms (+ the forced first)
    expect(out.length).toBe(11)
    const last = out[out.length - 1]
    expect(last.bytesPerSecond).toBeCloseTo(1000, 0)
    expect(last.etaSeconds).toBeCloseTo(0, 5)
    expect(out[5].etaSeconds).toBeCloseTo(0.5, 1)
  })

  it('emits at once on a phase change and resets the speed window', () => {
    let t = 0
    const out: ProgressRecord[] = []
    const m = new ProgressMeter((r) => out.push(r), { intervalMs: 1000, now: () => t })
    m.update('a', 0, null)
    t = 5
    m.update('b', 10, null)
    expect(out.map((r) => r.phase)).toEqual(['a', 'b'])
    expect(out[1].bytesPerSecond).toBe(0)
    expect(out[1].etaSeconds).toBeNull()
  })
})
