// The console's views: plain DOM from the daemon's status snapshot (/api/status). HA and DR
// fields appear only when the snapshot has them.
import { drPicture, progressBar, sparkline, topologyPicture } from './svg.js'

export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
  for (const child of children) node.append(child)
  return node
}

function textElement(tag, content, attributes = {}) {
  const node = element(tag, attributes)
  node.textContent = content
  return node
}

function statusClass(status) {
  if (status === 'Running') return 'running'
  if (status === 'Ended unexpectedly' || status === 'Status not available') return 'failed'
  if (status.startsWith('Ended')) return 'ended'
  return 'busy'
}

export function renderTopology(target, snapshot) {
  const peers = new Map()
  const primaries = new Map()
  for (const qm of snapshot.queueManagers) {
    if (qm.ha?.primary !== undefined) {
      primaries.set(qm.ha.primary, [...(primaries.get(qm.ha.primary) ?? []), qm.name])
    }
    for (const peer of qm.ha?.peers ?? []) peers.set(peer.node, peer)
    if (qm.dr !== undefined && !peers.has(qm.dr.remote)) {
      const link =
        qm.dr.state === 'Normal'
          ? 'up'
          : qm.dr.state === 'Synchronization in progress'
            ? 'lagging'
            : 'down'
      peers.set(qm.dr.remote, { node: qm.dr.remote, link })
    }
  }
  target.replaceChildren(topologyPicture(snapshot.node.name, [...peers.values()], primaries))
}

function formatBytes(bytes) {
  if (bytes === undefined) return ''
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** Whether a node action fits the node's state (the command still decides). */
function nodeActionFits(action, qm, node, suspended) {
  if (action.nodeCondition === 'active') return !suspended
  if (action.nodeCondition === 'suspended') return suspended
  if (action.nodeCondition === 'elsewhere') return qm.ha?.preferredLocation !== node
  return true
}

function actionButton(action, qm, node, onAction) {
  const suffix = node === undefined ? qm.name : `${qm.name}-${node}`
  const button = textElement('button', action.label, {
    'data-action': action.id,
    'data-testid': `action-${action.id}-${suffix}`,
  })
  button.addEventListener('click', () => onAction(qm.name, action, node))
  return button
}

function nodeActions(qm, node, suspended, actions, onAction) {
  const cell = element('td', { class: 'node-actions' })
  if (qm.ha === undefined) return cell
  for (const action of actions) {
    if (action.scope !== 'node' || !nodeActionFits(action, qm, node, suspended)) continue
    cell.append(actionButton(action, qm, node, onAction))
  }
  return cell
}

function roleLabel(qm, node, role) {
  return qm.ha?.primary === node ? `${role} (runs ${qm.name})` : role
}

function rolesTable(qm, here, actions, onAction) {
  const rows = [
    element('tr', {}, [
      textElement('th', 'Node'),
      textElement('th', 'Role'),
      textElement('th', 'Link'),
      textElement('th', 'Out of sync'),
      textElement('th', 'Resync'),
      textElement('th', ''),
    ]),
  ]
  const self = qm.ha?.node ?? here
  rows.push(
    element('tr', { 'data-role-node': self, 'data-role': qm.role }, [
      textElement('td', self),
      textElement('td', roleLabel(qm, self, qm.role)),
      textElement('td', qm.ha?.suspended === true ? 'this node (suspended)' : 'this node'),
      textElement('td', ''),
      textElement('td', ''),
      nodeActions(qm, self, qm.ha?.suspended === true, actions, onAction),
    ]),
  )
  for (const peer of qm.ha?.peers ?? []) {
    const resync = element('td')
    if (peer.resyncProgress !== undefined) {
      const eta =
        peer.resyncEtaSeconds === undefined ? '' : `, ETA ${Math.ceil(peer.resyncEtaSeconds)} s`
      resync.append(
        progressBar(peer.resyncProgress, 'resync'),
        ` ${Math.round(peer.resyncProgress * 100)}%${eta}`,
      )
    }
    const suspended = peer.haStatus === 'Remote node in standby'
    const link = peer.haStatus === undefined ? peer.link : `${peer.link} (${peer.haStatus})`
    rows.push(
      element('tr', { 'data-role-node': peer.node, 'data-role': peer.role }, [
        textElement('td', peer.node),
        textElement('td', roleLabel(qm, peer.node, peer.role)),
        textElement('td', link),
        textElement('td', formatBytes(peer.outOfSyncBytes)),
        resync,
        nodeActions(qm, peer.node, suspended, actions, onAction),
      ]),
    )
  }
  return element('table', { 'data-testid': `roles-${qm.name}` }, rows)
}

function rateCell(values, colour, label) {
  const latest = values.length === 0 ? '' : ` ${values[values.length - 1].toFixed(1)}/s`
  return element('td', {}, [
    sparkline(values, colour, label),
    textElement('span', latest, { class: 'muted' }),
  ])
}

function queuesTable(qm, rates) {
  const rows = [
    element(
      'tr',
      {},
      ['Queue', 'Depth', 'Oldest', 'Puts/s', 'Gets/s'].map((title) => textElement('th', title)),
    ),
  ]
  for (const queue of qm.queues) {
    if (queue.name.startsWith('SYSTEM.')) continue
    const history = rates.get(`${qm.name}/${queue.name}`) ?? { puts: [], gets: [] }
    const age =
      queue.oldestPutTimeMs === undefined
        ? ''
        : `${Math.max(0, Math.round((Date.now() - queue.oldestPutTimeMs) / 1000))} s`
    rows.push(
      element('tr', { 'data-queue': queue.name }, [
        textElement('td', queue.name),
        textElement('td', String(queue.depth), { 'data-testid': `depth-${qm.name}-${queue.name}` }),
        textElement('td', age),
        rateCell(history.puts, '#1d5bd8', `puts per second of ${queue.name}`),
        rateCell(history.gets, '#2e7d32', `gets per second of ${queue.name}`),
      ]),
    )
  }
  return element('table', { 'data-testid': `queues-${qm.name}` }, rows)
}

function logLine(qm) {
  if (qm.log === undefined)
    return textElement('div', `listener ${qm.host}:${qm.port}`, { class: 'muted' })
  const parts = [
    `listener ${qm.host}:${qm.port}`,
    `epoch ${qm.epoch}`,
    `commit LSN ${qm.commitLsn}`,
    `durable LSN ${qm.durableLsn}`,
    `log on disk ${formatBytes(qm.log.logBytesOnDisk)}`,
    `${qm.server?.connections ?? 0} connections`,
  ]
  return textElement('div', parts.join(' · '), { class: 'muted' })
}

export function renderQueueManager(qm, snapshot, actions, rates, onAction) {
  const title = element('h3', {}, [
    textElement('span', qm.name),
    textElement('span', qm.status, {
      class: `status ${statusClass(qm.status)}`,
      'data-testid': `status-${qm.name}`,
    }),
    textElement('span', qm.isDefault ? 'default' : '', { class: 'muted' }),
  ])
  const card = element('div', { class: 'card', 'data-qm': qm.name }, [title, logLine(qm)])
  if (qm.ha !== undefined) {
    const preferred = qm.ha.preferredLocation ?? 'none'
    const counts = `${qm.ha.failovers} failovers, ${qm.ha.elections} elections seen`
    card.append(
      textElement(
        'div',
        `HA · runs on ${qm.ha.primary ?? 'no node'} · quorum ${qm.ha.quorum ? 'yes' : 'LOST'} · ` +
          `preferred location ${preferred} · ${counts}`,
        { 'data-testid': `ha-${qm.name}`, 'data-primary': qm.ha.primary ?? '' },
      ),
    )
  }
  card.append(rolesTable(qm, snapshot.node.name, actions, onAction))
  if (qm.dr !== undefined) card.append(drPicture(qm.name, qm.dr, snapshot.node.name))
  if (qm.queues.length > 0) card.append(queuesTable(qm, rates))
  const buttons = actions
    .filter((action) => action.scope !== 'node' && action.offeredWhen.includes(qm.status))
    .filter((action) => !action.haOnly || qm.ha !== undefined)
    .filter((action) => action.nodeCondition !== 'preferred' || qm.ha?.preferredLocation)
    .map((action) => actionButton(action, qm, undefined, onAction))
  card.append(element('div', { class: 'actions' }, buttons))
  return card
}

export function renderTimeline(target, events) {
  if (events.length === 0) {
    target.replaceChildren(textElement('div', 'No changes seen yet.', { class: 'muted' }))
    return
  }
  const rows = [...events].reverse().map((event) => {
    const at = new Date(event.atMs).toLocaleTimeString()
    const kind = event.kind === 'primary' && event.from !== undefined ? 'moved' : event.kind
    const change =
      event.from === undefined ? `${kind} ${event.to}` : `${kind} ${event.from} → ${event.to}`
    return element(
      'div',
      {
        class: event.kind === 'primary' ? 'timeline-row move' : 'timeline-row',
        'data-event': `${event.queueManager}:${event.kind}:${event.to}`,
        'data-from': event.from ?? '',
      },
      [
        textElement('span', at, { class: 'muted' }),
        textElement('strong', event.queueManager),
        textElement('span', `on ${event.node}`),
        textElement('span', change),
      ],
    )
  })
  target.replaceChildren(...rows)
}
