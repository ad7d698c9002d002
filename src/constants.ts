/**
 * Every limit in QuorumMQ lives here, so that sizing is one decision in one place.
 * Relationships between limits are asserted at load time (bottom of file): a bad edit fails fast.
 * Units are last in each name (Bytes, Ms, Count).
 */
import { assert } from './assert.js'

const KiB = 1024
const MiB = 1024 * KiB

// ---- Messages and queues (MQ defaults, rdqm.md section 7) ----
/** MQ's MQMI/MQCI length: MsgId and CorrelId are exactly this many bytes. */
export const MESSAGE_ID_BYTES = 24
/** MQ's default MAXMSGL for a local queue and for the queue manager. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * MiB
/** Hard ceiling for MAXMSGL: one message must fit in one journal record and one ring frame. */
export const MAX_MESSAGE_BYTES = 4 * MiB
export const DEFAULT_MAX_DEPTH = 5000
/** MQ's MAXDEPTH ceiling (999,999,999). */
export const MAX_DEPTH_LIMIT = 999_999_999
export const PRIORITY_LEVELS = 10
export const MAX_QUEUE_NAME_BYTES = 48
export const MAX_QUEUE_DESCRIPTION_BYTES = 64
export const MAX_QUEUE_MANAGER_NAME_BYTES = 48
export const FORMAT_BYTES = 8
/** Operations in one unit of work before MQRC_SYNCPOINT_LIMIT_REACHED (MQ MAXUMSGS default). */
export const MAX_UNCOMMITTED_MESSAGES = 10_000

// ---- Queue engine (src/queue/) ----
/** Message-table slots a new queue starts with; the table doubles as it fills. */
export const MESSAGE_TABLE_INITIAL_SLOTS = 64
/** Ring capacity a per-priority slot deque starts with (a power of two); it doubles as it fills. */
export const SLOT_DEQUE_INITIAL_CAPACITY = 16
/**
 * Messages removed out of order (get by id, expiry, commit of a locked message) stay in their
 * deque as tombstones until they reach its head. A queue compacts its deques once it holds more
 * tombstones than this and more tombstones than live messages, so garbage stays below 2x.
 */
export const TOMBSTONE_COMPACTION_MIN_COUNT = 1024
/**
 * Expiry sweeper: every EXPIRY_SWEEP_INTERVAL_MS it examines at most EXPIRY_SWEEP_SLOTS_PER_TICK
 * message-table slots (all queues together, resuming where it stopped), so an expired message
 * leaves a queue of depth d within about d / 4096 seconds even if no get meets it, at a bounded
 * cost per tick (~0.1 ms) and with no timer per message.
 */
export const EXPIRY_SWEEP_INTERVAL_MS = 1000
export const EXPIRY_SWEEP_SLOTS_PER_TICK = 4096
/** What the body cache charges for an entry besides the body: the record and descriptor objects. */
export const BODY_CACHE_ENTRY_OVERHEAD_BYTES = 256
/** Longest get-wait a timer can express (setTimeout's signed 32-bit delay); longer is unlimited. */
export const MAX_WAIT_MS = 0x7fff_ffff
/** Length of the queue-manager name part of generated MsgIds ('AMQ ' + name + unique part). */
export const MESSAGE_ID_NAME_BYTES = 8
/**
 * Request identity (exactly-once across reconnects): a client names itself by this many random
 * bytes, kept for the life of its connection object, and each put or get by a sequence number.
 */
export const REQUEST_CLIENT_ID_BYTES = 16
/**
 * The engine's table of recent outcomes by request identity (src/queue/outcome-table.ts): the
 * most entries kept; the oldest is forgotten first. A client resends within its reconnect time,
 * so the table must outlast a failover under load: 65,536 entries is ~3 s at 20,000 puts/s,
 * far more for any one client, at ~200 bytes an entry (~13 MiB at most).
 */
export const OUTCOME_TABLE_MAX_ENTRIES = 65_536
/**
 * Bytes of got messages (body + 256 bytes each) the outcome table keeps so that a resent get is
 * answered after the log segment of its PUT record is retired; oldest dropped first. 16 MiB is
 * 16,000 gets of 1 KiB (~1 s of a full load), the window in which a client resends. Every
 * checkpoint carries them, so this also bounds what outcomes add to a checkpoint.
 */
export const OUTCOME_TABLE_MAX_MESSAGE_BYTES = 16 * MiB

// ---- Journal ----
/** Segment size: preallocated and recycled, so fdatasync never also records file growth. */
export const DEFAULT_SEGMENT_BYTES = 64 * MiB
export const MIN_SEGMENT_BYTES = 64 * KiB
/**
 * A new log starts here, not at 0: a unit of work is named by the LSN of its first record and
 * uowId 0 means "none", so no record may sit at LSN 0.
 */
export const LOG_START_LSN = 64
/** Record header bytes (see src/actors/journal/record-header.ts). */
export const RECORD_HEADER_BYTES = 40
/** Records are padded to this alignment so headers never straddle a word. */
export const RECORD_ALIGNMENT_BYTES = 8
/** Largest PUT record payload besides the body: descriptor and queue id. */
export const MAX_RECORD_OVERHEAD_BYTES = 512
export const MAX_RECORD_BYTES = MAX_MESSAGE_BYTES + MAX_RECORD_OVERHEAD_BYTES
/** Upper bound on bytes written per group-commit batch (one write + one fdatasync). */
export const MAX_BATCH_BYTES = 8 * MiB
/**
 * Pause between 1 MiB chunks when the side-work pool zero-fills a segment ahead of need: a
 * 64 MiB segment takes about a second at this pace, well before a busy journal needs it.
 */
export const SEGMENT_PREPARATION_PAUSE_MS = 5
/**
 * Journal worker spins this long for more work before sleeping. 0: measured (tcp.bench, two
 * A/B rounds) a 50 µs spin cost the worker ~50 µs of CPU per sequential put (the next put is a
 * client round trip away, so the spin never found work) and bought nothing when pipelined (frames
 * arrive during the fdatasync). On 2 shared cores the CPU is worth more than the saved wake-up.
 */
export const JOURNAL_SPIN_MICROS = 0
/**
 * Journal worker sleeps at most this long when idle. Work and control messages wake it (no
 * polling: an idle node must cost no CPU, issue 12); this only bounds a missed wake-up.
 */
export const JOURNAL_IDLE_WAIT_MS = 5_000
/** Checkpoint after this much log since the last checkpoint... */
export const CHECKPOINT_INTERVAL_BYTES = 256 * MiB
/** ...or after this long, whichever comes first, if anything changed. */
export const CHECKPOINT_INTERVAL_MS = 30_000
/** Checkpoint files kept: the newest is used, older ones are fallbacks if it is corrupt. */
export const CHECKPOINTS_KEPT = 2
/** The queue manager considers a checkpoint and a compaction pass this often. */
export const MAINTENANCE_POLL_MS = 1_000
/**
 * Copy-forward compaction (src/compaction): when the newest checkpoint's floor lies more than this
 * many checkpoint intervals behind the log end, live messages below the target are rewritten at
 * the log end so the floor can move up...
 */
export const LOG_COMPACTION_TRIGGER_INTERVALS = 2
/** ...the target being this many checkpoint intervals behind the log end. */
export const LOG_COMPACTION_TARGET_INTERVALS = 1
/**
 * Moving is skipped when the live messages below the target fill more than this fraction of the
 * log between floor and target: the log is then mostly live data, and copying it would only move
 * the problem (the log stays within 1 / fraction of the live data instead).
 */
export const LOG_COMPACTION_MAX_LIVE_FRACTION = 0.5
/** A pass that left messages behind (locked by a unit of work) is retried after this much log. */
export const LOG_COMPACTION_RETRY_INTERVALS = 0.25
/** Bytes of messages moved per round; each round waits for its records to be durable... */
export const LOG_COMPACTION_ROUND_BYTES = 1 * MiB
/** ...then yields this long, so puts and gets between rounds keep their latency. */
export const LOG_COMPACTION_ROUND_PAUSE_MS = 2
/** Bodies of recently put persistent messages kept in memory, so a quick get skips the disk. */
export const BODY_CACHE_BYTES = 32 * MiB

// ---- Rings (SharedArrayBuffer) ----
/** Journal ring: room for several max-size records plus a batch being synced. */
export const JOURNAL_RING_BYTES = 32 * MiB
/** A frame never exceeds half the ring, so a wrap marker plus one frame always fits. */
export const MAX_FRAME_BYTES = JOURNAL_RING_BYTES / 2
/** Smallest framed ring: a few minimum frames; tests use tiny rings to force wrap-arounds. */
export const RING_MIN_CAPACITY_BYTES = 64
/**
 * Largest framed ring. Positions are free-running u32 counters compared by subtraction, which is
 * only wrap-safe while the bytes in flight (at most the capacity) stay below 2^31.
 */
export const RING_MAX_CAPACITY_BYTES = 1024 * MiB

// ---- Supervisor ----
export const RESTART_BACKOFF_INITIAL_MS = 50
export const RESTART_BACKOFF_MAX_MS = 2_000
/** More than this many restarts of one actor inside the window fails the queue manager. */
export const RESTART_BUDGET_COUNT = 5
export const RESTART_BUDGET_WINDOW_MS = 60_000
export const ACTOR_SHUTDOWN_TIMEOUT_MS = 5_000

// ---- Client protocol (src/wire/client-protocol.ts, client-frame-parser.ts) ----
/** Frame header: u32 length, u8 opcode, u8 flags, u16 reserved, u32 request id. */
export const CLIENT_FRAME_HEADER_BYTES = 12
/**
 * Largest value of a frame's length field (the bytes after that field): one max-size message
 * plus room for its descriptor. Checked on the header alone, before anything is buffered.
 */
export const MAX_CLIENT_FRAME_BYTES = MAX_MESSAGE_BYTES + 64 * KiB
/**
 * Encoded client frames are cut from slabs of this size (frame-slab.ts): a 1 KiB message's frame
 * from Node's 8 KiB pool allocated an ArrayBuffer every seventh frame.
 */
export const CLIENT_FRAME_SLAB_BYTES = 256 * KiB
/**
 * Every opcode may declare at least this many payload bytes, even if its fields can never need
 * them: an over-long string then reaches the decoder, which names the field, instead of being
 * rejected as a whole oversize frame. Larger excesses are skipped unbuffered.
 */
export const MIN_CLIENT_PAYLOAD_LIMIT_BYTES = 4 * KiB
export const MAX_CLIENT_NAME_BYTES = 128
/** HELLO's authentication blob: room for a bearer token once a mechanism exists. */
export const MAX_CREDENTIALS_BYTES = 8 * KiB
export const MAX_ERROR_MESSAGE_BYTES = 1 * KiB
/** One ADMIN request: an MQSC script of one or more commands. */
export const MAX_ADMIN_COMMAND_BYTES = 64 * KiB
export const MAX_ADMIN_LINE_BYTES = 8 * KiB
/** All lines of one ADMIN_RESULT with their 2-byte length prefixes; servers truncate beyond. */
export const MAX_ADMIN_RESULT_BYTES = 1 * MiB
/** Chunks smaller than this that arrive behind a partial frame are copied into one buffer... */
export const CLIENT_PARSER_COALESCE_BELOW_BYTES = 1 * KiB
/** ...of this size, so a peer dribbling bytes cannot make the parser hold one object per byte. */
export const CLIENT_PARSER_COALESCE_BUFFER_BYTES = 4 * KiB

// ---- Liveness (src/runtime/liveness.ts): one rule for clients, servers and replication ----
/**
 * A peer silent this many heartbeat intervals is gone: the PINGs sent after one and two
 * intervals of silence went unanswered (MQ ends a channel whose heartbeat goes unanswered;
 * nats' maxPingOut is 2).
 */
export const HEARTBEAT_DEAD_AFTER_INTERVALS = 3

// ---- Replication link (src/wire/replication-*.ts) ----
/** Frame header: magic, version, type, length, checksum, reserved (replication-protocol.ts). */
export const REPLICATION_FRAME_HEADER_BYTES = 16
/**
 * Record bytes in one APPEND: the journal's largest group-commit batch, so the sender ships a
 * batch as the journal worker published it, in one frame, and the largest record always fits.
 */
export const MAX_REPLICATION_APPEND_BYTES = MAX_BATCH_BYTES
/** Checkpoint bytes per CHECKPOINT_CHUNK: smaller than a batch, so a checkpoint being streamed
 *  holds up the link's other frames for less time. */
export const MAX_CHECKPOINT_CHUNK_BYTES = 1 * MiB
/** Epoch runs in one message's epoch history (12 bytes each on the wire). */
export const MAX_REPLICATION_HISTORY_RUNS = 4096
/**
 * Largest value of a replication frame's length field (the whole frame, header included): the
 * largest APPEND and room for its fixed fields. Checked on the header, before anything is kept.
 */
export const MAX_REPLICATION_FRAME_BYTES = MAX_REPLICATION_APPEND_BYTES + 64 * KiB
/** A node's name on the link: a host name (rdqm.ini's Name= is the host name; Linux allows 64). */
export const MAX_NODE_NAME_BYTES = 64
/** An HA group's or DR pair's name, as MQ names go. */
export const MAX_REPLICATION_GROUP_NAME_BYTES = 48
/** HELLO's authentication section: room for a challenge, a key id and an HMAC. */
export const MAX_REPLICATION_AUTH_BYTES = 1 * KiB
/** The text of a refused handshake, for the peer's log. */
export const MAX_REFUSAL_MESSAGE_BYTES = 1 * KiB

// ---- Replication runtime (src/actors/replication/) ----
/**
 * The ring the journal worker publishes final batches into for the replication worker: two of
 * the largest batch fit, so one batch being shipped never stops the next from being published.
 * When it is full the journal does not wait: the sender notices the gap and reads the files.
 */
export const REPLICATION_BATCH_RING_BYTES = 32 * MiB
/**
 * The ring a follower's replication worker writes the primary's records into for its journal
 * worker (one frame per record, so a record of MAX_FRAME_BYTES must fit, twice).
 */
export const REPLICATION_VERBATIM_RING_BYTES = 32 * MiB
/** Recent batches the sender keeps in memory to ship without reading the segment files. */
export const REPLICATION_BATCH_CACHE_BYTES = 64 * MiB
/** A dialer that lost its link retries after this, doubling up to the maximum. */
export const REPLICATION_REDIAL_INITIAL_MS = 20
export const REPLICATION_REDIAL_MAX_MS = 500
/** A link that sends no handshake answer within this is closed and redialled. */
export const REPLICATION_HANDSHAKE_TIMEOUT_MS = 2_000
/** Bytes queued on a peer socket beyond which the sender drops frames (the core resends). */
export const REPLICATION_SOCKET_MAX_BUFFERED_BYTES = 64 * MiB
/**
 * A follower answers an APPEND twice: at once (verified, not yet durable) and again once its
 * records are durable (what the commit rule counts). The first answer only matters when the
 * primary waits for it to send more: a probe, or the next part of a long catch-up, whose
 * transfer should overlap this part's fdatasync. A live batch shorter than this is answered
 * only when durable: one frame, and one wake-up of the primary's replication worker, less per
 * batch per follower (a probe waits one fdatasync longer for its answer).
 */
export const REPLICATION_EARLY_ANSWER_MIN_BYTES = 1 * MiB
/**
 * A primary keeps the log its slowest member still needs, but never more than this behind its
 * log end: a dead member cannot fill the disk, and past it that member catches up through a
 * checkpoint (the core's retentionMaxBytes; a member's config may set it lower for tests).
 */
export const REPLICATION_RETAIN_MAX_BYTES = 1024 * MiB
/**
 * A checkpoint being streamed to a peer is not sent again (the core asks on every heartbeat
 * while the peer has not answered) before this long, plus its size at the slowest rate below:
 * re-sending a large one from the start every 25 ms would never let it finish, and a peer
 * that restarted meanwhile (or installed it and reopened) should not wait long for it.
 */
export const REPLICATION_CHECKPOINT_RESEND_MS = 1_000
/** Checkpoint bytes a link is assumed to carry per ms at least (16 MB/s) for that wait. */
export const REPLICATION_CHECKPOINT_RESEND_BYTES_PER_MS = 16 * KiB

// ---- Server (src/server/): one TCP listener, one session per client connection ----
/** MQ's default HBINT for server-connection channels (300 s), offered when none is configured. */
export const SERVER_HEARTBEAT_DEFAULT_MS = 300_000
/** A connection that has not sent HELLO by then is closed, so idle sockets cannot pile up. */
export const SERVER_HANDSHAKE_TIMEOUT_MS = 10_000
/** Connections beyond this are refused by the listener (Node's server.maxConnections). */
export const SERVER_MAX_CONNECTIONS = 10_000
/**
 * Connections the kernel may hold accepted but not yet taken by Node (listen backlog; Linux
 * caps it at net.core.somaxconn). Node's 511 makes a burst of thousands wait on SYN retries.
 */
export const SERVER_LISTEN_BACKLOG = 4096
/** MQ's MAXHANDS default: open handles per connection before 2017 HANDLE_NOT_AVAILABLE. */
export const SERVER_MAX_HANDLES_PER_CONNECTION = 256
/**
 * Requests of one connection being served at once (waiting gets included). At the limit the
 * server stops reading that socket. With replies of at most MAX_CLIENT_FRAME_BYTES this also
 * bounds what one connection's replies can hold in memory.
 */
export const SERVER_MAX_REQUESTS_IN_FLIGHT = 512
/**
 * Frames one connection may dispatch per event-loop turn: replies of the last batch are then
 * counted before more is read, and one busy client cannot hold the loop from the others.
 */
export const SERVER_FRAMES_PER_TURN = 64
/** Reply bytes queued for a client (not yet taken by the kernel) above which reading stops. */
export const SERVER_OUTPUT_HIGH_WATER_BYTES = 512 * KiB
/** A turn's replies up to this many bytes are copied into one write (outbox.ts). */
export const SERVER_OUTBOX_COALESCE_BYTES = 256 * KiB
/**
 * Byte credit of one connection: the reply bytes it may hold, queued (not yet taken by the
 * kernel) plus reserved by GETs that took a message, each at its reply's real size. A GET takes
 * a message only if its reply fits (server/reply-credit.ts); otherwise the message stays queued
 * and the GET waits for replies to drain. So 512 GETs of 4 MiB messages cannot hold 2 GiB, and
 * small messages pipeline up to the request window.
 */
export const SERVER_MAX_REPLY_BYTES_OUTSTANDING = 64 * MiB
/** How long a closing connection may take to finish its requests and flush before destroy. */
export const SERVER_CLOSE_GRACE_MS = 5_000

// ---- Client library (src/client/) ----
/** Port of a connection name given without one, as MQ's host-only CONNAME. */
export const CLIENT_DEFAULT_PORT = 1414
/** Addresses in one connection-name list: MQ's CONNAME is 264 characters, so a few dozen. */
export const CLIENT_MAX_CONNECTION_NAMES = 64
/** Heartbeat a client offers by default; the connection uses the larger of both offers. */
export const CLIENT_DEFAULT_HEARTBEAT_MS = 10_000
/** TCP connect plus HELLO exchange, per address of a connection-name list. */
export const CLIENT_DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** close() waits this long for requests in flight, then for GOODBYE, before it just drops. */
export const CLIENT_CLOSE_TIMEOUT_MS = 5_000
/** Requests awaiting a reply on one connection; beyond it a call fails 2102 at once. */
export const CLIENT_MAX_IN_FLIGHT_REQUESTS = 1 << 20
/**
 * Requests the client has on the wire at once; more wait in the client. Kept below the server's
 * window, with room for CANCELs: a server at its window stops reading the socket, and would then
 * not read the client's PINGs either.
 */
export const CLIENT_SEND_WINDOW = 496
/** Reconnect delays double from the first to the cap, each jittered down by up to half. */
export const CLIENT_RECONNECT_DELAY_INITIAL_MS = 50
export const CLIENT_RECONNECT_DELAY_MAX_MS = 4_000
/** MQ's MQReconnectTimeout default: keep trying for 30 minutes, then MQRC_RECONNECT_FAILED. */
export const CLIENT_DEFAULT_RECONNECT_TIMEOUT_MS = 1_800_000

// ---- Daemon and commands (src/daemon/, src/cli/) ----
/** MQ's well-known listener port: crtmqm without -p takes the first free port from here... */
export const DEFAULT_LISTENER_PORT = 1414
/** ...trying this many ports before it gives up and asks for -p. */
export const LISTENER_PORT_SEARCH_COUNT = 1000
/** Loopback only until clients authenticate; crtmqm --listener-host opens it up deliberately. */
export const DEFAULT_LISTENER_HOST = '127.0.0.1'
/** crtmqm -lf: journal segment size in MQ's 4 KiB log file pages (MQ's LogFilePages). */
export const LOG_FILE_PAGE_BYTES = 4 * KiB
/** MQ caps LogFilePages at 65535 on Unix: 256 MiB segments. */
export const MAX_LOG_FILE_PAGES = 65_535
/**
 * Smallest -lf: a segment must hold two records of the largest message, as the default one
 * does (a record never spans segments), so MAXMSGL up to 4 MiB works whatever -lf says.
 */
export const MIN_LOG_FILE_PAGES = Math.ceil((2 * MAX_RECORD_BYTES) / LOG_FILE_PAGE_BYTES)
/**
 * One control-socket request or response line (JSON). Large enough for an MQSC script far above
 * what people type, small enough that a stuck client cannot make the daemon buffer without end.
 */
export const CONTROL_MAX_LINE_BYTES = 8 * MiB
/**
 * MQSC one runmqsc sends: JSON may escape a byte as six (\u0000), so six times this plus the
 * request around it must fit a control line.
 */
export const RUNMQSC_MAX_SCRIPT_BYTES = 1 * MiB
/** A response line a command accepts from its daemon: a DISPLAY of many queues can be large. */
export const CONTROL_MAX_RESPONSE_BYTES = 256 * MiB
/** Linux sun_path holds 108 bytes including the terminating NUL. */
export const UNIX_SOCKET_PATH_MAX_BYTES = 107
/** A command that starts qmqd waits this long for its control socket to answer. */
export const DAEMON_START_TIMEOUT_MS = 15_000
/** Poll period while waiting for the daemon to answer or for a process to exit. */
export const DAEMON_POLL_INTERVAL_MS = 50
/** qmqd stop waits this long for the daemon to end its queue managers and exit. */
export const DAEMON_STOP_TIMEOUT_MS = 120_000
/**
 * The daemon checks this often that its pid file is still its own (a deleted QMQ_HOME stops it,
 * so no daemon outlives its node directory) and that no journal has failed.
 */
export const DAEMON_HOUSEKEEPING_INTERVAL_MS = 2_000
/**
 * A background qmqd's log (logs/qmqd.<n>.log, pino-roll): a file is rolled at this size and
 * this many rolled files are kept besides the active one, so logs/ stays under 60 MiB whatever
 * runs for however long.
 */
export const DAEMON_LOG_FILE_MIB = 10
export const DAEMON_LOG_FILES_KEPT = 5

// HA groups (src/ha/): three qmqd nodes described by QMQ_HOME/rdqm.ini.
/** Every HA group has exactly three nodes, as RDQM's. */
export const HA_GROUP_NODE_COUNT = 3
/** Default port of the node channel (daemon-to-daemon commands) on each node's HA_Replication
 *  address; rdqm.ini's `QuorumMQ:` stanza may set NodePort=. */
export const HA_NODE_PORT = 7_400
/** Replication ports of HA queue managers are allocated from here upward, as RDQM's DRBD ports
 *  are from 7000; rdqm.ini may set ReplicationFirstPort=. */
export const HA_REPLICATION_FIRST_PORT = 7_000
export const HA_REPLICATION_PORT_COUNT = 400
/** A node-channel frame (JSON) at most; a longer one closes the connection. */
export const HA_NODE_MAX_FRAME_BYTES = 1 * MiB
/** A node-channel request that has no answer in this long fails (the peer counts as offline). */
export const HA_NODE_REQUEST_TIMEOUT_MS = 10_000
/** rdqmstatus asks its peers with this shorter timeout: a frozen node shows as unavailable. */
export const HA_STATUS_REQUEST_TIMEOUT_MS = 2_000
/** A node-channel connection must finish its handshake (hello, proof) this long after it is
 *  accepted, or it is closed: a peer that connects and says nothing holds no socket for long. */
export const HA_NODE_HANDSHAKE_TIMEOUT_MS = 5_000
/** A refused node-channel handshake is answered (and its slot freed) only after this: with the
 *  caps below, one address fails at most HA_NODE_PRE_AUTH_PER_ADDRESS_MAX handshakes a second. */
export const HA_NODE_REFUSAL_DELAY_MS = 1_000
/** Node-channel connections still in their handshake, in all and from one address; more are
 *  closed at once (peers open one connection per request, a few at a time). */
export const HA_NODE_PRE_AUTH_CONNECTIONS_MAX = 32
export const HA_NODE_PRE_AUTH_PER_ADDRESS_MAX = 8
/** Heartbeat defaults (ms), fast for one machine: the core's heartbeat every keepalive, a silent
 *  primary replaced after about deadtime (Heartbeat/Pacemaker names). */
export const HA_KEEPALIVE_MS = 25
export const HA_WARNTIME_MS = 100
export const HA_DEADTIME_MS = 200
export const HA_INITDEAD_MS = 5_000
/** A serving primary whose preferred location is another node that has caught up hands it the
 *  leadership; a transfer that did not happen is tried again after this long. */
export const HA_FAILBACK_RETRY_MS = 5_000
/** How long strmqm waits for the group to elect a primary before it answers anyway. */
export const HA_START_WAIT_MS = 20_000
/** A peer lagging the primary's log end by at most this counts as in sync (status snapshots of
 *  different nodes are not taken at one instant, so a busy group always lags a little). */
export const HA_IN_SYNC_SLACK_BYTES = 4 * MiB
/** Lifecycle hooks (QMQ_HOME/hooks/, lifecycle-hooks.ts): a hook still running after this long
 *  is killed and counted failed, so a hung script cannot hold up the next role change. */
export const HA_HOOK_TIMEOUT_MS = 10_000
/** A hook's output kept for the log (bytes of stdout and of stderr each). */
export const HA_HOOK_OUTPUT_MAX_BYTES = 4_096
/** Samples of each member's durable LSN kept for the synchronization progress and its ETA (one
 *  per housekeeping, so about 16 s). */
export const HA_SYNC_SAMPLES = 8
/** The daemon looks at its members' heartbeats this often at most (WarnTime / 2 otherwise). */
export const HA_HEARTBEAT_WATCH_MIN_MS = 25
/** rdqmadm -k: random bytes of a new group secret (QMQ_HOME/rdqm.secret, base64 text). */
export const HA_GROUP_SECRET_RANDOM_BYTES = 32
/**
 * endmqm -c and -w: applications get this long to disconnect after the quiesce; then the end
 * continues as -i (MQ escalates a controlled end the same way when asked to).
 */
export const CONTROLLED_END_WAIT_MS = 30_000
/** amqsget waits this long for a message before "no more messages" (MQ's sample: 15 s). */
export const SAMPLE_GET_WAIT_MS = 15_000
/** amqsphac puts one message this often (MQ's sample: every second). */
export const HA_SAMPLE_PUT_INTERVAL_MS = 1_000
/** amqsblst -R waits this long per get (MQ's amqsblst: 100 s). */
export const BLAST_GET_WAIT_MS = 100_000
export const BLAST_DEFAULT_COUNT = 1000
export const BLAST_DEFAULT_MESSAGE_BYTES = 1024
/** amqsblst -s random draws sizes from 1 to this (MQ's amqsblst: 256 KiB). */
export const BLAST_RANDOM_MAX_MESSAGE_BYTES = 256 * KiB
/** Blast> progress line every this many messages, or the verbose interval with -v. */
export const BLAST_PROGRESS_INTERVAL_COUNT = 10_000
export const BLAST_VERBOSE_PROGRESS_INTERVAL_COUNT = 100
/** amqsblst --inflight: requests outstanding at once; within the server's per-connection cap. */
export const BLAST_MAX_INFLIGHT = 128

// ---- Operations: metrics and the web console (src/ops/, src/console/) ----

/** Prometheus endpoint port when metrics are enabled without one (qmqd run --metrics). */
export const DEFAULT_METRICS_PORT = 9464
/** Web console port when enabled without one (qmqd run --console). */
export const DEFAULT_CONSOLE_PORT = 9465
/** Until the security issue lands, both listen on loopback only. */
export const OPS_LISTEN_HOST = '127.0.0.1'
/** How often the console's status history samples the node (role and status timeline). */
export const OPS_STATUS_SAMPLE_INTERVAL_MS = 1_000
/** Role and status changes the timeline keeps (oldest dropped first). */
export const OPS_TIMELINE_MAX_EVENTS = 200
/** Upper bounds of the journal batch-size histogram, in records per batch. */
export const JOURNAL_BATCH_RECORDS_BUCKETS: readonly number[] = [
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096,
]
/** Upper bounds of the fdatasync latency histogram, in microseconds. */
export const JOURNAL_SYNC_MICROS_BUCKETS: readonly number[] = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
]
/** Characters of a command-line progress bar, and how often it is redrawn at most. */
export const PROGRESS_BAR_WIDTH = 30
export const PROGRESS_REDRAW_INTERVAL_MS = 100
/** Largest body a console action request may carry (JSON: a mode at most). */
export const CONSOLE_MAX_REQUEST_BYTES = 4 * 1024

// ---- Load-time checks: constants that must agree with each other ----
const isPowerOfTwo = (value: number): boolean => value > 0 && (value & (value - 1)) === 0
assert(isPowerOfTwo(JOURNAL_RING_BYTES), 'ring size must be a power of two')
assert(isPowerOfTwo(REPLICATION_BATCH_RING_BYTES), 'batch ring size must be a power of two')
assert(MAX_BATCH_BYTES <= REPLICATION_BATCH_RING_BYTES / 4, 'two batches fit the batch ring')
assert(MAX_FRAME_BYTES <= JOURNAL_RING_BYTES / 2, 'a frame must fit twice in the ring')
assert(isPowerOfTwo(REPLICATION_VERBATIM_RING_BYTES), 'verbatim ring size must be a power of two')
assert(MAX_FRAME_BYTES <= REPLICATION_VERBATIM_RING_BYTES / 2, 'a record fits the verbatim ring')
assert(isPowerOfTwo(RING_MIN_CAPACITY_BYTES), 'ring minimum must be a power of two')
assert(isPowerOfTwo(RING_MAX_CAPACITY_BYTES), 'ring maximum must be a power of two')
assert(RING_MAX_CAPACITY_BYTES <= 2 ** 30, 'ring positions must stay wrap-safe as u32')
assert(JOURNAL_RING_BYTES >= RING_MIN_CAPACITY_BYTES, 'journal ring at least the ring minimum')
assert(JOURNAL_RING_BYTES <= RING_MAX_CAPACITY_BYTES, 'journal ring at most the ring maximum')
assert(MAX_RECORD_BYTES + 64 <= MAX_FRAME_BYTES, 'a record must fit in one ring frame')
assert(MAX_RECORD_BYTES <= MAX_BATCH_BYTES, 'a record must fit in one batch')
assert(MIN_SEGMENT_BYTES % RECORD_ALIGNMENT_BYTES === 0, 'segments are record-aligned')
assert(DEFAULT_SEGMENT_BYTES >= 2 * MAX_RECORD_BYTES, 'a segment holds at least two records')
assert(DEFAULT_MAX_MESSAGE_BYTES <= MAX_MESSAGE_BYTES, 'default MAXMSGL within the ceiling')
assert(RECORD_HEADER_BYTES % RECORD_ALIGNMENT_BYTES === 0, 'header keeps payload aligned')
assert(LOG_START_LSN > 0 && LOG_START_LSN % RECORD_ALIGNMENT_BYTES === 0, 'log start aligned')
assert(isPowerOfTwo(SLOT_DEQUE_INITIAL_CAPACITY), 'slot deques are power-of-two rings')
assert(MESSAGE_TABLE_INITIAL_SLOTS > 0, 'a message table has at least one slot')
assert(4 + MESSAGE_ID_NAME_BYTES + 12 === MESSAGE_ID_BYTES, 'generated MsgId layout is 24 bytes')
// Client protocol: u16-prefixed fields must fit their prefix; the largest payload fits a frame.
assert(MAX_CLIENT_FRAME_BYTES <= 0xffff_ffff, 'a client frame length fits its u32 field')
assert(MAX_CLIENT_NAME_BYTES <= 0xffff, 'client name fits a u16 length')
assert(MAX_CREDENTIALS_BYTES <= 0xffff, 'credentials fit a u16 length')
assert(MAX_ERROR_MESSAGE_BYTES <= 0xffff, 'error message fits a u16 length')
assert(MAX_ADMIN_LINE_BYTES <= 0xffff, 'admin line fits a u16 length')
assert(MAX_ADMIN_RESULT_BYTES < MAX_CLIENT_FRAME_BYTES, 'admin result fits one client frame')
assert(MAX_ADMIN_COMMAND_BYTES < MAX_CLIENT_FRAME_BYTES, 'admin command fits one client frame')
assert(MIN_CLIENT_PAYLOAD_LIMIT_BYTES < MAX_CLIENT_FRAME_BYTES, 'slack below the frame cap')
assert(
  CLIENT_PARSER_COALESCE_BELOW_BYTES <= CLIENT_PARSER_COALESCE_BUFFER_BYTES,
  'a coalesced chunk fits an empty coalescing buffer',
)
// Replication link: every message fits a frame; a frame fits its u32 length field.
assert(MAX_REPLICATION_FRAME_BYTES <= 0xffff_ffff, 'a replication frame length fits a u32')
assert(MAX_RECORD_BYTES <= MAX_REPLICATION_APPEND_BYTES, 'the largest record fits one APPEND')
assert(MAX_CHECKPOINT_CHUNK_BYTES <= MAX_REPLICATION_APPEND_BYTES, 'a chunk is no bigger')
assert(MAX_REPLICATION_HISTORY_RUNS <= 0xffff, 'history run count fits a u16')
assert(MAX_NODE_NAME_BYTES <= 0xffff, 'node name fits a u16 length')
assert(MAX_REPLICATION_AUTH_BYTES <= 0xffff, 'authentication section fits a u16 length')
// Server: a turn's batch fits the in-flight window; heartbeats need a ping and a missed reply.
assert(SERVER_FRAMES_PER_TURN <= SERVER_MAX_REQUESTS_IN_FLIGHT, 'a turn fits the window')
assert(HEARTBEAT_DEAD_AFTER_INTERVALS >= 2, 'a peer gets a PING before it is declared dead')
assert(SERVER_MAX_HANDLES_PER_CONNECTION <= 0xffff_ffff, 'handle ids fit a u32')
assert(
  CLIENT_RECONNECT_DELAY_INITIAL_MS <= CLIENT_RECONNECT_DELAY_MAX_MS,
  'the first reconnect delay is within the cap',
)
// Daemon and commands.
assert(DEFAULT_LISTENER_PORT + LISTENER_PORT_SEARCH_COUNT <= 65_536, 'port search within range')
assert(MAX_LOG_FILE_PAGES * LOG_FILE_PAGE_BYTES >= DEFAULT_SEGMENT_BYTES, '-lf reaches default')
assert(MIN_LOG_FILE_PAGES * LOG_FILE_PAGE_BYTES >= MIN_SEGMENT_BYTES, '-lf minimum is a segment')
assert(MIN_LOG_FILE_PAGES <= MAX_LOG_FILE_PAGES, '-lf has a valid range')
assert(6 * RUNMQSC_MAX_SCRIPT_BYTES + 4 * KiB <= CONTROL_MAX_LINE_BYTES, 'MQSC fits a line')
assert(BLAST_MAX_INFLIGHT <= SERVER_MAX_REQUESTS_IN_FLIGHT, 'blast pipelining within server cap')
assert(BLAST_RANDOM_MAX_MESSAGE_BYTES <= MAX_MESSAGE_BYTES, 'random blast sizes fit a message')
assert(
  CLIENT_SEND_WINDOW + 16 <= SERVER_MAX_REQUESTS_IN_FLIGHT,
  'client window inside the server window',
)
assert(SERVER_MAX_REPLY_BYTES_OUTSTANDING >= 2 * MAX_CLIENT_FRAME_BYTES, 'credit holds two GETs')
assert(HA_KEEPALIVE_MS * 2 < HA_DEADTIME_MS, 'two heartbeats fit in the dead time')
assert(HA_WARNTIME_MS <= HA_DEADTIME_MS, 'a warning comes before a node is declared dead')
assert(
  HA_NODE_REFUSAL_DELAY_MS < HA_STATUS_REQUEST_TIMEOUT_MS,
  'a refused node hears why before its request times out',
)
// Operations.
assert(DEFAULT_METRICS_PORT + 0 !== DEFAULT_CONSOLE_PORT + 0, 'metrics and console differ')
assert(OPS_TIMELINE_MAX_EVENTS > 0, 'the timeline keeps events')

// ---- Security (src/security/): passwords, guessing limits, pre-authentication bounds ----
/** scrypt cost (N = 2^14, r 8, p 1: ~16 MiB and ~30-60 ms per check here; OWASP's floor). */
export const PASSWORD_SCRYPT_COST = 16_384
export const PASSWORD_SCRYPT_BLOCK_SIZE = 8
export const PASSWORD_SCRYPT_PARALLELISM = 1
export const PASSWORD_SALT_BYTES = 16
export const PASSWORD_HASH_BYTES = 32
/** A user name: MQ's 12-character user ids are too short for mail-style names; 64 is plenty. */
export const MAX_USER_NAME_BYTES = 64
export const MAX_PASSWORD_BYTES = 1024
/** Every refused authentication waits this long before its answer, so guessing is slow. */
export const AUTH_FAILURE_DELAY_MS = 1_000
/** Failures per address within the window after which that address is refused outright. */
export const AUTH_FAILURES_PER_ADDRESS_MAX = 10
export const AUTH_FAILURE_WINDOW_MS = 60_000
/** Addresses whose failures are remembered; the oldest are forgotten beyond this. */
export const AUTH_TRACKED_ADDRESSES_MAX = 10_000
/**
 * Bytes one connection may send before its HELLO is answered: a HELLO is at most ~8.5 KiB
 * (credentials 8 KiB), so anything beyond this before authentication is refused at once
 * rather than buffered up to a whole 4 MiB frame.
 */
export const SERVER_PRE_AUTH_MAX_BYTES = 16 * KiB
/** Connections not yet past HELLO, over all clients and per address (a flood is cut here). */
export const SERVER_PRE_AUTH_CONNECTIONS_MAX = 256
export const SERVER_PRE_AUTH_CONNECTIONS_PER_ADDRESS_MAX = 64
/** TLS handshakes that take longer than this are dropped (slow or malformed TLS). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 5_000
/** Replication link authentication: nonce size of the HMAC-SHA256 challenge (DRBD uses 64). */
export const LINK_CHALLENGE_BYTES = 32
export const LINK_PROOF_BYTES = 32
/** A group secret shorter than this is refused at start: it would be guessable offline. */
export const LINK_SECRET_MIN_BYTES = 16

assert(SERVER_PRE_AUTH_MAX_BYTES >= MAX_CREDENTIALS_BYTES + 1024, 'a HELLO fits the pre-auth cap')
assert(LINK_CHALLENGE_BYTES + LINK_PROOF_BYTES <= MAX_REPLICATION_AUTH_BYTES, 'auth fits HELLO_OK')

// ---- DR pairs (src/dr/) ----

/**
 * DR synchronous: a primary whose secondary has not answered for this long carries on alone
 * (Remote unavailable, out-of-sync data counted) and returns to synchronous by itself once the
 * secondary has caught up; it bounds what a client waits. IBM i's RMTJRNTIMO in spirit (its
 * default is a minute; a put waiting that long is a stall, so QuorumMQ's is one second).
 * crtmqm --dr-sync-timeout-ms overrides it per queue manager.
 */
export const DR_SYNC_TIMEOUT_MS = 1_000
/**
 * DR synchronous: a primary carrying on alone returns to synchronous once its secondary is within
 * this many bytes of its durable end (what a loopback link sends in well under a millisecond;
 * the puts of that moment wait for it). An exact match may never happen under a steady load.
 */
export const DR_SYNC_REJOIN_SLACK_BYTES = 256 * KiB
/** A DR primary's checkpoint refused (its secondary lacks the records) is tried again after. */
export const DR_CHECKPOINT_RETRY_MS = 1_000
/** A DR secondary that trails the primary by more than this shows Synchronization in progress. */
export const DR_IN_SYNC_SLACK_BYTES = 1 * MiB
/** rdqmstatus --wait polls the status this often. */
export const DR_WAIT_POLL_MS = 250
/** rdqmdr -p / strmqm: how long a start waits for the member to serve. */
export const DR_START_TIMEOUT_MS = 30_000
