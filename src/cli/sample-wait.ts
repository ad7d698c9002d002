/**
 * The get wait of the samples: their MQ default, or QMQ_GET_WAIT_MS when set to a whole number
 * of milliseconds (so tests need not wait MQ's 15 s or 100 s for "no more messages").
 */
import { parseWholeNumber } from './arguments.js'

export function sampleWaitMs(defaultMs: number): number {
  const configured = process.env['QMQ_GET_WAIT_MS']
  if (configured === undefined || configured === '') return defaultMs
  return parseWholeNumber(configured) ?? defaultMs
}
