/**
 * Goal: connection names parse as MQ spells them (CONNAME lists, MQSERVER form, default port,
 * IPv6 bracketed or bare) and malformed ones fail with 2538 before anything is dialled.
 * Method: a table of cases, then a fast-check round trip format → parse over generated lists.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ClientReason,
  formatConnectionName,
  parseConnectionNameList,
} from '../../src/client/index.js'
import { isMQError } from '../../src/errors.js'

describe('parseConnectionNameList', () => {
  it.each([
    ['localhost(1414)', [{ host: 'localhost', port: 1414 }]],
    ['mq1.example.com(1415)', [{ host: 'mq1.example.com', port: 1415 }]],
    ['localhost', [{ host: 'localhost', port: 1414 }]],
    [
      ' a(1) , b(2),c ',
      [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
        { host: 'c', port: 1414 },
      ],
    ],
    ['SYSTEM.DEF.SVRCONN/TCP/host(1420)', [{ host: 'host', port: 1420 }]],
    [
      'APP.SVRCONN/tcp/h1(1),h2(2)',
      [
        { host: 'h1', port: 1 },
        { host: 'h2', port: 2 },
      ],
    ],
    ['[::1](1414)', [{ host: '::1', port: 1414 }]],
    ['::1(1500)', [{ host: '::1', port: 1500 }]],
    ['[fe80::1]', [{ host: 'fe80::1', port: 1414 }]],
    ['10.0.0.1(65535)', [{ host: '10.0.0.1', port: 65535 }]],
  ])('parses %j', (text, expected) => {
    expect(parseConnectionNameList(text)).toEqual(expected)
  })

  it.each([
    '',
    'a(1),',
    ',a(1)',
    'host(0)',
    'host(65536)',
    'host(abc)',
    'host(1',
    'ho st(1)',
    '(1414)',
    'CHANNEL/LU62/host(1)',
    'A/B/C/D',
    '[](1414)',
  ])('rejects %j with 2538', (text) => {
    let caught: unknown
    try {
      parseConnectionNameList(text)
    } catch (error) {
      caught = error
    }
    expect(isMQError(caught) && caught.reason).toBe(ClientReason.HOST_NOT_AVAILABLE)
  })

  it('rejects a list longer than the limit', () => {
    const text = Array.from({ length: 65 }, (_, index) => `h${index}(1)`).join(',')
    expect(() => parseConnectionNameList(text)).toThrow(/at most 64/)
  })

  it('parses back what formatConnectionName writes', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/)
    const host = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
      fc.ipV4(),
      fc.ipV6(),
    )
    const address = fc.record({ host, port: fc.integer({ min: 1, max: 65_535 }) })
    fc.assert(
      fc.property(fc.array(address, { minLength: 1, maxLength: 8 }), (addresses) => {
        const text = addresses.map(formatConnectionName).join(',')
        expect(parseConnectionNameList(text)).toEqual(addresses)
      }),
    )
  })
})
