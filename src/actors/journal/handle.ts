/**
 * Main-thread side of the journal actor; the queue engine's JournalPort.
 *
 * append() assigns the LSN (the log position), encodes the record straight into the ring and
 * returns; one ring flush per event-loop turn wakes the worker once per batch. waitDurable()
 * hands out one promise per flush group, not per record: everything appended in one turn is
 * acknowledged together when the worker's durable end passes it.
 *
 * A follower's records (a leader's, finalized) reach the worker through the verbatim ring from
 * the replication worker; adoptVerbatim moves the log end past them, and truncateFrom cuts a
 * divergent uncommitted tail. The epoch stamped into new records can be raised at run time
 * (setEpoch), never lowered.
 */
import fs from 'node:fs'
import { MessageChannel, Worker } from 'node:worker_threads'
import * as Comlink from 'comlink'
import { portEndpoint } from '../../runtime/comlink-port.js'
import { assert } from '../../assert.js'
import { JOURNAL_RING_BYTES, RECORD_ALIGNMENT_BYTES, RECORD_HEADER_BYTES } from '../../constants.js'
import { ErrorCode, MQError, QmqError, Reason } from '../../errors.js'
import type { JournalRecord, MessageMoveRecord, MessagePutRecord } from './record-types.js'
import { RecordType } from './record-types.js'
import type { Logger } from '../../log.js'
import type { JournalPort } from '../../queue/journal-port.js'
import { FramedRing } from '../../ring/framed-ring.js'
import { compiledModuleUrl } from '../../runtime/package-root.js'
import type { SideWorkPool } from '../../side-work/pool.js'
import { SegmentPreparation } from '../../side-work/segment-preparation.js'
import {
  decodeRecord,
  encodeRecord,
  encodedRecordLength,
  readRecordHeader,
  sealNextLsn,
} from './journal-record.js'
import { recordLength, recordLsn, recordType } from './record-header.js'
import { JournalControlBlock } from './control-block.js'
import type { CutTail } from './segment-writer.js'
import type { Supervisor } from '../supervisor/supervisor.js'
import { DurabilityTracker } from './durability-tracker.js'
import {
  ControlSlot,
  RECORD_FRAME_TAG,
  type JournalControl,
  type JournalEvent,
  type JournalStats,
  type SegmentIoWrapper,
} from './messages.js'
import { readFully, segmentPath } from './segment-files.js'
import { placeRecord, SEAL_BYTES } from './log-geometry.js'

const ACTOR_NAME = 'journal'
/** Ring failure code when the journal stops for good (an errno-like value: EIO). */
const RING_FAILURE_JOURNAL = 5

export interface JournalOptions {
  readonly directory: string
  readonly segmentBytes: number
  /** Where the log ends after recovery: the next record goes here. */
  readonly startLsn: number
  /** Epoch stamped into new records until setEpoch raises it. */
  readonly epoch: number
  /** Epoch of the last record in the log (RecoveryResult.lastEpoch); nothing older follows it. */
  readonly recoveredEpoch?: number
  readonly supervisor: Supervisor
  readonly sideWork: SideWorkPool
  readonly logger: Logger
  readonly ringBytes?: number
  /** Run the worker on this SegmentIo instead of the plain files (tests inject faults). */
  readonly segmentIoWrapper?: SegmentIoWrapper
  /** Replication: the worker publishes each final local batch into this ring (FramedRing). */
  readonly batchRingBuffer?: SharedArrayBuffer
  /** Replication: the ring a follower's records arrive in from the replication worker. */
  readonly verbatimRingBuffer?: SharedArrayBuffer
}

export class JournalHandle implements JournalPort {
  private readonly ring: FramedRing
  private readonly controlBlock: JournalControlBlock
  private readonly durability: DurabilityTracker
  /** Records appended while the ring was full, in order; drained as space frees. */
  private readonly overflow: Uint8Array[] = []
  /** PUT records not yet durable: readPut serves them from memory. */
  private readonly unsyncedPuts = new Map<number, MessagePutRecord | Uint8Array>()
  private readonly readDescriptors = new Map<number, number>()
  private readonly headerScratch = Buffer.alloc(RECORD_HEADER_BYTES)
  private nextLsn: number
  private currentEpoch: number
  private flushScheduled = false
  private drainingOverflow = false
  private watchingDurable = false
  private failure: QmqError | undefined
  private control: Comlink.Remote<JournalControl> | undefined
  private closed = false
  /** Set while truncateFrom runs: the worker must see no new frame until the cut is done. */
  private truncating = false
  private readonly readiness: Promise<void>
  private readonly segmentPreparation: SegmentPreparation
  private markReady!: () => void

  private constructor(private readonly options: JournalOptions) {
    this.ring = FramedRing.create(options.ringBytes ?? JOURNAL_RING_BYTES)
    const recoveredEpoch = options.recoveredEpoch ?? 0
    assert(options.epoch >= recoveredEpoch, 'epoch not below the log')
    this.controlBlock = JournalControlBlock.create(options.startLsn, recoveredEpoch)
    this.nextLsn = options.startLsn
    this.currentEpoch = options.epoch
    this.durability = new DurabilityTracker(options.startLsn)
    this.readiness = new Promise((resolve) => (this.markReady = resolve))
    this.segmentPreparation = new SegmentPreparation(options.sideWork, options, (error, index) =>
      options.logger.warn({ err: error, segment: index }, 'segment preparation failed'),
    )
  }

  /**
   * Resolves once the first worker runs (modules loaded, loop started): a queue manager opens
   * only then, so its first puts do not wait ~100 ms for a worker thread to boot.
   */
  ready(): Promise<void> {
    return this.readiness
  }

  static start(options: JournalOptions): JournalHandle {
    const handle = new JournalHandle(options)
    options.supervisor.start({
      name: ACTOR_NAME,
      spawn: (generation) => handle.spawn(generation),
      fence: () => {
        handle.ring.bumpGeneration()
      },
      shutdown: async () => {
        await handle.control?.close()
      },
    })
    options.supervisor.on('actor-failed', (name, error) => {
      if (name === ACTOR_NAME) handle.fail(error)
    })
    return handle
  }

  get endLsn(): number {
    return this.nextLsn
  }

  get durableLsn(): number {
    return this.controlBlock.durableEndLsn
  }

  /** The journal ring: a follower's replication worker wakes this worker through it. */
  get ringBuffer(): SharedArrayBuffer {
    return this.ring.sharedBuffer
  }

  /** The control block (durable end LSN, sequence): the replication worker reads it directly. */
  get controlBuffer(): SharedArrayBuffer {
    return this.controlBlock.buffer
  }

  get epoch(): number {
    return this.currentEpoch
  }

  /**
   * Stamps `epoch` into every record appended from now on. Epochs only go up, so records of a
   * lower epoch are never written after a higher one (the worker checks every record too).
   */
  setEpoch(epoch: number): void {
    assert(Number.isInteger(epoch) && epoch >= 0 && epoch <= 0xffff_ffff, 'epoch is a u32')
    if (epoch < this.currentEpoch) {
      throw new QmqError(
        ErrorCode.RECORD_INVALID,
        `epoch ${epoch} is older than the journal's epoch ${this.currentEpoch}`,
        { epoch, current: this.currentEpoch },
      )
    }
    this.currentEpoch = epoch
  }

  /**
   * A follower's records that the replication worker already wrote into the verbatim ring for
   * the journal worker (no main-thread hop on the follower's ack path): checks framing and LSN
   * continuity (nothing is adopted if they fail) and moves the log end past them, so that
   * waitDurable, truncateFrom, readPut and a later append (a new primary's EPOCH_START) know them.
   */
  adoptVerbatim(records: Uint8Array): number {
    if (this.failure !== undefined) throw this.failure
    assert(!this.closed && !this.truncating, 'adopt after close or during truncateFrom')
    let offset = 0
    for (const end of this.verbatimBoundaries(records)) {
      const lsn = recordLsn(records, offset)
      const type = recordType(records, offset)
      if (type === RecordType.MESSAGE_PUT) this.unsyncedPuts.set(lsn, records.slice(offset, end))
      this.nextLsn =
        type === RecordType.SEGMENT_SEAL ? sealNextLsn(records, offset) : end - offset + lsn
      offset = end
    }
    this.durability.closeOpenGroup(this.nextLsn)
    // The journal worker may have made them durable already: drop what it has.
    this.onDurableAdvance()
    return this.nextLsn
  }

  /**
   * Cuts the log back to `fromLsn` (a record boundary; a divergent, uncommitted tail) once
   * everything appended is durable, and returns the cut records for the caller to keep aside.
   * The caller decides what may be cut: committed records must never be.
   */
  async truncateFrom(fromLsn: number): Promise<CutTail> {
    if (this.failure !== undefined) throw this.failure
    assert(fromLsn <= this.nextLsn, 'truncate inside the log')
    assert(!this.truncating, 'one truncateFrom at a time')
    this.truncating = true
    try {
      if (this.nextLsn > this.durableLsn) await this.waitDurable(this.nextLsn - 1)
      assert(this.control !== undefined, 'journal worker started')
      const cut = await this.control.truncateFrom(fromLsn)
      this.nextLsn = fromLsn
      this.durability.rewindTo(fromLsn)
      for (const lsn of this.unsyncedPuts.keys()) if (lsn >= fromLsn) this.unsyncedPuts.delete(lsn)
      return cut
    } finally {
      this.truncating = false
    }
  }

  append(record: JournalRecord): number {
    if (this.failure !== undefined) throw this.failure
    assert(!this.closed && !this.truncating, 'append after close or during truncateFrom')
    const length = encodedRecordLength(record)
    if (length + SEAL_BYTES > this.options.segmentBytes) {
      // Only a queue manager created with small segments can meet this: refuse the message as
      // too big for the queue manager before anything is appended.
      throw new MQError(
        Reason.MSG_TOO_BIG_FOR_Q_MGR,
        `a ${length}-byte record does not fit a ${this.options.segmentBytes}-byte journal segment`,
      )
    }
    const placement = placeRecord(this.nextLsn, length, this.options.segmentBytes)
    if (placement.seal !== undefined) {
      // The seal closes the segment; the rest of it stays unused and the log goes on at the
      // next segment's first byte, so an LSN always maps to one file and offset.
      this.enqueue(placement.seal, SEAL_BYTES)
      this.nextLsn = placement.lsn
    }
    const lsn = this.enqueue(record, length)
    if (record.type === RecordType.MESSAGE_PUT) this.unsyncedPuts.set(lsn, record)
    if (record.type === RecordType.MESSAGE_MOVE) this.unsyncedPuts.set(lsn, storedAsPut(record))
    return lsn
  }

  waitDurable(lsn: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (lsn < this.durableLsn) return Promise.resolve()
    assert(lsn < this.nextLsn, 'wait for an appended LSN')
    const promise = this.durability.waitFor(lsn)
    this.watchDurable()
    return promise
  }

  readPut(putLsn: number): MessagePutRecord {
    const unsynced = this.unsyncedPuts.get(putLsn)
    if (unsynced instanceof Uint8Array) return this.decodePut(unsynced, putLsn)
    if (unsynced !== undefined) return unsynced
    const { segmentBytes, directory } = this.options
    const segmentIndex = Math.floor(putLsn / segmentBytes)
    const descriptor = this.readDescriptor(segmentIndex)
    const position = putLsn - segmentIndex * segmentBytes
    const header = this.headerScratch
    readFully(descriptor, header, 0, RECORD_HEADER_BYTES, position)
    const length = recordLength(header, 0)
    const file = segmentPath(directory, segmentIndex)
    if (length < RECORD_HEADER_BYTES || position + length > segmentBytes) {
      throw this.corruptRead(file, position, putLsn, `bad record length ${length}`)
    }
    const bytes = Buffer.allocUnsafe(length)
    readFully(descriptor, bytes, 0, length, position)
    return this.decodePut(bytes, putLsn, file, position)
  }

  private decodePut(bytes: Uint8Array, putLsn: number, file = '', position = 0): MessagePutRecord {
    const check = readRecordHeader(bytes, 0, bytes.length, putLsn)
    if (check.kind !== 'ok') {
      throw this.corruptRead(
        file,
        position,
        putLsn,
        check.kind === 'invalid' ? check.reason : 'empty',
      )
    }
    const record = decodeRecord(bytes, 0, check.header)
    if (record.type === RecordType.MESSAGE_MOVE) return storedAsPut(record)
    assert(record.type === RecordType.MESSAGE_PUT, `record at ${putLsn} is a PUT or a MOVE`)
    return record
  }

  /** End offsets of the records in `records`, after checking framing and LSN continuity. */
  private verbatimBoundaries(records: Uint8Array): number[] {
    const ends: number[] = []
    let expected = this.nextLsn
    for (let offset = 0; offset < records.length;) {
      const length =
        records.length - offset >= RECORD_HEADER_BYTES ? recordLength(records, offset) : 0
      const lsn = length > 0 ? recordLsn(records, offset) : -1
      if (
        length < RECORD_HEADER_BYTES ||
        length % RECORD_ALIGNMENT_BYTES !== 0 ||
        offset + length > records.length ||
        lsn !== expected
      ) {
        throw new QmqError(
          ErrorCode.RECORD_INVALID,
          `verbatim record at offset ${offset} refused: length ${length}, LSN ${lsn}, ` +
            `log end ${expected}`,
          { offset, length, lsn, expected },
        )
      }
      expected =
        recordType(records, offset) === RecordType.SEGMENT_SEAL
          ? sealNextLsn(records, offset)
          : lsn + length
      offset += length
      ends.push(offset)
    }
    return ends
  }

  /** Closes read descriptors of segments that are being retired. */
  forgetSegment(segmentIndex: number): void {
    const descriptor = this.readDescriptors.get(segmentIndex)
    if (descriptor === undefined) return
    fs.closeSync(descriptor)
    this.readDescriptors.delete(segmentIndex)
  }

  async stats(): Promise<JournalStats | undefined> {
    return this.control?.stats()
  }

  /** Waits for everything appended to be durable, then stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return
    if (this.failure === undefined) await this.waitDurable(this.nextLsn - 1).catch(() => undefined)
    this.closed = true
    await this.options.supervisor.stop(ACTOR_NAME)
    for (const descriptor of this.readDescriptors.values()) fs.closeSync(descriptor)
    this.readDescriptors.clear()
  }

  private enqueue(record: JournalRecord, length: number): number {
    const lsn = this.nextLsn
    const offset = this.overflow.length === 0 ? this.ring.tryReserve(length, RECORD_FRAME_TAG) : -1
    if (offset >= 0) {
      encodeRecord(this.ring.data, offset, record, lsn, this.currentEpoch)
      this.ring.commit()
    } else {
      const bytes = new Uint8Array(length)
      encodeRecord(bytes, 0, record, lsn, this.currentEpoch)
      this.overflow.push(bytes)
      this.drainOverflow()
    }
    this.nextLsn += length
    this.scheduleFlush()
    return lsn
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      this.ring.flush()
      this.durability.closeOpenGroup(this.nextLsn)
      this.onDurableAdvance()
    })
  }

  private drainOverflow(): void {
    if (this.drainingOverflow) return
    this.drainingOverflow = true
    const drain = async (): Promise<void> => {
      while (this.overflow.length > 0 && this.failure === undefined) {
        const bytes = this.overflow[0]!
        const offset = this.ring.tryReserve(bytes.length, RECORD_FRAME_TAG)
        if (offset < 0) {
          await this.ring.waitForSpaceAsync(bytes.length, 100)
          continue
        }
        this.ring.data.set(bytes, offset)
        this.ring.commit()
        this.overflow.shift()
      }
      this.ring.flush()
    }
    void drain().finally(() => {
      this.drainingOverflow = false
    })
  }

  /** Runs while anyone waits: sleeps on the durable sequence, wakes waiters as the end advances. */
  private watchDurable(): void {
    if (this.watchingDurable) return
    this.watchingDurable = true
    const loop = (): void => {
      const sequence = this.controlBlock.sequence
      this.onDurableAdvance()
      if (this.failure !== undefined || !this.durability.hasWaiters()) {
        this.watchingDurable = false
        return
      }
      const wait = Atomics.waitAsync(
        this.controlBlock.int32,
        ControlSlot.DURABLE_SEQUENCE,
        sequence,
      )
      if (wait.async) void wait.value.then(loop)
      else queueMicrotask(loop)
    }
    loop()
  }

  private onDurableAdvance(): void {
    const durable = this.durableLsn
    this.durability.advance(durable)
    for (const lsn of this.unsyncedPuts.keys()) {
      if (lsn >= durable) break
      this.unsyncedPuts.delete(lsn)
    }
    // A failed worker posts a 'failed' event with the cause right after flagging its state;
    // waiters are failed there, with the file, LSN and errno in the error.
  }

  /** The journal is finished: fail every waiter, stop the worker for good (no restarts). */
  private fail(error: QmqError): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.ring.fail(RING_FAILURE_JOURNAL)
    this.durability.failAll(this.failure)
    this.options.supervisor.stop(ACTOR_NAME).catch((stopError: unknown) => {
      this.options.logger.warn({ err: stopError }, 'stopping the failed journal worker')
    })
  }

  private spawn(generation: number): Worker {
    const channel = new MessageChannel()
    const worker = new Worker(compiledModuleUrl('actors/journal/worker'), {
      workerData: {
        ringBuffer: this.ring.sharedBuffer,
        controlBuffer: this.controlBlock.buffer,
        directory: this.options.directory,
        segmentBytes: this.options.segmentBytes,
        generation,
        segmentIoWrapper: this.options.segmentIoWrapper,
        batchRingBuffer: this.options.batchRingBuffer,
        verbatimRingBuffer: this.options.verbatimRingBuffer,
        logLevel: process.env['QMQ_LOG_LEVEL'],
        controlPort: channel.port2,
      },
      transferList: [channel.port2],
    })
    // The idle worker sleeps on its ring: each control message is counted, then wakes it.
    const wakeWorker = (): void => {
      this.controlBlock.countControlPosted()
      this.ring.wakeConsumer()
    }
    const control = Comlink.wrap<JournalControl>(portEndpoint(channel.port1, wakeWorker))
    this.control = control
    this.pumpEvents(control).catch((error: unknown) => {
      this.options.logger.warn({ err: error, generation }, 'journal control channel failed')
    })
    return worker
  }

  /**
   * Starts the worker's loop (the journal is ready when that returns), then keeps one nextEvent
   * call outstanding until the worker closes or fails. A worker that crashes leaves its last
   * call unanswered; the next generation gets its own pump.
   */
  private async pumpEvents(control: Comlink.Remote<JournalControl>): Promise<void> {
    await control.start()
    this.markReady()
    for (;;) {
      const event = await control.nextEvent()
      if (event.type === 'closed') return
      this.onWorkerEvent(event)
      if (event.type === 'failed') return
    }
  }

  private onWorkerEvent(event: Exclude<JournalEvent, { type: 'closed' }>): void {
    if (event.type === 'segment-opened') {
      this.segmentPreparation.opened(event.segmentIndex)
      return
    }
    const message = `journal write failed in ${event.file} at LSN ${event.lsn}: ${event.code} ${event.message}`
    this.options.logger.error(
      { file: event.file, lsn: event.lsn, code: event.code },
      'journal write failed',
    )
    this.fail(new QmqError(ErrorCode.JOURNAL_WRITE_FAILED, message, { ...event }))
  }

  private readDescriptor(segmentIndex: number): number {
    let descriptor = this.readDescriptors.get(segmentIndex)
    if (descriptor === undefined) {
      descriptor = fs.openSync(segmentPath(this.options.directory, segmentIndex), 'r')
      this.readDescriptors.set(segmentIndex, descriptor)
    }
    return descriptor
  }

  private corruptRead(file: string, offset: number, lsn: number, reason: string): QmqError {
    return new QmqError(
      ErrorCode.JOURNAL_CORRUPT,
      `journal corrupt in ${file} at offset ${offset} (LSN ${lsn}): ${reason}`,
      { file, offset, lsn, reason },
    )
  }
}

/** A moved message reads back as the committed PUT it stands for (readPut's contract). */
function storedAsPut(record: MessageMoveRecord): MessagePutRecord {
  const { queueId, descriptor, body } = record
  return { type: RecordType.MESSAGE_PUT, queueId, uowId: 0, descriptor, body }
}
