/**
 * Test certificates made with the openssl command: a CA, a server certificate for 127.0.0.1 /
 * localhost, client certificates (one of them revoked in a CRL) and a second CA nobody trusts.
 * EC P-256 keys, so generating them takes milliseconds.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'

export interface TestPki {
  readonly directory: string
  readonly ca: string
  /** Server key and certificate, files in `serverDirectory` as the listener reads them. */
  readonly serverDirectory: string
  readonly client: (name: string) => { key: string; cert: string }
  readonly untrustedClient: { key: string; cert: string }
}

function openssl(directory: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' })
}

export function makePki(
  directory: string,
  clients: readonly string[],
  revoked: readonly string[],
): TestPki {
  const run = (...args: string[]): void => openssl(directory, args)
  const key = (name: string): void =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`)
  const selfSigned = (name: string, subject: string): void => {
    key(name)
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    )
  }
  const signed = (name: string, subject: string, ca: string, extFile?: string): void => {
    key(name)
    run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`)
    const args = [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
    ]
    if (extFile !== undefined) args.push('-extfile', extFile)
    run(...args)
  }
  selfSigned('ca', '/CN=QMQ test CA')
  selfSigned('rogue-ca', '/CN=rogue CA')
  fs.writeFileSync(join(directory, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  signed('server', '/CN=localhost', 'ca', 'server.ext')
  for (const name of clients) signed(name, `/CN=${name}`, 'ca')
  signed('rogue', '/CN=alice', 'rogue-ca')
  // A CRL needs the `openssl ca` database.
  fs.writeFileSync(join(directory, 'index.txt'), '')
  fs.writeFileSync(join(directory, 'crlnumber'), '01\n')
  fs.writeFileSync(
    join(directory, 'ca.cnf'),
    [
      '[ca]',
      'default_ca=test',
      '[test]',
      'database=index.txt',
      'crlnumber=crlnumber',
      'default_md=sha256',
      'default_crl_days=2',
      'certificate=ca.pem',
      'private_key=ca.key',
      '',
    ].join('\n'),
  )
  for (const name of revoked) run('ca', '-config', 'ca.cnf', '-revoke', `${name}.pem`)
  run('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem')
  const serverDirectory = join(directory, 'ssl')
  fs.mkdirSync(serverDirectory)
  fs.copyFileSync(join(directory, 'server.key'), join(serverDirectory, 'key.pem'))
  fs.copyFileSync(join(directory, 'server.pem'), join(serverDirectory, 'cert.pem'))
  fs.copyFileSync(join(directory, 'ca.pem'), join(serverDirectory, 'ca.pem'))
  fs.copyFileSync(join(directory, 'crl.pem'), join(serverDirectory, 'crl.pem'))
  const read = (file: string): string => fs.readFileSync(join(directory, file), 'utf8')
  return {
    directory,
    ca: read('ca.pem'),
    serverDirectory,
    client: (name) => ({ key: read(`${name}.key`), cert: read(`${name}.pem`) }),
    untrustedClient: { key: read('rogue.key'), cert: read('rogue.pem') },
  }
}
