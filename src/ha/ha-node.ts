/**
 * The HA side of one qmqd: its group membership (rdqmadm -c), the node channel it listens on
 * while joined, the HA queue managers it hosts, and requests to its peers. Commands that act on
 * the whole group (ha-commands.ts) use it to reach the other two; the peers' node-channel
 * handlers (node-commands.ts) act locally through ha-local.ts.
 */
import type { Logger } from '../log.js'
import { queueManagerPaths, type NodePaths } from '../daemon/node-paths.js'
import { listQueueManagerNames, readConfig } from '../daemon/queue-manager-config.js'
import { recordedStatus } from '../daemon/queue-manager-status.js'
import type { LinkSecurity } from '../security/link-security.js'
import { failBack } from './failback.js'
import { groupSecretFor, groupSecretPath } from './group-secret.js'
import { HostedHaQueueManager } from './hosted-ha-queue-manager.js'
import {
  peerDefinitions,
  readHaState,
  readMembership,
  updateHaState,
  removeMembership,
  selfDefinition,
  writeMembership,
  type HaMembership,
} from './membership.js'
import { nodeRequest, type NodeTarget } from './node-channel/client.js'
import { identityOf, type NodeIdentity } from './node-channel/handshake.js'
import { NodeChannelServer, type NodeCommandHandler } from './node-channel/server.js'
import type { HaNodeDefinition } from './rdqm-ini.js'

export type PeerResult<T> =
  | { readonly node: string; readonly ok: true; readonly data: T }
  | { readonly node: string; readonly ok: false; readonly error: unknown }

export class HaNode {
  private membershipValue: HaMembership | undefined
  private channel: NodeChannelServer | undefined
  /** rdqm.secret as read at join or start (group-secret.ts); undefined: the group has none. */
  private secret: Uint8Array | undefined
  private readonly hostedQueueManagers = new Map<string, HostedHaQueueManager>()

  constructor(
    readonly paths: NodePaths,
    readonly logger: Logger,
    private readonly handlers: () => ReadonlyMap<string, NodeCommandHandler>,
  ) {
    this.membershipValue = readMembership(paths)
  }

  get membership(): HaMembership | undefined {
    return this.membershipValue
  }

  get identity(): NodeIdentity {
    const membership = this.membershipValue!
    return identityOf(membership.group, membership.self, this.secret)
  }

  get suspended(): boolean {
    return this.membershipValue?.suspended === true
  }

  /** At daemon start: listen if joined, and open the members whose HA control is enabled. */
  async start(): Promise<void> {
    if (this.membershipValue === undefined) return
    try {
      this.loadSecret(this.membershipValue)
    } catch (error) {
      // Not serving unauthenticated is the point: the administrator must fix rdqm.secret.
      this.logger.error({ err: error }, 'HA group secret unusable: HA queue managers not started')
      return
    }
    // Without its node channel the node still runs its members (the channel only carries
    // administration); the administrator learns why from the log and from the peers' commands.
    await this.listen().catch((error: unknown) => {
      this.logger.error({ err: error }, 'node channel could not listen: peers cannot reach us')
    })
    this.openEnabledMembers()
  }

  /** rdqmadm -s: members close here (the group moves its queue managers away). */
  async suspend(): Promise<void> {
    this.setSuspended(true)
    await Promise.all(this.all().map((hosted) => hosted.end('immediate')))
  }

  /**
   * rdqmadm -r: members open again and catch up; failback moves preferring ones here. It also
   * clears this node's failed-start bans (Pacemaker's `crm resource cleanup`, which RDQM leaves
   * to the administrator): the administrator who resumes a node means it to run them again.
   */
  resume(): void {
    for (const name of listQueueManagerNames(this.paths)) {
      const paths = queueManagerPaths(this.paths, name)
      if (readHaState(paths).blocked === undefined) continue
      updateHaState(paths, { blocked: undefined })
      this.logger.info({ qm: name }, 'failed-start ban cleared (rdqmadm -r)')
    }
    this.setSuspended(false)
    this.openEnabledMembers()
  }

  private setSuspended(suspended: boolean): void {
    const membership = { ...this.membershipValue!, suspended }
    writeMembership(this.paths, membership)
    this.membershipValue = membership
  }

  private openEnabledMembers(): void {
    if (this.membershipValue === undefined || this.suspended) return
    for (const name of listQueueManagerNames(this.paths)) {
      const paths = queueManagerPaths(this.paths, name)
      const config = readConfig(paths)
      const state = readHaState(paths)
      if (config.ha === undefined || state.control !== 'enabled') continue
      if (state.blocked !== undefined) {
        this.logger.warn({ qm: name, ...state.blocked }, 'banned here until rdqmadm -r: not opened')
        continue
      }
      this.logger.info({ qm: name }, 'HA control enabled: starting the queue manager as a member')
      void this.hosted(name)
        .open(config, this.membershipValue)
        .catch((error: unknown) => {
          this.logger.error({ err: error, qm: name }, 'HA queue manager did not start')
        })
    }
  }

  /** Listens first: a node that cannot take its node port does not count as joined. */
  async join(membership: HaMembership): Promise<void> {
    this.loadSecret(membership)
    this.membershipValue = membership
    try {
      await this.listen()
    } catch (error) {
      this.membershipValue = undefined
      throw error
    }
    writeMembership(this.paths, membership)
  }

  async leave(): Promise<void> {
    await this.channel?.close()
    this.channel = undefined
    removeMembership(this.paths)
    this.membershipValue = undefined
    this.secret = undefined
  }

  private loadSecret(membership: HaMembership): void {
    this.secret = groupSecretFor(this.paths, membership.group, membership.allowNoSecret === true)
    if (this.secret === undefined) {
      this.logger.warn(
        { path: groupSecretPath(this.paths) },
        'HA group without a secret: any process that reaches its ports can join it',
      )
    }
  }

  /** What the HA queue managers' replication links authenticate with. */
  linkSecurity(): LinkSecurity {
    return this.secret === undefined ? {} : { secret: this.secret }
  }

  private async listen(): Promise<void> {
    if (this.channel !== undefined) return
    const membership = this.membershipValue!
    const self = selfDefinition(membership)
    this.channel = await NodeChannelServer.listen({
      host: self.replicationAddress,
      port: membership.group.nodePort,
      identity: this.identity,
      handlers: this.handlers(),
      logger: this.logger.child({ component: 'node-channel' }),
    })
    this.logger.info(
      { address: self.replicationAddress, port: membership.group.nodePort },
      'node channel listening',
    )
  }

  hosted(name: string): HostedHaQueueManager {
    let hosted = this.hostedQueueManagers.get(name)
    if (hosted === undefined) {
      const paths = queueManagerPaths(this.paths, name)
      hosted = new HostedHaQueueManager(
        name,
        paths,
        recordedStatus(paths),
        this.logger.child({ qm: name }),
        this.paths.home,
        () => this.linkSecurity(),
      )
      this.hostedQueueManagers.set(name, hosted)
    }
    return hosted
  }

  knownHosted(name: string): HostedHaQueueManager | undefined {
    return this.hostedQueueManagers.get(name)
  }

  forget(name: string): void {
    this.hostedQueueManagers.delete(name)
  }

  all(): HostedHaQueueManager[] {
    return [...this.hostedQueueManagers.values()]
  }

  peers(): HaNodeDefinition[] {
    return this.membershipValue === undefined ? [] : peerDefinitions(this.membershipValue)
  }

  target(peer: HaNodeDefinition): NodeTarget {
    return {
      node: peer.name,
      host: peer.replicationAddress,
      port: this.membershipValue!.group.nodePort,
    }
  }

  request<T>(
    peer: HaNodeDefinition,
    command: string,
    parameters: Readonly<Record<string, unknown>> = {},
    timeoutMs?: number,
  ): Promise<T> {
    const target = this.target(peer)
    return nodeRequest(this.identity, target, command, parameters, timeoutMs) as Promise<T>
  }

  /** The same request to each peer at once; every outcome, in rdqm.ini's order. */
  requestPeers<T>(
    command: string,
    parameters: Readonly<Record<string, unknown>> = {},
    peers: readonly HaNodeDefinition[] = this.peers(),
    timeoutMs?: number,
  ): Promise<PeerResult<T>[]> {
    return Promise.all(
      peers.map((peer) =>
        this.request<T>(peer, command, parameters, timeoutMs).then(
          (data): PeerResult<T> => ({ node: peer.name, ok: true, data }),
          (error: unknown): PeerResult<T> => ({ node: peer.name, ok: false, error }),
        ),
      ),
    )
  }

  /**
   * Housekeeping: note which replication links are up (rdqmstatus's "HA last in sync"), and
   * fail back: a serving primary whose preferred location is another node hands it the
   * leadership once that node has caught up (failback.ts).
   */
  async keepHouse(): Promise<void> {
    await Promise.all(
      this.all().map(async (hosted) => {
        await hosted.pollLinks().catch(() => undefined)
        await failBack(this, hosted).catch((error: unknown) => {
          this.logger.debug({ err: error, qm: hosted.name }, 'failback check failed')
        })
      }),
    )
  }

  /** qmqd stopping: members end immediately, HA control stays as it is (a restart resumes). */
  async stop(): Promise<void> {
    await Promise.all(
      this.all().map((hosted) =>
        hosted.end('immediate').catch((error: unknown) => {
          this.logger.error({ err: error, qm: hosted.name }, 'HA member did not end cleanly')
        }),
      ),
    )
    await this.channel?.close()
    this.channel = undefined
  }
}
