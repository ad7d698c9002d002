/**
 * Goal: every MQSC command does what MQ's does to a real queue engine, and every refusal prints
 * MQ's message and counts as a failed command without stopping the script.
 * Method: scripts run through runMqsc against an engine over the in-memory journal; effects
 * checked on the engine, responses compared in full.
 */
import { describe, expect, it } from 'vitest'
import { runMqsc } from '../../src/mqsc/index.js'
import type { QueueEngine } from '../../src/queue/engine.js'
import { DEFAULT_QUEUE_SETTINGS } from '../../src/queue/queue-attributes.js'
import { mqscFixture } from './fixture.js'

const body = new TextEncoder().encode('hello')

describe('DEFINE QLOCAL', () => {
  it("creates a queue with MQ's defaults", async () => {
    const { engine, responses } = mqscFixture()
    expect(await responses('DEFINE QLOCAL(Q1)')).toEqual([
      '     1 : DEFINE QLOCAL(Q1)',
      'AMQ8006I: Queue created.',
    ])
    expect(engine.queueAttributes('Q1')).toEqual({ ...DEFAULT_QUEUE_SETTINGS, name: 'Q1' })
  })

  it('sets every attribute it names', async () => {
    const { engine, run } = mqscFixture()
    const result = await run(
      "DEFINE QLOCAL('app.q') DESCR('it''s mine') MAXDEPTH(10) MAXMSGL(1000) DEFPSIST(YES) +\n" +
        '  DEFPRTY(7) PUT(DISABLED) GET(DISABLED) MSGDLVSQ(FIFO)',
    )
    expect(result).toMatchObject({ commandsRead: 1, commandsFailed: 0 })
    expect(engine.queueAttributes('app.q')).toEqual({
      name: 'app.q',
      description: "it's mine",
      maxDepth: 10,
      maxMessageLength: 1000,
      defaultPersistent: true,
      defaultPriority: 7,
      putEnabled: false,
      getEnabled: false,
      deliverySequence: 'FIFO',
      backoutThreshold: 0,
      backoutRequeueQueue: '',
    })
  })

  it('refuses an existing name unless REPLACE, which resets what it does not name', async () => {
    const { engine, run } = mqscFixture()
    const result = await run(
      'DEFINE QLOCAL(Q1) MAXDEPTH(7) DESCR(OLD)\n' +
        'DEFINE QLOCAL(Q1) MAXDEPTH(8)\n' +
        'DEFINE QLOCAL(Q1) MAXDEPTH(9) NOREPLACE\n' +
        'DEFINE QLOCAL(Q1) DEFPRTY(3) REPLACE',
    )
    expect(result.results.map((command) => command.lines)).toEqual([
      ['AMQ8006I: Queue created.'],
      ['AMQ8150E: Object already exists.'],
      ['AMQ8150E: Object already exists.'],
      ['AMQ8006I: Queue created.'],
    ])
    expect(result).toMatchObject({ commandsRead: 4, commandsFailed: 2 })
    expect(engine.queueAttributes('Q1')).toMatchObject({
      maxDepth: 5000,
      description: '',
      defaultPriority: 3,
    })
  })

  it('takes what it does not name from LIKE, and names a missing LIKE queue', async () => {
    const { engine, run } = mqscFixture()
    const result = await run(
      'DEF QL(MODEL) MAXDEPTH(7) DEFPSIST(YES)\n' +
        'DEF QL(COPY) LIKE(MODEL) DESCR(MINE)\n' +
        'DEF QL(OTHER) LIKE(MISSING)',
    )
    expect(result.results[2]).toEqual({
      command: 'DEF QL(OTHER) LIKE(MISSING)',
      lines: ['AMQ8147E: Object MISSING not found.'],
      failed: true,
    })
    expect(engine.queueAttributes('COPY')).toMatchObject({
      maxDepth: 7,
      defaultPersistent: true,
      description: 'MINE',
    })
    expect(engine.listQueues().map((queue) => queue.name)).toEqual(['COPY', 'MODEL'])
  })
})

describe('ALTER QLOCAL', () => {
  it('changes what it names and keeps the rest', async () => {
    const { engine, run } = mqscFixture()
    const result = await run(
      'DEF QL(Q1) MAXDEPTH(7) DESCR(KEEP)\nALTER QLOCAL(Q1) PUT(DISABLED) DEFPRTY(4)',
    )
    expect(result.results[1]?.lines).toEqual(['AMQ8008I: Queue changed.'])
    expect(engine.queueAttributes('Q1')).toMatchObject({
      maxDepth: 7,
      description: 'KEEP',
      putEnabled: false,
      defaultPriority: 4,
    })
  })

  it("clears DESCR with DESCR(' ') or DESCR(''), and accepts no attributes at all", async () => {
    const { engine, run } = mqscFixture()
    await run("DEF QL(Q1) DESCR(X)\nALTER QL(Q1) DESCR(' ')\nALTER QL(Q1)")
    expect(engine.queueAttributes('Q1').description).toBe('')
    await run("ALTER QL(Q1) DESCR(X)\nALTER QL(Q1) DESCR('')")
    expect(engine.queueAttributes('Q1').description).toBe('')
  })

  it('shows what it changed', async () => {
    const { run, responses } = mqscFixture()
    await run('DEF QL(Q1)\nALTER QL(Q1) PUT(DISABLED) GET(DISABLED) MSGDLVSQ(FIFO) DEFPSIST(NO)')
    expect(await responses('DIS QL(Q1) PUT GET MSGDLVSQ DEFPSIST')).toEqual([
      '     1 : DIS QL(Q1) PUT GET MSGDLVSQ DEFPSIST',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(Q1)                               TYPE(QLOCAL)',
      '   DEFPSIST(NO)                            GET(DISABLED)',
      '   MSGDLVSQ(FIFO)                          PUT(DISABLED)',
    ])
  })

  it('fails for a queue that does not exist', async () => {
    const { responses } = mqscFixture()
    expect(await responses('ALTER QLOCAL(Q9) MAXDEPTH(1)')).toEqual([
      '     1 : ALTER QLOCAL(Q9) MAXDEPTH(1)',
      'AMQ8147E: Object Q9 not found.',
    ])
  })
})

describe('DELETE QLOCAL', () => {
  it('deletes an empty queue', async () => {
    const { engine, run } = mqscFixture()
    const result = await run('DEF QL(Q1)\nDELETE QLOCAL(Q1)')
    expect(result.results[1]?.lines).toEqual(['AMQ8007I: Queue deleted.'])
    expect(engine.listQueues()).toEqual([])
  })

  it('needs PURGE for a queue with messages', async () => {
    const { engine, run } = mqscFixture()
    await run('DEF QL(Q1)')
    const connection = engine.connect()
    const handle = connection.open('Q1', { output: true })
    await handle.put(body)
    handle.close()
    const result = await run(
      'DELETE QLOCAL(Q1)\nDELETE QLOCAL(Q1) NOPURGE\nDELETE QLOCAL(Q1) PURGE',
    )
    expect(result.results.map((command) => command.lines)).toEqual([
      ['AMQ8143E: Queue not empty.'],
      ['AMQ8143E: Queue not empty.'],
      ['AMQ8007I: Queue deleted.'],
    ])
    expect(engine.listQueues()).toEqual([])
  })

  it('refuses an open queue, and uncommitted messages even with PURGE', async () => {
    const { engine, run } = mqscFixture()
    await run('DEF QL(Q1)')
    const connection = engine.connect()
    const handle = connection.open('Q1', { output: true })
    await handle.put(body, { syncpoint: true })
    expect((await run('DELETE QLOCAL(Q1) PURGE')).results[0]?.lines).toEqual([
      'AMQ8148E: Object in use.',
    ])
    handle.close()
    expect((await run('DELETE QLOCAL(Q1) PURGE')).results[0]?.lines).toEqual([
      'AMQ8143E: Queue not empty.',
    ])
    await connection.commit()
    expect((await run('DELETE QLOCAL(Q1) PURGE')).results[0]?.lines).toEqual([
      'AMQ8007I: Queue deleted.',
    ])
  })

  it('fails for a queue that does not exist', async () => {
    const { run } = mqscFixture()
    expect((await run('DELETE QLOCAL(Q9)')).results[0]).toEqual({
      command: 'DELETE QLOCAL(Q9)',
      lines: ['AMQ8147E: Object Q9 not found.'],
      failed: true,
    })
  })
})

describe('CLEAR QLOCAL', () => {
  it('removes the messages and keeps the queue', async () => {
    const { engine, run } = mqscFixture()
    await run('DEF QL(Q1)')
    const handle = engine.connect().open('Q1', { output: true })
    await handle.put(body)
    await handle.put(body)
    handle.close()
    expect((await run('CLEAR QLOCAL(Q1)')).results[0]?.lines).toEqual(['AMQ8022I: Queue cleared.'])
    expect(engine.queueStatus('Q1').currentDepth).toBe(0)
  })

  it('refuses an open queue, uncommitted messages and a missing queue', async () => {
    const { engine, run } = mqscFixture()
    await run('DEF QL(Q1)')
    const connection = engine.connect()
    const handle = connection.open('Q1', { output: true })
    await handle.put(body, { syncpoint: true })
    const inUse = await run('CLEAR QLOCAL(Q1)')
    handle.close()
    const uncommitted = await run('CLEAR QLOCAL(Q1)\nCLEAR QLOCAL(Q9)')
    expect([...inUse.results, ...uncommitted.results].map((command) => command.lines)).toEqual([
      ['AMQ8148E: Object in use.'],
      ['AMQ8143E: Queue not empty.'],
      ['AMQ8147E: Object Q9 not found.'],
    ])
    expect(uncommitted).toMatchObject({ commandsRead: 2, commandsFailed: 2 })
  })
})

describe('DISPLAY', () => {
  it('shows live depth and open counts in DISPLAY QLOCAL and QSTATUS', async () => {
    const { engine, run, responses } = mqscFixture()
    await run('DEF QL(Q1)')
    const connection = engine.connect()
    const output = connection.open('Q1', { output: true })
    connection.open('Q1', { input: true })
    await output.put(body)
    await output.put(body, { syncpoint: true })
    expect(await responses('DIS QL(Q1) CURDEPTH IPPROCS OPPROCS\nDIS QS(Q1) ALL')).toEqual([
      '     1 : DIS QL(Q1) CURDEPTH IPPROCS OPPROCS',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(Q1)                               TYPE(QLOCAL)',
      '   CURDEPTH(2)                             IPPROCS(1)',
      '   OPPROCS(1)',
      '     2 : DIS QS(Q1) ALL',
      'AMQ8450I: Display queue status details.',
      '   QUEUE(Q1)                               TYPE(QUEUE)',
      '   CURDEPTH(2)                             IPPROCS(1)',
      '   OPPROCS(1)                              UNCOM(1)',
    ])
  })

  it('lists matching queues in name order, one block each', async () => {
    const { run, responses } = mqscFixture()
    await run('DEF QL(APP.B)\nDEF QL(APP.A)\nDEF QL(APPLE)\nDEF QL(SYS.X)')
    expect(await responses('DIS QL(APP.*)\nDIS QS(APP*)')).toEqual([
      '     1 : DIS QL(APP.*)',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(APP.A)                            TYPE(QLOCAL)',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(APP.B)                            TYPE(QLOCAL)',
      '     2 : DIS QS(APP*)',
      'AMQ8450I: Display queue status details.',
      '   QUEUE(APP.A)                            TYPE(QUEUE)',
      '   CURDEPTH(0)',
      'AMQ8450I: Display queue status details.',
      '   QUEUE(APP.B)                            TYPE(QUEUE)',
      '   CURDEPTH(0)',
      'AMQ8450I: Display queue status details.',
      '   QUEUE(APPLE)                            TYPE(QUEUE)',
      '   CURDEPTH(0)',
    ])
  })

  it('fails when nothing matches, generic or not, and for other queue types', async () => {
    const { run } = mqscFixture()
    await run('DEF QL(Q1)')
    const result = await run('DIS QL(Q9)\nDIS QL(X*)\nDIS QS(Q9)\nDIS Q(*) TYPE(QALIAS)')
    expect(result.results.map((command) => command.lines)).toEqual([
      ['AMQ8147E: Object Q9 not found.'],
      ['AMQ8147E: Object X* not found.'],
      ['AMQ8147E: Object Q9 not found.'],
      ['AMQ8147E: Object * not found.'],
    ])
    expect(result.commandsFailed).toBe(4)
  })

  it('shows the queue manager name', async () => {
    const { responses } = mqscFixture()
    expect(await responses('DIS QMGR')).toEqual([
      '     1 : DIS QMGR',
      'AMQ8408I: Display Queue Manager details.',
      '   QMNAME(QM1)                             DEADQ( )',
      '   DESCR( )                                MAXMSGL(4194304)',
      '   MAXPRTY(9)                              MAXUMSGS(10000)',
    ])
  })
})

describe('the queue manager refusing work', () => {
  it('reports quiescing, and still displays', async () => {
    const { engine, run } = mqscFixture()
    await run('DEF QL(Q1)')
    engine.quiesce()
    const result = await run('DEF QL(Q2)\nALTER QL(Q1) DEFPRTY(1)\nDIS QL(*)')
    expect(result.results.map((command) => command.lines[0])).toEqual([
      'AMQ8156E: Queue manager quiescing.',
      'AMQ8156E: Queue manager quiescing.',
      'AMQ8409I: Display Queue details.',
    ])
  })

  it('reports a journal failure, then the queue manager as unavailable', async () => {
    const { journal, run } = mqscFixture()
    journal.fail()
    const result = await run('DEF QL(Q1)\nDEF QL(Q2)')
    expect(result.results.map((command) => command.lines)).toEqual([
      ['AMQ8101S: Error (836) has occurred.'],
      ['AMQ8146E: Queue manager not available.'],
    ])
    expect(result).toMatchObject({ commandsRead: 2, commandsFailed: 2 })
  })
})

describe('unexpected failures', () => {
  it('reports an exception that is not an MQ error as AMQ8101S (893) and carries on', async () => {
    const engine = {
      defineQueue: () => Promise.reject(new TypeError('a bug')),
      listQueues: () => [],
    } as unknown as QueueEngine
    const result = await runMqsc(engine, 'DEF QL(Q1)\nDIS QL(*)', 'QM1')
    expect(result.results.map((command) => command.lines)).toEqual([
      ['AMQ8101S: Error (893) has occurred.'],
      ['AMQ8147E: Object * not found.'],
    ])
  })
})

describe('scripts', () => {
  it('runs every command in order and carries on after failures', async () => {
    const { engine, run } = mqscFixture()
    const result = await run('DEF QL(Q1)\nBOGUS\nDEF QL(Q1)\nDEF QL(Q2)')
    expect(result.results.map((command) => command.failed)).toEqual([false, true, true, false])
    expect(result).toMatchObject({ commandsRead: 4, commandsFailed: 2 })
    expect(engine.listQueues().map((queue) => queue.name)).toEqual(['Q1', 'Q2'])
  })

  it('stops reading at END, which it counts', async () => {
    const { engine, run } = mqscFixture()
    const result = await run('DEF QL(Q1)\nend\nDEF QL(Q2)')
    expect(result.results).toEqual([
      { command: 'DEF QL(Q1)', lines: ['AMQ8006I: Queue created.'], failed: false },
      { command: 'end', lines: [], failed: false },
    ])
    expect(result).toMatchObject({ commandsRead: 2, commandsFailed: 0 })
    expect(engine.listQueues().map((queue) => queue.name)).toEqual(['Q1'])
  })

  it('reads nothing from an empty script', async () => {
    const { run } = mqscFixture()
    expect(await run('\n* nothing\n')).toEqual({ results: [], commandsRead: 0, commandsFailed: 0 })
  })
})
