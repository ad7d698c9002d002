/**
 * The checker on hand-made histories: a clean one passes, and each anomaly, made on purpose,
 * is reported with the operations involved. Unknown outcomes are allowed either way, once.
 */
import { describe, expect, it } from 'vitest'
import { check, longestGap, percentile } from './checker.js'
import type { Operation } from './history.js'

let nextId = 0
function op(fields: Partial<Operation> & Pick<Operation, 'kind'>): Operation {
  const id = nextId++
  return { id, client: 0, invokeMs: id * 10, completeMs: id * 10 + 5, outcome: 'ok', ...fields }
}
const put = (body: string, outcome: Operation['outcome'] = 'ok'): Operation =>
  op({ kind: 'put', put: [body], outcome })
const get = (body: string | undefined, outcome: Operation['outcome'] = 'ok'): Operation =>
  op({ kind: 'get', got: body, outcome })
const kinds = (operations: Operation[], final: string[] = []): string[] =>
  check({ operations, final }).anomalies.map((anomaly) => anomaly.kind)

describe('chaos checker', () => {
  it('passes a clean history: puts taken once or left once, unknowns either way', () => {
    const history = [
      put('m1'),
      put('m2'),
      put('m3', 'unknown'),
      put('m4', 'unknown'),
      put('m5', 'fail'),
      get('m1'),
      op({ kind: 'browse', browsed: ['m2'] }),
      op({ kind: 'uow', put: ['u1', 'u2'], got: 'm2' }),
      op({ kind: 'uow', put: ['u3', 'u4'], outcome: 'unknown' }),
      op({ kind: 'uow', put: ['u5', 'u6'], outcome: 'fail', reason: 2003 }),
    ]
    const verdict = check({ operations: history, final: ['m3', 'u1', 'u2', 'u3', 'u4'] })
    expect(verdict.anomalies).toEqual([])
    expect(verdict.valid).toBe(true)
  })

  it('reports an acknowledged put that is missing', () => {
    const lost = put('m1')
    const verdict = check({ operations: [lost, put('m2')], final: ['m2'] })
    expect(verdict.anomalies).toHaveLength(1)
    expect(verdict.anomalies[0]).toMatchObject({
      kind: 'acknowledged-put-missing',
      operations: [lost.id],
    })
  })

  it('lets a get of unknown outcome explain one missing message, not two', () => {
    expect(kinds([put('m1'), put('m2'), get(undefined, 'unknown')], ['m2'])).toEqual([])
    // Absent puts of unknown outcome did not happen: they use none of the allowance.
    const unknownPuts = [put('u1', 'unknown'), put('u2', 'unknown')]
    expect(kinds([...unknownPuts, put('m1'), get(undefined, 'unknown')], [])).toEqual([])
    expect(kinds([put('m1'), put('m2'), get(undefined, 'unknown')], [])).toEqual([
      'acknowledged-put-missing',
      'acknowledged-put-missing',
    ])
  })

  it('reports an acknowledged put absent from the committed log, whatever gets were unknown', () => {
    const history = [put('m1'), put('m2'), get(undefined, 'unknown'), get(undefined, 'unknown')]
    expect(check({ operations: history, final: [], loggedPuts: new Set(['m1', 'm2']) }).valid).toBe(
      true,
    )
    const verdict = check({ operations: history, final: [], loggedPuts: new Set(['m1']) })
    expect(verdict.anomalies).toMatchObject([
      { kind: 'acknowledged-put-missing', operations: [history[1]!.id] },
    ])
  })

  it('holds a get re-driven after a reconnect to exactly once: a message lost is reported', () => {
    const redriven = op({ kind: 'get', got: 'm2', redriven: true })
    const verdict = check({ operations: [put('m1'), put('m2'), redriven], final: [] })
    expect(verdict.anomalies.map((anomaly) => anomaly.kind)).toEqual(['acknowledged-put-missing'])
    expect(verdict.anomalies[0]!.detail).toContain(`re-driven gets: ops ${redriven.id}`)
    // The re-driven get that returned the first attempt's message loses nothing.
    expect(kinds([put('m1'), put('m2'), redriven], ['m1'])).toEqual([])
  })

  it('with allowRedrivenGets, counts a re-driven get as one more get of unknown outcome', () => {
    const redriven = op({ kind: 'get', got: 'm2', redriven: true })
    const history = [put('m1'), put('m2'), redriven]
    expect(check({ operations: history, final: [], allowRedrivenGets: true }).valid).toBe(true)
    const plain = [put('m1'), put('m2'), get('m2')]
    expect(check({ operations: plain, final: [], allowRedrivenGets: true }).valid).toBe(false)
  })

  it('lets a unit of work of unknown outcome account for the message it named, only that one', () => {
    const unknownUnit = op({ kind: 'uow', put: ['u1', 'u2'], got: 'm1', outcome: 'unknown' })
    expect(kinds([put('m1'), unknownUnit], ['u1', 'u2'])).toEqual([])
    expect(kinds([put('m1'), put('m2'), unknownUnit], ['u1', 'u2'])).toEqual([
      'acknowledged-put-missing',
    ])
  })

  it('reports a message delivered twice, by two gets or left twice', () => {
    expect(kinds([put('m1'), get('m1'), get('m1')])).toEqual(['delivered-twice'])
    expect(kinds([put('m1', 'unknown')], ['m1', 'm1'])).toEqual(['delivered-twice'])
  })

  it('reports an acknowledged get whose message reappeared', () => {
    expect(kinds([put('m1'), get('m1')], ['m1'])).toEqual(['acknowledged-get-reappeared'])
  })

  it('reports a message that was never put, delivered, browsed or left', () => {
    expect(kinds([get('x')])).toEqual(['never-put'])
    expect(kinds([op({ kind: 'browse', browsed: ['y'] })])).toEqual(['never-put'])
    expect(kinds([], ['z'])).toEqual(['never-put'])
  })

  it('reports a unit of work partly applied, committed or of unknown outcome', () => {
    const committed = op({ kind: 'uow', put: ['u1', 'u2'] })
    expect(kinds([committed], ['u1'])).toEqual(['uow-partly-applied', 'acknowledged-put-missing'])
    // A unit that named what it got cannot also excuse a loss as an unnamed get.
    const unknown = op({ kind: 'uow', put: ['u3', 'u4'], got: 'm0', outcome: 'unknown' })
    expect(kinds([put('m0', 'unknown'), unknown], ['u4'])).toEqual(['uow-partly-applied'])
    const gone = op({ kind: 'uow', put: ['u5', 'u6'] })
    expect(kinds([gone], [])).toEqual(['acknowledged-put-missing', 'acknowledged-put-missing'])
  })

  it('reports a failed call that took effect', () => {
    const failed = op({ kind: 'uow', put: ['u1', 'u2'], outcome: 'fail', reason: 2003 })
    expect(kinds([failed], ['u1', 'u2'])).toEqual(['failed-operation-applied'])
  })

  it('reports two primaries: one epoch served twice, or an old epoch acknowledging late', () => {
    const serving = [
      { node: 'a', epoch: 3, startMs: 0, endMs: 100 },
      { node: 'b', epoch: 3, startMs: 50, endMs: 150 },
    ]
    const twice = check({ operations: [], final: [], serving })
    expect(twice.anomalies.map((anomaly) => anomaly.kind)).toEqual(['two-primaries'])
    const newer = op({ kind: 'put', put: ['n'], epoch: 5, invokeMs: 0, completeMs: 10 })
    const stale = op({ kind: 'put', put: ['s'], epoch: 4, invokeMs: 20, completeMs: 30 })
    const late = check({ operations: [newer, stale], final: ['n', 's'] })
    expect(late.anomalies).toMatchObject([
      { kind: 'two-primaries', operations: [stale.id, newer.id] },
    ])
    const inOrder = op({ kind: 'put', put: ['o'], epoch: 4, invokeMs: 5, completeMs: 30 })
    expect(check({ operations: [newer, inOrder], final: ['n', 'o'] }).valid).toBe(true)
  })

  it('reports committed logs that differ after healing, not logs of different lengths', () => {
    const logs = [
      { node: 'a', records: ['1', '2', '3'] },
      { node: 'b', records: ['1', '2'] },
      { node: 'c', records: ['1', 'X', '3'] },
    ]
    const verdict = check({ operations: [], final: [], logs })
    expect(verdict.anomalies).toMatchObject([{ kind: 'logs-differ' }])
    expect(verdict.anomalies[0]!.detail).toContain('c differ at record 1')
  })

  it('measures availability as the longest window without an acknowledgement after a fault', () => {
    const operations = [5, 20, 90, 95, 200].map((at) =>
      op({ kind: 'put', put: [`a${at}`], invokeMs: at - 1, completeMs: at }),
    )
    const final = operations.map((operation) => operation.put![0]!)
    const faults = [
      { kind: 'kill' as const, startMs: 10, endMs: 60, detail: '' },
      { kind: 'kill' as const, startMs: 100, endMs: 150, detail: '' },
    ]
    const verdict = check({ operations, final, faults, endMs: 210 })
    expect(verdict.availability.kill).toEqual({ faults: 2, p50Ms: 70, p99Ms: 100, maxMs: 100 })
    expect(longestGap([5, 20, 90], 0, 100)).toBe(70)
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2)
  })
})

describe('chaos checker, DR pair', () => {
  const window = {
    kind: 'forced-promotion' as const,
    startMs: 1_000_000,
    endMs: 2_000_000,
    detail: 'kill -9 a; rdqmdr -p, strmqm on b',
  }
  const at = (fields: Partial<Operation> & Pick<Operation, 'kind'>, ms: number): Operation =>
    op({ ...fields, invokeMs: ms, completeMs: ms + 5 })

  it('async: an acknowledged put given up by a forced promotion must be saved aside', () => {
    const kept = put('m1')
    const given = at({ kind: 'put', put: ['m2'] }, 1_500_000)
    const operations = [kept, given]
    const saved = check({
      operations,
      final: ['m1'],
      faults: [window],
      dr: { type: 'a', saved: new Set(['m2']) },
    })
    expect(saved.anomalies).toEqual([])
    expect(saved.givenUp).toEqual({ savedPuts: 1, gets: 0 })
    // The same history with nothing saved aside: m2 is silently gone.
    const gone = check({
      operations,
      final: ['m1'],
      faults: [window],
      dr: { type: 'a', saved: new Set() },
    })
    expect(gone.anomalies).toMatchObject([
      { kind: 'acknowledged-put-missing', operations: [given.id] },
    ])
    // Nor does the committed-log rule excuse it: saved aside is the only excuse.
    const logged = check({
      operations,
      final: ['m1'],
      faults: [window],
      loggedPuts: new Set(['m1']),
      dr: { type: 'a', saved: new Set() },
    })
    expect(logged.anomalies.map((anomaly) => anomaly.kind)).toContain('acknowledged-put-missing')
  })

  it('sync: nothing acknowledged may be missing, saved aside or not', () => {
    const given = at({ kind: 'put', put: ['m2'] }, 1_500_000)
    const verdict = check({
      operations: [given],
      final: [],
      faults: [window],
      dr: { type: 's', saved: new Set(['m2']) },
    })
    expect(verdict.anomalies.map((anomaly) => anomaly.kind)).toEqual(['acknowledged-put-missing'])
  })

  it('async: a get of the deposed side during a forced promotion may reappear; outside, not', () => {
    const inside = at({ kind: 'get', got: 'm1' }, 1_200_000)
    const dr = { type: 'a' as const, saved: new Set<string>() }
    const during = check({ operations: [put('m1'), inside], final: ['m1'], faults: [window], dr })
    expect(during.anomalies).toEqual([])
    expect(during.givenUp?.gets).toBe(1)
    const outside = at({ kind: 'get', got: 'm1' }, 3_000_000)
    const after = check({ operations: [put('m1'), outside], final: ['m1'], faults: [window], dr })
    expect(after.anomalies.map((anomaly) => anomaly.kind)).toEqual(['acknowledged-get-reappeared'])
    const sync = check({
      operations: [put('m1'), inside],
      final: ['m1'],
      faults: [window],
      dr: { type: 's', saved: new Set() },
    })
    expect(sync.anomalies.map((anomaly) => anomaly.kind)).toEqual(['acknowledged-get-reappeared'])
  })

  it('two primaries acknowledging: allowed inside an async forced promotion only', () => {
    // Epoch 3 acknowledged first; then epoch 2 (the deposed side) acknowledges a later call.
    const newer = at({ kind: 'put', put: ['n1'], epoch: 3 }, 1_100_000)
    const older = at({ kind: 'put', put: ['o1'], epoch: 2 }, 1_300_000)
    const operations = [newer, older]
    const final = ['n1', 'o1']
    const async = { type: 'a' as const, saved: new Set<string>() }
    expect(check({ operations, final, faults: [window], dr: async }).anomalies).toEqual([])
    const sync = { type: 's' as const, saved: new Set<string>() }
    expect(
      check({ operations, final, faults: [window], dr: sync }).anomalies.map((a) => a.kind),
    ).toEqual(['two-primaries'])
    // Outside any forced promotion's window the rule applies in async mode too.
    expect(
      check({ operations, final, faults: [], dr: async }).anomalies.map((a) => a.kind),
    ).toEqual(['two-primaries'])
  })
})
