/**
 * Checkpoint catch-up, piece by piece, without processes. Goal: the bundle a primary builds from
 * a real checkpoint (single-node queue manager, messages spread over several segments, some
 * got) carries exactly the records the checkpoint's messages point at; chunks reassemble, and a
 * lost chunk drops the transfer; an installed bundle opens as a queue manager whose every live
 * message can be got; and an install stopped at any step either never happened (uncommitted)
 * or is finished at the next open (committed), the old log kept until the commit.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  buildBundle,
  checkpointPutLsns,
  decodeBundle,
} from '../../src/actors/replication/checkpoint-bundle.js'
import {
  CheckpointAssembly,
  checkpointChunks,
} from '../../src/actors/replication/checkpoint-assembly.js'
import { LogSource } from '../../src/actors/replication/log-source.js'
import { listSegments } from '../../src/actors/journal/segment-files.js'
import { MIN_SEGMENT_BYTES } from '../../src/constants.js'
import { listCheckpoints } from '../../src/queue-manager/checkpointer.js'
import {
  finishInstall,
  readCheckpointEpochs,
  stageInstall,
  writeCheckpointEpochs,
} from '../../src/queue-manager/checkpoint-install.js'
import { createDataDirectory, dataPaths } from '../../src/queue-manager/data-directory.js'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT = MIN_SEGMENT_BYTES
const HISTORY = [
  { epoch: 1, startLsn: 64 },
  { epoch: 3, startLsn: 4096 },
]

/** A single node with 200 puts of 2 KiB (several segments), the first 150 got, checkpointed. */
async function primaryWithCheckpoint(root: string): Promise<{ lsn: number; live: string[] }> {
  const queueManager = await QueueManager.open({
    dataDirectory: root,
    create: { name: 'QM1', segmentBytes: SEGMENT },
    compaction: false,
  })
  await queueManager.engine.defineQueue({ name: 'Q1', defaultPersistent: true })
  const handle = queueManager.connect().open('Q1', { input: true, output: true })
  const live: string[] = []
  for (let index = 0; index < 200; index++) {
    await handle.put(Buffer.from(`m${index}|${'x'.repeat(2048)}`))
    if (index >= 150) live.push(`m${index}`)
  }
  for (let index = 0; index < 150; index++) await handle.get()
  await queueManager.checkpoint()
  const lsn = queueManager.logStatus().checkpointLsn
  await queueManager.close()
  return { lsn, live }
}

async function bodiesOf(root: string): Promise<string[]> {
  const queueManager = await QueueManager.open({ dataDirectory: root, compaction: false })
  try {
    const handle = queueManager.connect().open('Q1', { input: true })
    const bodies: string[] = []
    for (;;) {
      try {
        bodies.push(
          Buffer.from((await handle.get()).body)
            .toString()
            .split('|')[0]!,
        )
      } catch {
        return bodies
      }
    }
  } finally {
    await queueManager.close()
  }
}

describe('checkpoint transfer', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  let primary: string
  let follower: string
  beforeEach(() => {
    directory = temporaryDirectory('checkpoint-transfer')
    primary = join(directory.path, 'primary')
    follower = join(directory.path, 'follower')
    createDataDirectory(follower, 'QM1', SEGMENT)
  })
  afterEach(() => directory.remove())

  function bundleOf(lsn: number): Uint8Array {
    const paths = dataPaths(primary)
    const source = new LogSource(paths.journal, SEGMENT, 0)
    try {
      return buildBundle(paths.checkpoints, lsn, source)!
    } finally {
      source.close()
    }
  }

  it('a bundle carries the checkpoint and the records of its live messages', async () => {
    const { lsn, live } = await primaryWithCheckpoint(primary)
    // A replicated member keeps the epochs beside the file, under a name that starts the same.
    const { checkpoints } = dataPaths(primary)
    writeCheckpointEpochs(checkpoints, listCheckpoints(checkpoints)[0]!.file, HISTORY)
    const bundle = decodeBundle(bundleOf(lsn))
    expect(bundle.records.map((record) => record.lsn)).toEqual(checkpointPutLsns(bundle.checkpoint))
    expect(bundle.records).toHaveLength(live.length)
    for (const [index, record] of bundle.records.entries()) {
      expect(Buffer.from(record.bytes).includes(Buffer.from(`${live[index]}|`))).toBe(true)
    }
    expect(
      buildBundle(dataPaths(primary).checkpoints, lsn + 8, new LogSource('', SEGMENT, 0)),
    ).toBeUndefined()
  })

  it('a corrupt bundle is refused before anything is written', async () => {
    const { lsn } = await primaryWithCheckpoint(primary)
    const bytes = bundleOf(lsn)
    bytes[bytes.length - 10]! ^= 0xff
    expect(() => decodeBundle(bytes)).toThrow(/checkpoint bundle: bad record/)
    expect(() => stageInstall(dataPaths(follower), SEGMENT, lsn, HISTORY, bytes)).toThrow()
    expect(listCheckpoints(dataPaths(follower).checkpoints)).toEqual([])
  })

  it('chunks reassemble in order; a lost chunk drops the transfer until it starts again', () => {
    const payload = Uint8Array.from({ length: 10_000 }, (_, index) => index % 251)
    const head = { from: 'a', to: 'b', epoch: 4, lsn: 8192, history: HISTORY }
    const chunks = checkpointChunks(head, payload, 3_000)
    expect(chunks.map((chunk) => chunk.chunk.length)).toEqual([3_000, 3_000, 3_000, 1_000])
    const assembly = new CheckpointAssembly()
    expect(assembly.accept(chunks[0]!)).toBeUndefined()
    expect(assembly.accept(chunks[2]!)).toBeUndefined() // chunk 1 lost
    expect(assembly.accept(chunks[3]!)).toBeUndefined()
    expect(assembly.pending).toBe(0)
    const whole = chunks.map((chunk) => assembly.accept(chunk)).at(-1)
    expect(whole).toMatchObject({ type: 'checkpoint', from: 'a', lsn: 8192, history: HISTORY })
    expect(whole!.payload).toEqual(payload)
    const empty = checkpointChunks(head, new Uint8Array(0), 3_000)
    expect(empty).toHaveLength(1)
    expect(assembly.accept(empty[0]!)!.payload).toHaveLength(0)
  })

  it('an installed checkpoint opens with every live message readable', async () => {
    const { lsn, live } = await primaryWithCheckpoint(primary)
    const paths = dataPaths(follower)
    fs.writeFileSync(join(paths.journal, 'old-log-marker'), 'old')
    const installed = stageInstall(paths, SEGMENT, lsn, HISTORY, bundleOf(lsn))
    // Committed, not yet switched: the old log is still in place.
    expect(fs.existsSync(join(paths.journal, 'old-log-marker'))).toBe(true)
    finishInstall(paths)
    expect(fs.existsSync(join(paths.journal, 'old-log-marker'))).toBe(false)
    expect(readCheckpointEpochs(paths.checkpoints, installed.file)).toEqual(HISTORY)
    const segments = listSegments(paths.journal).segments
    expect(segments[0]).toBe(Math.floor(installed.floorLsn / SEGMENT))
    expect(segments.at(-1)).toBe(Math.floor(lsn / SEGMENT))
    expect(await bodiesOf(follower)).toEqual(live)
  })

  it('an install stopped before its commit is undone; after it, finished', async () => {
    const { lsn } = await primaryWithCheckpoint(primary)
    const paths = dataPaths(follower)
    const bundle = bundleOf(lsn)
    fs.writeFileSync(join(paths.journal, 'old-log-marker'), 'old')
    // Staged but the checkpoint never renamed in: as if the member died before the commit.
    const installed = stageInstall(paths, SEGMENT, lsn, HISTORY, bundle)
    fs.rmSync(join(paths.checkpoints, installed.file))
    fs.mkdirSync(join(paths.root, `install-${'0'.repeat(15)}1.tmp`))
    finishInstall(paths)
    expect(fs.readdirSync(paths.root).filter((name) => name.startsWith('install-'))).toEqual([])
    expect(fs.existsSync(join(paths.journal, 'old-log-marker'))).toBe(true)
    // Committed, and the member died between the two renames of the switch.
    stageInstall(paths, SEGMENT, lsn, HISTORY, bundle)
    fs.renameSync(
      paths.journal,
      join(paths.root, `superseded-${lsn.toString(16).padStart(16, '0')}`),
    )
    finishInstall(paths)
    expect(
      fs.readdirSync(paths.root).filter((name) => /^(install|superseded)-/.test(name)),
    ).toEqual([])
    expect(listSegments(paths.journal).segments.length).toBeGreaterThan(0)
    expect(fs.existsSync(join(paths.journal, 'old-log-marker'))).toBe(false)
  })
})
