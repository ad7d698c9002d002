/**
 * The loopback floor for the TCP benchmark: a plain Node TCP server in its own process that
 * writes back every byte it reads, no framing, no queue manager. Prints `PORT <n>`.
 */
import net from 'node:net'

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk: Buffer) => socket.write(chunk))
  socket.on('error', () => socket.destroy())
})
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const address = server.address() as net.AddressInfo
  process.stdout.write(`PORT ${address.port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
