// The console's entry: polls the daemon's JSON API once a second, keeps a minute of put/get
// rates per queue (from the counters' deltas), and runs actions after a confirmation.
import { renderQueueManager, renderTimeline, renderTopology } from './views.js'

const POLL_MS = 1000
const RATE_SAMPLES = 60
const rates = new Map()
const lastCounts = new Map()
let actions = []

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' })
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
  return response.json()
}

function recordRates(snapshot) {
  for (const qm of snapshot.queueManagers) {
    for (const queue of qm.queues) {
      const key = `${qm.name}/${queue.name}`
      const before = lastCounts.get(key)
      lastCounts.set(key, { at: snapshot.takenAtMs, puts: queue.puts, gets: queue.gets })
      if (before === undefined || snapshot.takenAtMs <= before.at) continue
      const seconds = (snapshot.takenAtMs - before.at) / 1000
      const history = rates.get(key) ?? { puts: [], gets: [] }
      // A restarted queue manager starts its counters again: no negative rate.
      history.puts.push(Math.max(0, queue.puts - before.puts) / seconds)
      history.gets.push(Math.max(0, queue.gets - before.gets) / seconds)
      if (history.puts.length > RATE_SAMPLES) history.puts.shift()
      if (history.gets.length > RATE_SAMPLES) history.gets.shift()
      rates.set(key, history)
    }
  }
}

async function refresh() {
  try {
    const [snapshot, events] = await Promise.all([getJson('/api/status'), getJson('/api/timeline')])
    recordRates(snapshot)
    const node = snapshot.node
    document.getElementById('node').textContent =
      `node ${node.name} · QuorumMQ ${node.version} · qmqd pid ${node.pid}`
    document.getElementById('updated').textContent =
      `updated ${new Date(snapshot.takenAtMs).toLocaleTimeString()}`
    renderTopology(document.getElementById('topology'), snapshot)
    const cards = snapshot.queueManagers.map((qm) =>
      renderQueueManager(qm, snapshot, actions, rates, confirmAction),
    )
    document.getElementById('queue-managers').replaceChildren(...cards)
    renderTimeline(document.getElementById('timeline'), events)
    document.body.dataset.loaded = 'true'
  } catch (error) {
    document.getElementById('updated').textContent = `daemon not answering: ${error.message}`
  }
}

function confirmAction(queueManager, action, node) {
  const dialog = document.getElementById('confirm')
  document.getElementById('confirm-text').textContent = action.confirmation
    .replaceAll('{qm}', queueManager)
    .replaceAll('{node}', node ?? '')
  dialog.returnValue = ''
  dialog.onclose = () => {
    if (dialog.returnValue === 'ok') void runAction(queueManager, action, node)
  }
  dialog.showModal()
}

async function runAction(queueManager, action, node) {
  const result = document.getElementById('result')
  result.hidden = false
  result.textContent = `${action.label} ${node ?? queueManager}…`
  const path = `/api/queue-managers/${encodeURIComponent(queueManager)}/actions/${action.id}`
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(node === undefined ? {} : { node }),
  })
  const reply = await response.json()
  result.textContent = [...(reply.output ?? []), ...(reply.errors ?? [])].join('\n')
  result.dataset.exitCode = String(reply.exitCode ?? '')
  await refresh()
}

actions = await getJson('/api/actions').catch(() => [])
await refresh()
setInterval(() => void refresh(), POLL_MS)
