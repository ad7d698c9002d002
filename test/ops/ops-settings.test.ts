/**
 * Goal: metrics and console are off unless asked for; flags win over the environment; a bad
 * port is refused with the CLI's port message.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONSOLE_PORT, DEFAULT_METRICS_PORT } from '../../src/constants.js'
import { opsSettingsOf } from '../../src/ops/ops-settings.js'

describe('opsSettingsOf', () => {
  it('is off by default', () => {
    expect(opsSettingsOf([], {})).toEqual({ metricsPort: undefined, consolePort: undefined })
  })

  it('takes the documented ports for bare flags, and explicit ports', () => {
    expect(opsSettingsOf(['--metrics', '--console'], {})).toEqual({
      metricsPort: DEFAULT_METRICS_PORT,
      consolePort: DEFAULT_CONSOLE_PORT,
    })
    expect(opsSettingsOf(['--metrics=9100'], { QMQ_CONSOLE_PORT: '9200' })).toEqual({
      metricsPort: 9100,
      consolePort: 9200,
    })
    expect(opsSettingsOf(['--console=0'], { QMQ_CONSOLE_PORT: '9200' }).consolePort).toBe(0)
  })

  it('refuses a port that is not one', () => {
    expect(() => opsSettingsOf(['--metrics=http'], {})).toThrow(/AMQ8984E/)
    expect(() => opsSettingsOf([], { QMQ_CONSOLE_PORT: '70000' })).toThrow(/AMQ8984E/)
  })
})
