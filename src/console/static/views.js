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
  for (const qm of snapshot.queueManagers) {
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
  target.replaceChildren(topologyPicture(snapshot.node.name, [...peers.values()]))
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

function rolesTable(qm, here) {
  const rows = [
    element('tr', {}, [
      textElement('th', 'Node'),
      textElement('th', 'Role'),
      textElement('th', 'Link'),
      textElement('th', 'Out of sync'),
      textElement('th', 'Resync'),
    ]),
  ]
  rows.push(
    element('tr', { 'data-role-node': here }, [
      textElement('td', here),
      textElement('td', qm.role),
      textElement('td', 'this node'),
      textElement('td', ''),
      textElement('td', ''),
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
    rows.push(
      element('tr', { 'data-role-node': peer.node }, [
        textElement('td', peer.node),
        textElement('td', peer.role),
        textElement('td', peer.link),
        textElement('td', formatBytes(peer.outOfSyncBytes)),
        resync,
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
    card.append(
      textElement(
        'div',
        `HA group ${qm.ha.group} · quorum ${qm.ha.quorum ? 'yes' : 'LOST'} · preferred location ${preferred}`,
        { 'data-testid': `ha-${qm.name}` },
      ),
    )
  }
  card.append(rolesTable(qm, snapshot.node.name))
  if (qm.dr !== undefined) card.append(drPicture(qm.name, qm.dr, snapshot.node.name))
  if (qm.queues.length > 0) card.append(queuesTable(qm, rates))
  const buttons = actions
    .filter((action) => action.offeredWhen.includes(qm.status))
    .map((action) => {
      const button = textElement('button', action.label, {
        'data-action': action.id,
        'data-testid': `action-${action.id}-${qm.name}`,
      })
      button.addEventListener('click', () => onAction(qm.name, action))
      return button
    })
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
    const change =
      event.from === undefined
        ? `${event.kind} ${event.to}`
        : `${event.kind} ${event.from} → ${event.to}`
    return element(
      'div',
      { class: 'timeline-row', 'data-event': `${event.queueManager}:${event.kind}:${event.to}` },
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
