/**
 * A real queue engine over the in-memory journal of the engine tests, and a helper that runs a
 * script and returns its transcript, for the MQSC tests.
 */
import { QueueEngine } from '../../src/queue/engine.js'
import { formatTranscript, runMqsc, type MqscRunResult } from '../../src/mqsc/index.js'
import { MemoryJournal } from '../queue/memory-journal.js'

export const QUEUE_MANAGER = 'QM1'

export interface MqscFixture {
  readonly engine: QueueEngine
  readonly journal: MemoryJournal
  /** Runs `script` and returns the result. */
  run(script: string): Promise<MqscRunResult>
  /** Runs `script` and returns the transcript lines without the banner and summary. */
  responses(script: string): Promise<string[]>
}

export function mqscFixture(): MqscFixture {
  const journal = new MemoryJournal()
  const engine = new QueueEngine({
    journal,
    queueManagerName: QUEUE_MANAGER,
    now: () => 1_700_000_000_000,
    randomBytes: (count) => new Uint8Array(count).fill(7),
  })
  const run = (script: string): Promise<MqscRunResult> => runMqsc(engine, script, QUEUE_MANAGER)
  return {
    engine,
    journal,
    run,
    responses: async (script) => {
      const transcript = formatTranscript(await run(script), QUEUE_MANAGER)
      return transcript.slice(4, -3)
    },
  }
}
