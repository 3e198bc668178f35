// A fuzz run that its time limit interrupts fails (with the count it reached), never passes: the options every
// fuzz test uses, with a 200 ms limit on a property that takes 50 ms a run and 100 planned runs.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fuzzOptions } from '../../fixtures/fuzz'

describe('fuzz options', () => {
  it('make an interrupted run a failure', async () => {
    const slow = fc.asyncProperty(fc.integer(), async () => {
      await new Promise((r) => setTimeout(r, 50))
      return true
    })
    await expect(fc.assert(slow, fuzzOptions(100, 1, 200))).rejects.toThrow(/interrupted/i)
    // and a run that completes passes
    await expect(
      fc.assert(
        fc.asyncProperty(fc.integer(), async () => true),
        fuzzOptions(20, 1, 5_000),
      ),
    ).resolves.toBeUndefined()
  })
})
