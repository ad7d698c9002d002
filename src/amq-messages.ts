/**
 * Every message the control commands (crtmqm, strmqm, endmqm, dltmqm, dspmq, runmqsc, qmqd)
 * print, in one table, with a stable id and, for errors, the exit code.
 *
 * Ids and exit codes follow IBM MQ where MQ has the same message (marked "MQ" below), so
 * scripts written for MQ keep working; each definition's `origin` says whether its wording is
 * MQ's too or ours (MessageOrigin). QuorumMQ's own messages take ids from AMQ8960 to AMQ8999,
 * clear of the MQ ids used here and by runmqsc (src/mqsc/messages.ts). Ids never change meaning
 * once published: add new ones instead. Informational messages print without their id (as MQ's
 * control commands do); errors print as `AMQnnnnE: text`. Exit codes are MQ's per command (strmqm
 * 5 running, 16 missing; dltmqm 5; endmqm 40 not running), runmqsc's always 0, 10 or 20.
 *
 * | id        | exit | key                         | meaning                                    |
 * |-----------|------|-----------------------------|--------------------------------------------|
 * | AMQ8001I  |      | QUEUE_MANAGER_CREATED       | crtmqm succeeded (MQ)                      |
 * | AMQ8960I  |      | DIRECTORY_CREATED           | where crtmqm put the queue manager         |
 * | AMQ8003I  |      | QUEUE_MANAGER_STARTED       | strmqm succeeded (MQ)                      |
 * | AMQ8004I  |      | QUEUE_MANAGER_ENDED         | the queue manager has ended (MQ)           |
 * | AMQ8961I  |      | QUEUE_MANAGER_DELETED       | dltmqm succeeded                           |
 * | AMQ8962I  |      | QUEUE_MANAGER_ENDING        | endmqm -i/-w in progress                   |
 * | AMQ8963I  |      | WAITING_FOR_END             | endmqm -w waits                            |
 * | AMQ7030I  |      | QUIESCE_ACCEPTED            | endmqm -c accepted (MQ)                    |
 * | AMQ8964I  |      | QUEUE_MANAGER_STARTING      | strmqm begins                              |
 * | AMQ8965I  |      | INSTALLATION                | installation the queue manager uses        |
 * | AMQ7229I  |      | LOG_RECORDS_REPLAYED        | records replayed at start (MQ)             |
 * | AMQ7230I  |      | LOG_REPLAY_COMPLETE         | replay finished (MQ)                       |
 * | AMQ7232I  |      | TRANSACTIONS_RECOVERED      | transaction state recovered (MQ)           |
 * | AMQ7233I  |      | UNITS_OF_WORK_BACKED_OUT    | in-flight units of work backed out (MQ)    |
 * | AMQ8966I  |      | LISTENER_STARTED            | the queue manager's TCP listener           |
 * | AMQ8967I  |      | LISTENER_PORT_ASSIGNED      | crtmqm chose a free port                   |
 * | AMQ8968I  |      | DAEMON_STARTED              | a command started qmqd in the background   |
 * | AMQ8969I  |      | DAEMON_STOPPED              | qmqd stop succeeded                        |
 * | AMQ8970I  |      | DAEMON_NOT_RUNNING          | qmqd stop/status: no daemon                |
 * | AMQ8971I  |      | DAEMON_RUNNING              | qmqd status                                |
 * | AMQ7024E  |  36  | ARGUMENTS_NOT_VALID         | bad command-line arguments (MQ)            |
 * | AMQ7048E  |  72  | NAME_NOT_VALID              | queue manager name not valid or known (MQ) |
 * | AMQ8110E  |   8  | ALREADY_EXISTS              | crtmqm of an existing name (MQ)            |
 * | AMQ8118E  |  16  | DOES_NOT_EXIST              | no queue manager of that name (MQ)         |
 * | AMQ8980E  |   5  | RUNNING                     | strmqm of a running queue manager          |
 * | AMQ8981E  |   5  | DELETE_WHILE_RUNNING        | dltmqm of a running queue manager          |
 * | AMQ8982E  |  40  | NOT_RUNNING                 | endmqm of an ended queue manager           |
 * | AMQ8983E  |  49  | ENDING                      | the queue manager is ending                |
 * | AMQ8146E  |  20  | NOT_AVAILABLE               | runmqsc: the queue manager is not running  |
 * | AMQ8041E  |  24  | DATA_IN_USE                 | another process holds the data (MQ-like)   |
 * | AMQ9218E  |  71  | PORT_IN_USE                 | listener could not bind its port (MQ)      |
 * | AMQ8984E  |  36  | PORT_NOT_VALID              | -p outside 1..65535                        |
 * | AMQ8985E  |  71  | NO_FREE_PORT                | crtmqm found no free port                  |
 * | AMQ8986E  |  36  | PORT_ASSIGNED               | -p port already used by another QM here    |
 * | AMQ8987E  |  36  | LOG_FILE_PAGES_NOT_VALID    | -lf outside the accepted range             |
 * | AMQ8988E  |  71  | START_FAILED                | recovery or start failed                   |
 * | AMQ8989E  |  71  | DAEMON_UNAVAILABLE          | qmqd did not start or answer               |
 * | AMQ8990E  |  71  | DAEMON_ALREADY_RUNNING      | qmqd run while another daemon runs         |
 * | AMQ8991E  |  71  | HOME_NOT_USABLE             | QMQ_HOME cannot hold a control socket      |
 * | AMQ8992E  |  20  | MQSC_TOO_LARGE              | runmqsc input above the control limit      |
 * | AMQ8993E  |  36  | UNSUPPORTED_OPTION          | an MQ option QuorumMQ refuses, and why     |
 * | AMQ8994E  |   5  | DAEMON_QUEUE_MANAGERS_RUNNING | qmqd stop while queue managers run       |
 * | AMQ8995E  |  36  | QUEUE_NAME_NOT_VALID        | crtmqm -u with a name that is not valid    |
 * | AMQ6119E  |  71  | UNEXPECTED                  | an unexpected error, with its text         |
 *
 * HA groups (src/ha/) take ids AMQ3960 to AMQ3989, QuorumMQ's own beside RDQM's AMQ3xxx, whose
 * ids rdqm.md does not give. Where rdqm.md quotes RDQM's wording it is kept ('rdqm-text').
 * | AMQ3960I  |      | HA_SUBSYSTEM_CONFIGURED     | rdqmadm -c joined this node                |
 * | AMQ3961I  |      | HA_SUBSYSTEM_DELETED        | rdqmadm -u left the group                  |
 * | AMQ3962I  |      | HA_SUBSYSTEM_ALREADY        | rdqmadm -c on a node already in the group  |
 * | AMQ3963I  |      | HA_SECONDARY_CREATED_ON     | crtmqm -sx created a peer's secondary      |
 * | AMQ3964I  |      | HA_SECONDARY_CREATED        | crtmqm -sxs succeeded                      |
 * | AMQ3965I  |      | HA_ENABLING                 | crtmqm -sx, strmqm                         |
 * | AMQ3966I  |      | HA_ENABLED                  | crtmqm -sx, strmqm                         |
 * | AMQ3967I  |      | HA_DISABLED                 | endmqm of an HA queue manager              |
 * | AMQ3968I  |      | HA_RUNNING_ON               | strmqm: where the group runs it            |
 * | AMQ3969I  |      | HA_NODE_SKIPPED             | a node could not be reached: what to do    |
 * | AMQ3970I  |      | HA_NO_PRIMARY_YET           | strmqm: no primary elected in time         |
 * | AMQ3971I  |      | HA_REPLICATION_PORT         | crtmqm -sx/-sxs: the replication port      |
 * | AMQ3972I  |      | HA_NODE_SUSPENDED           | rdqmadm -s                                 |
 * | AMQ3973I  |      | HA_NODE_RESUMED             | rdqmadm -r                                 |
 * | AMQ3974I  |      | HA_PREFERRED_SET            | rdqmadm -p -m QM -n node                   |
 * | AMQ3975I  |      | HA_PREFERRED_CLEARED        | rdqmadm -p -m QM -d                        |
 * | AMQ3976I  |      | HA_FLOATING_IP_SET          | rdqmint -a                                 |
 * | AMQ3977I  |      | HA_FLOATING_IP_DELETED      | rdqmint -d                                 |
 * | AMQ3877E  |  71  | HA_FLOATING_IP_EXISTS       | rdqmint -a of a QM that has one            |
 * | AMQ3979I  |      | HA_SECRET_CREATED           | rdqmadm -k wrote a new group secret        |
 * | AMQ3978E  |  71  | HA_SECRET_REQUIRED          | no rdqm.secret for a non-loopback group    |
 * | AMQ3977E  |  71  | HA_SECRET_NOT_VALID         | rdqm.secret too short, open or present     |
 * | AMQ3988E  |  71  | HA_LAST_ACTIVE_NODE         | rdqmadm -s of the last active node         |
 * | AMQ3989E  |  71  | HA_NODE_UNKNOWN             | -n names no node of the group              |
 * | AMQ3980E  |  71  | HA_NOT_CONFIGURED           | no group joined (run rdqmadm -c)           |
 * | AMQ3981E  |  71  | HA_INI_NOT_VALID            | rdqm.ini missing or wrong                  |
 * | AMQ3982E  |  71  | HA_NODE_NOT_NAMED           | rdqm.ini does not name this node           |
 * | AMQ3983E  |  71  | HA_OTHER_GROUP              | rdqmadm -c: already in another group       |
 * | AMQ3984E  |  71  | HA_QUEUE_MANAGERS_EXIST     | rdqmadm -u while HA queue managers exist   |
 * | AMQ3985E  |  71  | HA_NODE_UNREACHABLE         | a node of the group cannot be reached      |
 * | AMQ3986E  |  71  | HA_NOT_REPLICATED           | rdqmstatus -m of a plain queue manager     |
 * | AMQ3987E  |  71  | HA_NO_FREE_PORT             | no replication port free on all nodes      |
 *
 * DR pairs (src/dr/) take AMQ3930 to AMQ3949, beside the HA range.
 * | AMQ3930I  |      | DR_ENABLING                 | crtmqm -rr (rdqm-text)                     |
 * | AMQ3935I  |      | DR_ENABLED                  | crtmqm -rr (rdqm-text)                     |
 * | AMQ3931I  |      | DR_ISSUE_ON_NODE            | crtmqm -rr p, rdqmdr -d (rdqm-text)        |
 * | AMQ3936I  |      | DR_COMMAND                  | the command to run on the other node       |
 * | AMQ3932I  |      | DR_SECONDARY_CREATED        | crtmqm -rr s (rdqm-text)                   |
 * | AMQ3933I  |      | DR_MADE_PRIMARY             | rdqmdr -p (rdqm-text)                      |
 * | AMQ3937I  |      | DR_MADE_SECONDARY           | rdqmdr -s (rdqm-text)                      |
 * | AMQ3934I  |      | DR_RESTORED                 | rdqmdr -r                                  |
 * | AMQ3938I  |      | DR_GAVE_UP                  | rdqmdr -p of a side behind the primary     |
 * | AMQ3940E  |  71  | DR_NOT_DR                   | rdqmdr on a queue manager that is not DR   |
 * | AMQ3941E  |   5  | DR_SECONDARY_CANNOT_START   | strmqm of a DR secondary                   |
 * | AMQ3942E  |   5  | DR_MUST_BE_ENDED            | rdqmdr -s of a running queue manager       |
 * | AMQ3943E  |  71  | DR_PROMOTE_REFUSED          | rdqmdr -p refused by the replication core  |
 * | AMQ3944E  |  36  | DR_ARGUMENTS                | crtmqm -rr with a missing or bad option    |
 * | AMQ3945E  |  71  | DR_NOT_PRIMARY              | rdqmdr -r on a side that is not serving    |
 */

/**
 * Where a message's id and wording come from, so nobody takes QuorumMQ's wording for IBM's:
 *   mq        MQ's id and MQ's wording for the same event ("IBM MQ" read as "QuorumMQ")
 *   mq-id     MQ's id for the same event, wording of our own (MQ's text would be wrong here)
 *   quorummq  id (AMQ8960-AMQ8999, HA AMQ3960-AMQ3989, DR AMQ3930-AMQ3949), wording invented here
 *   rdqm-text RDQM's wording as rdqm.md quotes it, id of our own (rdqm.md gives no ids)
 * /work/shared/reference/rdqm.md quotes none of these messages (only RDQM's own, which are not
 * used here), so the 'mq' marks rest on IBM's documentation as known to us, not on that file.
 */
export type MessageOrigin = 'mq' | 'mq-id' | 'quorummq' | 'rdqm-text'

export interface MessageDefinition {
  readonly id: string
  /** Text with {name} placeholders filled from the inserts. */
  readonly text: string
  /** Process exit code of a command that fails with this message; 0 for information. */
  readonly exitCode: number
  readonly origin: MessageOrigin
}

const information = (id: string, text: string, origin: MessageOrigin): MessageDefinition => ({
  id,
  text,
  exitCode: 0,
  origin,
})
const failure = (
  id: string,
  exitCode: number,
  text: string,
  origin: MessageOrigin,
): MessageDefinition => ({ id, text, exitCode, origin })

export const Messages = {
  QUEUE_MANAGER_CREATED: information('AMQ8001I', 'QuorumMQ queue manager created.', 'mq'),
  DIRECTORY_CREATED: information('AMQ8960I', "Directory '{directory}' created.", 'quorummq'),
  QUEUE_MANAGER_STARTED: information(
    'AMQ8003I',
    "QuorumMQ queue manager '{queueManager}' started using V{version}.",
    'mq',
  ),
  QUEUE_MANAGER_ENDED: information(
    'AMQ8004I',
    "QuorumMQ queue manager '{queueManager}' ended.",
    'mq',
  ),
  QUEUE_MANAGER_DELETED: information(
    'AMQ8961I',
    "QuorumMQ queue manager '{queueManager}' deleted.",
    'quorummq',
  ),
  QUEUE_MANAGER_ENDING: information(
    'AMQ8962I',
    "QuorumMQ queue manager '{queueManager}' ending.",
    'quorummq',
  ),
  WAITING_FOR_END: information(
    'AMQ8963I',
    "Waiting for queue manager '{queueManager}' to end.",
    'quorummq',
  ),
  QUIESCE_ACCEPTED: information(
    'AMQ7030I',
    'Quiesce request accepted. The queue manager will stop when all outstanding work is complete.',
    'mq',
  ),
  QUEUE_MANAGER_STARTING: information(
    'AMQ8964I',
    "QuorumMQ queue manager '{queueManager}' starting.",
    'quorummq',
  ),
  INSTALLATION: information(
    'AMQ8965I',
    "The queue manager is associated with installation '{installation}'.",
    'quorummq',
  ),
  LOG_RECORDS_REPLAYED: information(
    'AMQ7229I',
    "{count} log records accessed on queue manager '{queueManager}' during the log replay phase.",
    'mq',
  ),
  LOG_REPLAY_COMPLETE: information(
    'AMQ7230I',
    "Log replay for queue manager '{queueManager}' complete.",
    'mq',
  ),
  TRANSACTIONS_RECOVERED: information(
    'AMQ7232I',
    "Transaction manager state recovered for queue manager '{queueManager}'.",
    'mq',
  ),
  UNITS_OF_WORK_BACKED_OUT: information(
    'AMQ7233I',
    "{count} in-flight units of work backed out for queue manager '{queueManager}'.",
    'mq-id',
  ),
  LISTENER_STARTED: information(
    'AMQ8966I',
    "Listener for queue manager '{queueManager}' started on {host}({port}).",
    'quorummq',
  ),
  LISTENER_PORT_ASSIGNED: information(
    'AMQ8967I',
    "Listener port {port} assigned to queue manager '{queueManager}'.",
    'quorummq',
  ),
  DAEMON_STARTED: information(
    'AMQ8968I',
    'QuorumMQ node daemon qmqd started (pid {pid}, QMQ_HOME {home}).',
    'quorummq',
  ),
  DAEMON_STOPPED: information(
    'AMQ8969I',
    'QuorumMQ node daemon qmqd (pid {pid}) stopped.',
    'quorummq',
  ),
  DAEMON_NOT_RUNNING: information(
    'AMQ8970I',
    'QuorumMQ node daemon qmqd is not running (QMQ_HOME {home}).',
    'quorummq',
  ),
  DAEMON_RUNNING: information(
    'AMQ8971I',
    'QuorumMQ node daemon qmqd is running (pid {pid}, QMQ_HOME {home}, V{version}).',
    'quorummq',
  ),
  ARGUMENTS_NOT_VALID: failure(
    'AMQ7024E',
    36,
    'Non-valid arguments supplied to the command.',
    'mq',
  ),
  NAME_NOT_VALID: failure(
    'AMQ7048E',
    72,
    'The queue manager name is either not valid or not known.',
    'mq',
  ),
  ALREADY_EXISTS: failure('AMQ8110E', 8, 'QuorumMQ queue manager already exists.', 'mq'),
  DOES_NOT_EXIST: failure('AMQ8118E', 16, 'QuorumMQ queue manager does not exist.', 'mq'),
  RUNNING: failure('AMQ8980E', 5, "QuorumMQ queue manager '{queueManager}' running.", 'quorummq'),
  DELETE_WHILE_RUNNING: failure(
    'AMQ8981E',
    5,
    "QuorumMQ queue manager '{queueManager}' is running: end it with endmqm before deleting it.",
    'quorummq',
  ),
  NOT_RUNNING: failure(
    'AMQ8982E',
    40,
    "QuorumMQ queue manager '{queueManager}' not running.",
    'quorummq',
  ),
  ENDING: failure('AMQ8983E', 49, "QuorumMQ queue manager '{queueManager}' is ending.", 'quorummq'),
  NOT_AVAILABLE: failure('AMQ8146E', 20, 'QuorumMQ queue manager not available.', 'mq'),
  DATA_IN_USE: failure(
    'AMQ8041E',
    24,
    "The queue manager's data in '{directory}' is in use by process {pid}.",
    'mq-id',
  ),
  PORT_IN_USE: failure(
    'AMQ9218E',
    71,
    "The TCP/IP listener could not bind to port number {port}: it is in use. Queue manager '{queueManager}' was not started.",
    'mq-id',
  ),
  PORT_NOT_VALID: failure(
    'AMQ8984E',
    36,
    "Port '{port}' is not valid: use 1 to 65535.",
    'quorummq',
  ),
  NO_FREE_PORT: failure(
    'AMQ8985E',
    71,
    'No free TCP port from {first} to {last} for the listener; choose one with -p.',
    'quorummq',
  ),
  PORT_ASSIGNED: failure(
    'AMQ8986E',
    36,
    "Port {port} is already assigned to queue manager '{owner}' on this node.",
    'quorummq',
  ),
  LOG_FILE_PAGES_NOT_VALID: failure(
    'AMQ8987E',
    36,
    "Log file pages '{pages}' not valid: use {minimum} to {maximum} (4 KiB pages).",
    'quorummq',
  ),
  START_FAILED: failure(
    'AMQ8988E',
    71,
    "QuorumMQ queue manager '{queueManager}' could not be started: {reason}",
    'quorummq',
  ),
  DAEMON_UNAVAILABLE: failure(
    'AMQ8989E',
    71,
    'The QuorumMQ node daemon (qmqd) is not available: {reason}. Its log: {log}',
    'quorummq',
  ),
  DAEMON_ALREADY_RUNNING: failure(
    'AMQ8990E',
    71,
    'A QuorumMQ node daemon (pid {pid}) is already running for QMQ_HOME {home}.',
    'quorummq',
  ),
  HOME_NOT_USABLE: failure('AMQ8991E', 71, 'QMQ_HOME {home} cannot be used: {reason}', 'quorummq'),
  MQSC_TOO_LARGE: failure(
    'AMQ8992E',
    20,
    'MQSC input of {bytes} bytes is above the limit of {limit} bytes per runmqsc.',
    'quorummq',
  ),
  QUEUE_NAME_NOT_VALID: failure('AMQ8995E', 36, "Queue name '{queue}' is not valid.", 'quorummq'),
  UNSUPPORTED_OPTION: failure(
    'AMQ8993E',
    36,
    "Option '{option}' of {command} is not supported by QuorumMQ: {reason}.",
    'quorummq',
  ),
  DAEMON_QUEUE_MANAGERS_RUNNING: failure(
    'AMQ8994E',
    5,
    'qmqd not stopped: queue managers still running: {queueManagers}. End them with endmqm, or use qmqd stop -f to end them immediately.',
    'quorummq',
  ),
  UNEXPECTED: failure('AMQ6119E', 71, 'An unexpected error occurred: {reason}', 'mq-id'),
  HA_SUBSYSTEM_CONFIGURED: information(
    'AMQ3960I',
    "The replicated data subsystem has been configured on this node ('{node}').",
    'quorummq',
  ),
  HA_SUBSYSTEM_DELETED: information(
    'AMQ3961I',
    "The replicated data subsystem configuration has been deleted from this node ('{node}').",
    'quorummq',
  ),
  HA_SUBSYSTEM_ALREADY: information(
    'AMQ3962I',
    "The replicated data subsystem is already configured on this node ('{node}').",
    'quorummq',
  ),
  HA_SECONDARY_CREATED_ON: information(
    'AMQ3963I',
    "Secondary queue manager created on '{node}'.",
    'rdqm-text',
  ),
  HA_SECONDARY_CREATED: information(
    'AMQ3964I',
    'QuorumMQ secondary queue manager created.',
    'rdqm-text',
  ),
  HA_ENABLING: information('AMQ3965I', 'Enabling replicated data queue manager.', 'rdqm-text'),
  HA_ENABLED: information('AMQ3966I', 'Replicated data queue manager enabled.', 'rdqm-text'),
  HA_DISABLED: information('AMQ3967I', 'Replicated data queue manager disabled.', 'rdqm-text'),
  HA_RUNNING_ON: information(
    'AMQ3968I',
    "Replicated data queue manager '{queueManager}' is running on node '{node}'.",
    'quorummq',
  ),
  HA_NODE_SKIPPED: information(
    'AMQ3969I',
    "Node '{node}' could not be reached ({reason}): {advice}",
    'quorummq',
  ),
  HA_NO_PRIMARY_YET: information(
    'AMQ3970I',
    "HA control is enabled for '{queueManager}' but no node runs it yet: see rdqmstatus -m {queueManager}.",
    'quorummq',
  ),
  HA_REPLICATION_PORT: information(
    'AMQ3971I',
    "Replication port {port} assigned to queue manager '{queueManager}'.",
    'quorummq',
  ),
  HA_NODE_SUSPENDED: information(
    'AMQ3972I',
    "The replicated data node '{node}' has been suspended.",
    'rdqm-text',
  ),
  HA_NODE_RESUMED: information(
    'AMQ3973I',
    "The replicated data node '{node}' has been resumed.",
    'rdqm-text',
  ),
  HA_PREFERRED_SET: information(
    'AMQ3974I',
    "The preferred replicated data node has been set to '{node}' for queue manager '{queueManager}'.",
    'quorummq',
  ),
  HA_PREFERRED_CLEARED: information(
    'AMQ3975I',
    "The preferred replicated data node has been unset for queue manager '{queueManager}'.",
    'quorummq',
  ),
  HA_LAST_ACTIVE_NODE: failure(
    'AMQ3988E',
    71,
    "Node '{node}' is the last active node of the HA group: it cannot be suspended.",
    'quorummq',
  ),
  HA_NODE_UNKNOWN: failure(
    'AMQ3989E',
    71,
    "'{node}' is not a node of this HA group ({nodes}).",
    'quorummq',
  ),
  HA_NOT_CONFIGURED: failure(
    'AMQ3980E',
    71,
    'This node is not in an HA group: write QMQ_HOME/rdqm.ini and run rdqmadm -c on each node.',
    'quorummq',
  ),
  HA_INI_NOT_VALID: failure('AMQ3981E', 71, 'rdqm.ini cannot be used: {reason}', 'quorummq'),
  HA_NODE_NOT_NAMED: failure(
    'AMQ3982E',
    71,
    "rdqm.ini has no Node stanza named '{node}' (this node's name: its host name or QMQ_NODE).",
    'quorummq',
  ),
  HA_OTHER_GROUP: failure(
    'AMQ3983E',
    71,
    "Node '{node}' is already in another HA group ({group}): run rdqmadm -u first.",
    'quorummq',
  ),
  HA_QUEUE_MANAGERS_EXIST: failure(
    'AMQ3984E',
    71,
    'Replicated data queue managers exist on this node: {queueManagers}. Delete them first.',
    'quorummq',
  ),
  HA_NODE_UNREACHABLE: failure(
    'AMQ3985E',
    71,
    "Node '{node}' of the HA group cannot be reached: {reason}",
    'quorummq',
  ),
  HA_NOT_REPLICATED: failure(
    'AMQ3986E',
    71,
    "Queue manager '{queueManager}' is not a replicated data queue manager.",
    'quorummq',
  ),
  HA_SECRET_CREATED: information(
    'AMQ3979I',
    "The HA group secret has been written to '{path}'. Copy it, with mode 0600, to the same " +
      'place on the other two nodes before rdqmadm -c.',
    'quorummq',
  ),
  HA_SECRET_REQUIRED: failure(
    'AMQ3978E',
    71,
    "The HA group has nodes that are not on loopback and '{path}' does not exist. Create it " +
      'with rdqmadm -k on one node and copy it to the others, or set ' +
      'QMQ_HA_ALLOW_NO_SECRET=1 for rdqmadm -c to let any process that reaches the ports join.',
    'quorummq',
  ),
  HA_SECRET_NOT_VALID: failure(
    'AMQ3977E',
    71,
    'The HA group secret cannot be used: {reason}',
    'quorummq',
  ),
  HA_NO_FREE_PORT: failure(
    'AMQ3987E',
    71,
    'No replication port free on all nodes from {first} to {last}.',
    'quorummq',
  ),
  HA_FLOATING_IP_SET: information(
    'AMQ3976I',
    "The floating IP address '{address}' on interface '{interface}' has been added to queue manager '{queueManager}'.",
    'quorummq',
  ),
  HA_FLOATING_IP_DELETED: information(
    'AMQ3977I',
    "The floating IP address has been deleted from queue manager '{queueManager}'.",
    'quorummq',
  ),
  HA_FLOATING_IP_EXISTS: failure(
    'AMQ3877E',
    71,
    "Queue manager '{queueManager}' already has a floating IP address ({address}): delete it first with rdqmint -m {queueManager} -d.",
    'mq-id',
  ),
  DR_ENABLING: information('AMQ3930I', 'Enabling replicated data queue manager.', 'rdqm-text'),
  DR_ENABLED: information('AMQ3935I', 'Replicated data queue manager enabled.', 'rdqm-text'),
  DR_ISSUE_ON_NODE: information(
    'AMQ3931I',
    "Issue the following command on node '{node}' to create the DR secondary queue manager:",
    'rdqm-text',
  ),
  DR_COMMAND: information('AMQ3936I', '{command}', 'quorummq'),
  DR_SECONDARY_CREATED: information(
    'AMQ3932I',
    'QuorumMQ secondary queue manager created.',
    'rdqm-text',
  ),
  DR_MADE_PRIMARY: information(
    'AMQ3933I',
    "Queue manager '{queueManager}' has been made the DR primary on this node.",
    'rdqm-text',
  ),
  DR_MADE_SECONDARY: information(
    'AMQ3937I',
    "Queue manager '{queueManager}' has been made the DR secondary on this node.",
    'rdqm-text',
  ),
  DR_GAVE_UP: information(
    'AMQ3938I',
    'This side had {size} less than the primary last reported committed (its log ends at ' +
      '{lsn}, the primary had committed to {primaryLsn}): those updates are not on this side.',
    'quorummq',
  ),
  DR_RESTORED: information(
    'AMQ3934I',
    "{count} message(s) saved aside were put again on '{queueManager}'.",
    'quorummq',
  ),
  DR_NOT_DR: failure(
    'AMQ3940E',
    71,
    "Queue manager '{queueManager}' is not a DR queue manager.",
    'quorummq',
  ),
  DR_SECONDARY_CANNOT_START: failure(
    'AMQ3941E',
    5,
    "Queue manager '{queueManager}' is the DR secondary on this node and cannot be started: " +
      "make it the DR primary first with 'rdqmdr -m {queueManager} -p'.",
    'quorummq',
  ),
  DR_MUST_BE_ENDED: failure(
    'AMQ3942E',
    5,
    "Queue manager '{queueManager}' is running: end it with endmqm before making it the DR " +
      'secondary.',
    'quorummq',
  ),
  DR_PROMOTE_REFUSED: failure(
    'AMQ3943E',
    71,
    "Queue manager '{queueManager}' cannot be made the DR primary: {reason}.",
    'quorummq',
  ),
  DR_ARGUMENTS: failure('AMQ3944E', 36, 'DR options are not valid: {reason}.', 'quorummq'),
  DR_NOT_PRIMARY: failure(
    'AMQ3945E',
    71,
    "Queue manager '{queueManager}' is not the running DR primary on this node.",
    'quorummq',
  ),
} as const satisfies Record<string, MessageDefinition>

export type MessageKey = keyof typeof Messages
export type MessageInserts = Readonly<Record<string, string | number>>

/** The message's text with its inserts, without the id. */
export function messageText(key: MessageKey, inserts: MessageInserts = {}): string {
  return Messages[key].text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = inserts[name]
    return value === undefined ? whole : String(value)
  })
}

/** How a command prints the message: errors with their id, information without. */
export function formatMessage(key: MessageKey, inserts: MessageInserts = {}): string {
  const definition = Messages[key]
  const text = messageText(key, inserts)
  return definition.exitCode === 0 ? text : `${definition.id}: ${text}`
}

export function exitCodeOf(key: MessageKey): number {
  return Messages[key].exitCode
}
