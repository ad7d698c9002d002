// SVG pictures for the console: topology, DR pair, sparklines, progress. Built with DOM calls
// (never innerHTML), so names from the daemon cannot inject markup.
const SVG = 'http://www.w3.org/2000/svg'

export function svg(tag, attributes = {}, children = []) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  for (const child of children) element.append(child)
  return element
}

function text(x, y, content, attributes = {}) {
  const element = svg('text', { x, y, 'font-size': 12, 'text-anchor': 'middle', ...attributes })
  element.textContent = content
  return element
}

const LINK_COLOURS = { up: '#2e7d32', lagging: '#f9a825', down: '#c62828' }

/**
 * Nodes on a circle, this node first; a line per link, coloured by its state; a node running
 * HA queue managers (`primaries`: node to queue manager names) has a thick gold ring.
 */
export function topologyPicture(here, peers, primaries = new Map()) {
  const nodes = [{ node: here, link: 'up', self: true }, ...peers]
  const width = 420
  const height = nodes.length > 1 ? 250 : 90
  const centre = { x: width / 2, y: height / 2 - 8 }
  const radius = nodes.length > 1 ? 85 : 0
  const place = (index) => {
    const angle = (2 * Math.PI * index) / nodes.length - Math.PI / 2
    return { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) }
  }
  const picture = svg('svg', { width, height, role: 'img', 'aria-label': 'nodes and links' })
  nodes.forEach((each, index) => {
    if (index === 0) return
    const [a, b] = [place(0), place(index)]
    const line = svg('line', {
      x1: a.x,
      y1: a.y,
      x2: b.x,
      y2: b.y,
      stroke: LINK_COLOURS[each.link] ?? '#999',
      'stroke-width': 3,
    })
    if (each.link !== 'up') line.setAttribute('stroke-dasharray', '6 4')
    line.setAttribute('data-link', `${each.node}:${each.link}`)
    picture.append(line)
  })
  nodes.forEach((each, index) => {
    const at = place(index)
    const runs = primaries.get(each.node) ?? []
    picture.append(
      svg('circle', {
        cx: at.x,
        cy: at.y,
        r: 18,
        fill: each.self ? '#1d5bd8' : '#fff',
        stroke: runs.length > 0 ? '#d4a017' : '#1d5bd8',
        'stroke-width': runs.length > 0 ? 6 : 2,
        'data-node': each.node,
        'data-primary-of': runs.join(' '),
      }),
    )
    picture.append(
      text(at.x, at.y + 34, each.self ? `${each.node} (this node)` : `${each.node}: ${each.link}`),
    )
    if (runs.length > 0) {
      picture.append(text(at.x, at.y + 48, `primary of ${runs.join(', ')}`, { fill: '#8a6d00' }))
    }
  })
  return picture
}

const DR_COLOURS = {
  Normal: '#2e7d32',
  'Remote unavailable': '#c62828',
  'Synchronization in progress': '#f9a825',
  Partitioned: '#6a1b9a',
}

/** Two sites and the replication between them, drawn as MQ's DR states describe it. */
export function drPicture(name, dr, here) {
  const colour = DR_COLOURS[dr.state] ?? '#999'
  const picture = svg('svg', {
    width: 420,
    height: 96,
    role: 'img',
    'aria-label': `DR ${dr.state}`,
    'data-dr-state': dr.state,
  })
  const site = (x, label, role) => {
    picture.append(
      svg('rect', { x, y: 18, width: 120, height: 46, rx: 6, fill: '#fff', stroke: '#56607a' }),
    )
    picture.append(text(x + 60, 38, label, { 'font-weight': 600 }))
    picture.append(text(x + 60, 55, role))
  }
  const local = dr.role
  const remote = dr.role === 'primary' ? 'secondary' : 'primary'
  site(10, here, `${name} DR ${local}`)
  site(290, dr.remote, `DR ${remote}`)
  const arrow = svg('line', { x1: 135, y1: 41, x2: 285, y2: 41, stroke: colour, 'stroke-width': 4 })
  if (dr.state === 'Remote unavailable' || dr.state === 'Partitioned')
    arrow.setAttribute('stroke-dasharray', '8 6')
  picture.append(arrow)
  picture.append(text(210, 84, dr.state, { fill: colour, 'font-weight': 600 }))
  return picture
}

/** A small area chart of the last samples (rates per second), scaled to its largest. */
export function sparkline(values, colour, label) {
  const width = 120
  const height = 28
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : width
  const y = (value) => (height - 3 - (value / max) * (height - 6)).toFixed(1)
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${y(value)}`)
  const picture = svg('svg', { width, height, role: 'img', 'aria-label': label })
  picture.append(svg('rect', { x: 0, y: 0, width, height, fill: '#eef1f6', stroke: '#dde1e8' }))
  if (points.length > 1) {
    const last = ((values.length - 1) * step).toFixed(1)
    const area = `0,${height} ${points.join(' ')} ${last},${height}`
    picture.append(svg('polygon', { points: area, fill: colour, 'fill-opacity': 0.15 }))
    picture.append(
      svg('polyline', {
        points: points.join(' '),
        fill: 'none',
        stroke: colour,
        'stroke-width': 2,
      }),
    )
  }
  return picture
}

/** A progress bar with its percentage (resync). */
export function progressBar(ratio, label) {
  const width = 160
  const picture = svg('svg', { width, height: 16, role: 'img', 'aria-label': label })
  picture.append(svg('rect', { x: 0, y: 2, width, height: 12, rx: 3, fill: '#eceff1' }))
  picture.append(
    svg('rect', {
      x: 0,
      y: 2,
      width: Math.max(0, Math.min(1, ratio)) * width,
      height: 12,
      rx: 3,
      fill: '#1d5bd8',
    }),
  )
  return picture
}
