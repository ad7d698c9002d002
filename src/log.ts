/**
 * Structured logging with pino. One root logger per process; actors and queue managers take
 * children with bindings (`actor`, `qm`). Level from QMQ_LOG_LEVEL (default `info`, `silent` in
 * tests unless set), so a test run is quiet but a failing one can be re-run with logs.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger }

function defaultLevel(): string {
  const configured = process.env['QMQ_LOG_LEVEL']
  if (configured !== undefined && configured !== '') return configured
  return process.env['VITEST'] === undefined ? 'info' : 'silent'
}

let root: Logger | undefined

export function rootLogger(): Logger {
  root ??= pino({ level: defaultLevel(), base: { pid: process.pid } })
  return root
}

/**
 * Sends the process's logs to `destination` instead of stdout (a background qmqd's rolling
 * files). Call before any logger is taken: children keep the root they were made from.
 */
export function useLogDestination(destination: DestinationStream): void {
  root = pino({ level: defaultLevel(), base: { pid: process.pid } }, destination)
}

export function childLogger(bindings: Record<string, unknown>): Logger {
  return rootLogger().child(bindings)
}
