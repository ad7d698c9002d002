import { it } from 'vitest'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine } from './helpers.js'
it('prof', async () => {
  const { engine } = createEngine()
  await engine.defineQueue({ name: 'Q', maxDepth: 100_000 })
  const handle = engine.connect().open('Q', { input: true, output: true })
  const ids: Uint8Array[] = []
  let t = performance.now()
  for (let index = 0; index < 5000; index++) {
    const put = await handle.put(bytes(`m${index}`), { persistence: Persistence.PERSISTENT })
    ids.push(put.msgId)
  }
  console.log('puts', performance.now() - t); t = performance.now()
  for (let index = 4999; index >= 1; index -= 2) await handle.get({ msgId: ids[index] })
  console.log('gets by id', performance.now() - t); t = performance.now()
  for (let index = 0; index < 5000; index += 2) await handle.get()
  console.log('gets', performance.now() - t)
})
