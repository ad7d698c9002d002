/**
 * A tiny synchronous cluster for core unit tests: replicas, a message queue the test delivers
 * (or drops), and a shell that performs effects on record lists. Records are {lsn, end, epoch};
 * an APPEND's payload carries them as JSON so the receiver writes exactly what was sent.
 */
import { assert } from '../../src/assert.js'
import { EffectType, InputType, type ReplicaEffect } from '../../src/replication/effects.js'
import type { ReplicaMessage } from '../../src/replication/messages.js'
import type { CommitPolicyKind } from '../../src/replication/quorum.js'
import { Replica } from '../../src/replication/replica.js'
import type { SimulationBug } from '../../src/replication/bugs.js'

export interface TestRecord {
  readonly lsn: number
  readonly end: number
  readonly epoch: number
}

export const START_LSN = 64
export const RECORD_BYTES = 48

export class TestMember {
  records: TestRecord[] = []
  commitLsn = START_LSN
  hardState = { epoch: 0, votedFor: undefined as string | undefined }
  cut: TestRecord[] = []
  readyEpochs: number[] = []
  refusals: string[] = []
  /** Local durability is immediate unless the test holds it. */
  holdDurability = false

  constructor(readonly replica: Replica) {}

  get endLsn(): number {
    return this.records[this.records.length - 1]?.end ?? START_LSN
  }
}

export class TestCluster {
  readonly members = new Map<string, TestMember>()
  queue: ReplicaMessage[] = []
  /** Links that drop messages: "from>to". */
  readonly cutLinks = new Set<string>()
  private seed: number

  constructor(
    readonly ids: readonly string[],
    private readonly options: {
      policy?: CommitPolicyKind
      seed?: number
      bugs?: ReadonlySet<SimulationBug>
    } = {},
  ) {
    this.seed = options.seed ?? 1
    for (const id of ids) this.rebuild(id)
  }

  /** A member with an empty log and hard state (at start, or a node rebuilt from nothing). */
  rebuild(id: string): void {
    const replica = new Replica({
      id,
      members: this.ids,
      policy: this.options.policy ?? 'majority',
      random: (bound) => this.random(bound),
      hardState: { epoch: 0, votedFor: undefined },
      log: { startLsn: START_LSN, endLsn: START_LSN, history: [] },
      bugs: this.options.bugs,
    })
    this.members.set(id, new TestMember(replica))
  }

  member(id: string): TestMember {
    const member = this.members.get(id)
    assert(member !== undefined, `no member ${id}`)
    return member
  }

  /** A small linear congruential generator: deterministic jitter. */
  random(bound: number): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31
    return this.seed % bound
  }

  primaries(): string[] {
    return this.ids.filter((id) => this.member(id).replica.status().role === 'primary')
  }

  isolate(id: string): void {
    for (const other of this.ids) {
      if (other === id) continue
      this.cutLinks.add(`${id}>${other}`)
      this.cutLinks.add(`${other}>${id}`)
    }
  }

  heal(): void {
    this.cutLinks.clear()
  }

  input(id: string, input: Parameters<Replica['step']>[0]): void {
    this.perform(id, this.member(id).replica.step(input))
  }

  tick(id: string): void {
    this.input(id, { type: InputType.TICK })
  }

  /** Ticks every member once and delivers every message, `rounds` times. */
  run(rounds: number): void {
    for (let round = 0; round < rounds; round++) {
      for (const id of this.ids) this.tick(id)
      this.deliverAll()
    }
  }

  deliverAll(limit = 10_000): void {
    for (let count = 0; this.queue.length > 0; count++) {
      assert(count < limit, 'messages keep flowing')
      const message = this.queue.shift()!
      if (this.cutLinks.has(`${message.from}>${message.to}`)) continue
      this.input(message.to, { type: InputType.MESSAGE, message })
    }
  }

  /** The primary `id` appends one client record. */
  write(id: string): boolean {
    const member = this.member(id)
    const status = member.replica.status()
    if (status.role !== 'primary' || !status.acceptingWrites) return false
    this.appendLocal(id, status.epoch)
    return true
  }

  private appendLocal(id: string, epoch: number): void {
    const member = this.member(id)
    const lsn = member.endLsn
    member.records.push({ lsn, end: lsn + RECORD_BYTES, epoch })
    const end = lsn + RECORD_BYTES
    this.input(id, { type: InputType.LOCAL_APPEND, startLsn: lsn, endLsn: end, epoch })
    if (!member.holdDurability) this.input(id, { type: InputType.LOCAL_DURABLE, lsn: end })
  }

  private perform(id: string, effects: readonly ReplicaEffect[]): void {
    const member = this.member(id)
    for (const effect of effects) {
      switch (effect.type) {
        case EffectType.SEND:
          this.queue.push(effect.message)
          break
        case EffectType.SEND_APPEND: {
          const { prevLsn, endLsn } = effect.request
          const records = member.records.filter((r) => r.lsn >= prevLsn && r.lsn < endLsn)
          const payload = new TextEncoder().encode(JSON.stringify(records))
          this.queue.push({ ...effect.request, payload })
          break
        }
        case EffectType.PERSIST_HARD_STATE:
          member.hardState = { epoch: effect.epoch, votedFor: effect.votedFor }
          break
        case EffectType.WRITE: {
          const sent = JSON.parse(new TextDecoder().decode(effect.message.payload)) as TestRecord[]
          assert(member.endLsn === effect.fromLsn, 'writes continue the log')
          member.records.push(...sent.filter((record) => record.lsn >= effect.fromLsn))
          if (!member.holdDurability) {
            this.perform(
              id,
              member.replica.step({ type: InputType.LOCAL_DURABLE, lsn: effect.message.endLsn }),
            )
          }
          break
        }
        case EffectType.TRUNCATE:
          member.cut.push(...member.records.filter((record) => record.lsn >= effect.fromLsn))
          member.records = member.records.filter((record) => record.lsn < effect.fromLsn)
          break
        case EffectType.APPEND_EPOCH_START:
          this.appendLocal(id, effect.epoch)
          break
        case EffectType.COMMIT:
          member.commitLsn = effect.lsn
          break
        case EffectType.PRIMARY_READY:
          member.readyEpochs.push(effect.epoch)
          break
        case EffectType.REFUSED:
          member.refusals.push(`${effect.request}: ${effect.reason}`)
          break
        case EffectType.ROLE:
        case EffectType.ACCEPT_WRITES:
        case EffectType.RETENTION_FLOOR:
        case EffectType.SEND_CHECKPOINT:
        case EffectType.INSTALL_CHECKPOINT:
          break
        default:
          throw new Error(`unhandled effect ${JSON.stringify(effect)}`)
      }
    }
  }
}
