import Foundation
import Synchronization
import Logging
import MediaRouter
import ZeroMQ

/// Creates a NetGear socket with every option it needs. Used for the first socket and for
/// every reconnect, so a reconnected socket keeps its CURVE keys, REQ options and limits
/// (vidgear's Lazy-Pirate reconnect loses them all).
struct NetGearSocketFactory: Sendable {
    let config: NetGearConfig
    let nodeName: String
    let logger: Logger
    let counters: NodeCounters

    var socketType: ZMQSocketType {
        switch (config.side, config.pattern) {
        case (.sender, 1): return .req
        case (.sender, 2): return .pub
        // A ROUTER that keeps REP's rules itself (see NetGearReceiveNode.splitEnvelope): libzmq's
        // REP, reading a request without an envelope from a peer already gone (a raw TCP client
        // sending random bytes, taken for a ZMTP 1.0 peer), keeps its reply routing in the middle
        // of a message and drops the reply to the next, real request (libzmq 4.3.4 and 4.3.5,
        // router_t::rollback): a vidgear sender then times out. REQ peers cannot tell the two apart.
        case (.receiver, 1): return .router
        case (.receiver, 2): return .sub
        default: return .pair
        }
    }

    /// See `open()`: no heartbeats from a sender's PAIR connecting to a CURVE server.
    var usesHeartbeats: Bool {
        !(config.side == .sender && socketType == .pair && !config.binds && config.secureMode > 0)
    }

    /// The refusal back-off of a secure connecting node (nil for the others); it survives
    /// reconnections so that the wait between retries keeps growing.
    func makeRefusalRetry() -> RefusalRetry? {
        guard !config.binds && config.secureMode > 0 else { return nil }
        return RefusalRetry(endpoints: config.endpoints, clientFingerprint: nil, logger: logger, counters: counters)
    }

    /// Watches a freshly opened socket's connection events; each event signals `wake`.
    func watcher(for opened: Opened, refusals: RefusalRetry?, admitted: AdmittedClients, wake: WakePipe) -> PeerWatcher {
        refusals?.clientFingerprint = opened.clientFingerprint
        return PeerWatcher(opened: opened, type: socketType, logger: logger, counters: counters,
                           explainFailures: !config.binds, secureMode: config.secureMode, refusals: refusals,
                           traffic: config.side == .sender ? .sent : .received, binds: config.binds,
                           admitted: admitted, wake: wake)
    }

    /// Logs where a node's first socket went and with which security.
    func logOpened(_ opened: Opened) {
        let verb = config.binds ? "bound" : "connecting to"
        let where_ = config.binds ? opened.boundEndpoints : config.endpoints
        logger.info("\(verb) \(where_.joined(separator: ", ")) (pattern \(config.pattern)\(opened.securityDescription.map { ", \($0)" } ?? ", no security"))")
    }

    struct Opened {
        var socket: ZMQSocket
        /// Started before the socket binds or connects, so that no handshake goes unseen.
        var monitor: ZMQMonitor?
        var boundEndpoints: [String]
        /// The ZAP domain registered with `NetGearSecurity` (a CURVE server); unregister it
        /// when the socket closes.
        var securityDomain: String?
        var securityDescription: String?
        /// This node's own CURVE client key, when it is a CURVE client.
        var clientFingerprint: String?
        /// The server's key, when this node is a CURVE client.
        var serverFingerprint: String?
    }

    /// `monitorStopped` tells the reader (see `MonitorReader`) that no event follows: libzmq
    /// sends it only when asked.
    static let monitoredEvents: ZMQSocketEventSet = [.accepted, .connected, .disconnected, .handshakeSucceeded,
                                                     .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail,
                                                     .monitorStopped]

    /// Creates, configures and binds or connects a socket. A CURVE server's ZAP policy is in
    /// place, and the monitor listening, before the first peer can arrive: a client refused for
    /// want of a policy would never try again, and a handshake made before the monitor started
    /// would go uncounted.
    func open(securityOwner: NetGearSecurity.Owner) throws -> Opened {
        let socket = try ZMQSocket(context: .shared, type: socketType)
        var registeredDomain: String?
        var monitor: ZMQMonitor?
        do {
            try socket.setOption(.linger, config.side == .sender ? 1000 : 0)
            try socket.setOption(.sendHighWaterMark, config.hwm)
            try socket.setOption(.receiveHighWaterMark, config.hwm)
            // Heartbeats find a dead peer (a pulled cable, a killed host) in seconds instead of
            // the minutes TCP takes, so links that come back resume quickly. vidgear peers
            // answer them: libzmq replies to PINGs by itself.
            //
            // Except one: a PING that reaches a CURVE server PAIR behind a ZAP handler before
            // the first message makes libzmq queue the ZAP user id alone, which zmq_poll reports
            // as readable although no message is; vidgear's PAIR receiver then calls
            // recv(DONTWAIT), gets EAGAIN and its receive thread dies (seen with vidgear 0.3.6,
            // libzmq 4.3.5). A connecting PAIR sender does without them; its replies show a
            // dead receiver anyway.
            //
            // The connecting side gives up first (2 s) and the binding side later (4 s; the TTL
            // tells the peer how long to wait): the connector is the one that reconnects, and
            // if the binder dropped first while the connector kept its dead half, recovery after
            // a ~2 s outage took up to 2.6 s (measured in network namespaces); now at most 1.2 s.
            if usesHeartbeats {
                try socket.setOption(.heartbeatInterval, 500)
                try socket.setOption(.heartbeatTimeout, config.binds ? 4000 : 2000)
                try socket.setOption(.heartbeatTTL, config.binds ? 2000 : 4000)
            }
            try socket.setOption(.reconnectInterval, 100)
            try socket.setOption(.reconnectIntervalMax, 1000)
            try socket.setOption(.connectTimeout, 1000)
            if config.side == .receiver {
                try socket.setOption(.maxMessageSize, config.maxFrameBytes)
            }
            if socketType == .req {
                try socket.setOption(.reqRelaxed, true)
                try socket.setOption(.reqCorrelate, true)
            }
            if socketType == .sub { try socket.subscribe("") }
            var domain: String?
            var description: String?
            var fingerprint: String?
            var serverFingerprint: String?
            if config.secureMode > 0 {
                let setup = try NetGearKeys.configure(socket, config: config, nodeName: nodeName, logger: logger)
                domain = setup.domain
                description = setup.description
                fingerprint = setup.clientFingerprint
                serverFingerprint = setup.serverFingerprint
            } else if config.binds {
                // Peers that are not ZMTP 3 (random bytes look like ZMTP 1.0) are refused before
                // they reach the socket; see ZAPPolicy.allowPlaintext.
                try socket.setOption(.zapDomain, ZAPPolicy.plaintextDomain)
            }
            if let domain {
                try NetGearSecurity.shared.register(domain: domain, policy: try NetGearKeys.policy(for: config, nodeName: nodeName),
                                                    owner: securityOwner)
                registeredDomain = domain
            }
            monitor = try? socket.startMonitor(events: Self.monitoredEvents)
            var bound: [String] = []
            for endpoint in config.endpoints {
                if config.binds {
                    do {
                        bound.append(try socket.bind(endpoint))
                    } catch let e as ZMQError where e.code == .addressInUse {
                        throw RouterError(.startFailed, "cannot bind \(endpoint): the address is in use (another receiver or sender already binds it?)")
                    } catch let e as ZMQError where e.errno == ENODEV && endpoint.hasPrefix("tcp://") {
                        // libzmq takes a bind address that is no IP for a network interface's name.
                        throw RouterError(.startFailed, "cannot bind \(endpoint): \(Self.bindHost(endpoint).map { "'\($0)' is" } ?? "the address is") not an IP address or network interface of this machine; bind * (every address) or one of its IPs")
                    } catch let e as ZMQError {
                        throw RouterError(.startFailed, "cannot bind \(endpoint): \(e.reason)\(endpoint.contains("://localhost") ? "; bind an IP such as 127.0.0.1 or *" : "")")
                    }
                } else {
                    do {
                        try socket.connect(endpoint)
                    } catch let e as ZMQError {
                        throw RouterError(.startFailed, "cannot connect to \(endpoint): \(e.reason)")
                    }
                }
            }
            return Opened(socket: socket, monitor: monitor, boundEndpoints: bound, securityDomain: domain,
                          securityDescription: description, clientFingerprint: fingerprint, serverFingerprint: serverFingerprint)
        } catch {
            if let monitor {
                try? socket.stopMonitor()
                monitor.close()
            }
            socket.close(linger: 0)
            if let registeredDomain { NetGearSecurity.shared.unregister(domain: registeredDomain) }
            throw error
        }
    }
}

extension NetGearSocketFactory {
    /// The host of a tcp://HOST:PORT endpoint.
    static func bindHost(_ endpoint: String) -> String? {
        let rest = endpoint.dropFirst("tcp://".count)
        return rest.lastIndex(of: ":").map { String(rest[..<$0]) }
    }

    /// Drops every session of a binding socket so that revoked clients must handshake again
    /// (and fail); returns the endpoints bound now. libzmq cannot close one peer, so all peers
    /// reconnect; the pause is short. Call it on the socket's own thread.
    static func cutSessions(of socket: ZMQSocket, boundEndpoints: [String], logger: Logger, counters: NodeCounters) -> [String] {
        // Unbinding needs the endpoint as libzmq resolved it (tcp://0.0.0.0:5454 for *:5454);
        // rebinding it keeps the same port, and retries while the kernel still holds it.
        var rebound: [String] = []
        for endpoint in boundEndpoints {
            do {
                rebound.append(try socket.rebind(endpoint))
            } catch {
                logger.error("could not rebind \(endpoint) after cutting revoked sessions: \(error)")
            }
        }
        counters.add("session_cuts")
        return rebound
    }
}

/// Reconnection after ZAP refusals, for a connecting node; it outlives the node's sockets.
///
/// libzmq treats a refusal by the server's ZAP handler as final: the client never tries again
/// by itself. A connecting node therefore reconnects a refused endpoint itself after 1 s,
/// doubling the wait up to 30 s while the refusals go on, so that a key allowed later
/// (`media-router keys add-client`) gets in without a restart, while a revoked one keeps being
/// refused at a slow rate, logged at most every few seconds.
final class RefusalRetry {
    let endpoints: [String]
    var clientFingerprint: String?
    let logger: Logger
    let counters: NodeCounters

    static let firstDelay = 1.0
    static let maxDelay = 30.0

    private struct Retry {
        /// When to reconnect; nil while waiting for the outcome of a reconnection.
        var due: Int64?
        var delay: Double
    }
    private var retries: [String: Retry] = [:]
    private var refusalLog = LogThrottle()

    init(endpoints: [String], clientFingerprint: String?, logger: Logger, counters: NodeCounters) {
        self.endpoints = endpoints
        self.clientFingerprint = clientFingerprint
        self.logger = logger
        self.counters = counters
    }

    /// Whether some endpoint was refused and has not accepted this node since.
    var hasRefusals: Bool { !retries.isEmpty }

    /// When the next refused endpoint is due for another try (monotonic nanoseconds).
    var nextDue: Int64? { retries.values.compactMap(\.due).min() }

    /// The configured endpoint an event names: libzmq reports the resolved address
    /// (tcp://127.0.0.1:5555 for tcp://localhost:5555), so the port decides when the text differs.
    func endpoint(for address: String) -> String? {
        if endpoints.contains(address) { return address }
        if endpoints.count == 1 { return endpoints[0] }
        guard let port = address.split(separator: ":").last else { return nil }
        return endpoints.first { $0.split(separator: ":").last == port }
    }

    func refused(at address: String) {
        counters.add("auth_refused")
        let targets = endpoint(for: address).map { [$0] } ?? endpoints
        let now = Clock.monotonicNanoseconds()
        var delay = Self.firstDelay
        for endpoint in targets {
            delay = retries[endpoint].map { min($0.delay * 2, Self.maxDelay) } ?? Self.firstDelay
            retries[endpoint] = Retry(due: now + Int64(delay * 1e9), delay: delay)
        }
        if let unlogged = refusalLog.admit(now: now) {
            let also = unlogged > 0 ? " (refused \(unlogged) more times since the last message)" : ""
            logger.warning("\(targets.joined(separator: ", ")) refused this node's key\(clientFingerprint.map { " \($0)" } ?? ""): the server does not allow it (IronHouse: run 'media-router keys add-client' on the server, or copy the key into its public_keys); retrying in \(Int(delay)) s\(also)")
        }
    }

    func accepted(at address: String) {
        guard let endpoint = endpoint(for: address), retries.removeValue(forKey: endpoint) != nil else { return }
        logger.info("\(endpoint) accepts this node's key now")
    }

    /// The refused endpoints whose wait is over; each is then marked as being retried.
    func takeDue() -> [String] {
        let now = Clock.monotonicNanoseconds()
        var due: [String] = []
        for (endpoint, retry) in retries {
            if let t = retry.due, t <= now {
                due.append(endpoint)
                retries[endpoint]?.due = nil
            }
        }
        if !due.isEmpty { counters.add("auth_retries", due.count) }
        return due
    }
}

/// Watches a socket's connection events to keep a peer count, to explain failed handshakes, and
/// to reconnect after a ZAP refusal (see `RefusalRetry`).
final class PeerWatcher {
    let reader: MonitorReader?
    let socket: ZMQSocket
    var peers = 0
    let logger: Logger
    let counters: NodeCounters

    /// A binding CURVE server logs refusals through its ZAP handler already, by key fingerprint;
    /// its other failed handshakes are explained by the peer's address (`explainRefusedPeer`).
    let explainFailures: Bool
    let secureMode: Int
    /// Set for a connecting socket.
    let refusals: RefusalRetry?
    /// A PAIR keeps its first pipe until libzmq has finished closing it, and drops a pipe
    /// connected meanwhile: a refused PAIR must be replaced by a new socket, not reconnected.
    let reconnectsBySocket: Bool
    /// Set when a PAIR's refused endpoint is due for another try: the owner replaces the socket.
    private(set) var wantsNewSocket = false
    private var handshakeWarnings = LogThrottle()
    /// One throttle per cause, so that one kind of bad peer cannot hide another.
    private var refusedPeerWarnings: [String: LogThrottle] = [:]
    /// Failures whose peer was gone before its address could be read (see `MonitorReader`), by
    /// cause: logged only when no failure of the same cause names its peer within a second, as
    /// a peer that keeps retrying soon does.
    private var unnamedFailures: [String: (count: Int, since: Int64, text: String)] = [:]
    /// A binding socket's failed handshake, waiting for its `disconnected` event, which follows
    /// it at once and names the connection (and so the peer).
    private var unexplainedFailure: ZMQSocketEvent?

    // The peer table (`counters.peers`, shown by the control plane).
    let traffic: PeerTable.Traffic
    let binds: Bool
    let admitted: AdmittedClients
    let serverFingerprint: String?
    /// A binding socket's accepted connections that have not finished their handshake, oldest
    /// first: (descriptor, peer address). libzmq's handshake event names neither, and
    /// handshakes finish in the order they started in all but rare races.
    private var handshaking: [(fd: UInt32, address: String?)] = []
    /// Peers in the table, by descriptor (binding) or endpoint (connecting).
    private var joinedByConnection: [String: String] = [:]

    /// `wake` is signalled whenever an event arrives, so that the owner's thread, asleep in
    /// `NetGearConnection.wait`, reads it at once.
    init(opened: NetGearSocketFactory.Opened, type: ZMQSocketType, logger: Logger, counters: NodeCounters, explainFailures: Bool,
         secureMode: Int = 0, refusals: RefusalRetry? = nil, traffic: PeerTable.Traffic, binds: Bool,
         admitted: AdmittedClients, wake: WakePipe) {
        self.explainFailures = explainFailures
        self.traffic = traffic
        self.binds = binds
        self.admitted = admitted
        self.serverFingerprint = opened.serverFingerprint
        self.secureMode = secureMode
        self.socket = opened.socket
        let ports = Set(opened.boundEndpoints.compactMap { $0.split(separator: ":").last.flatMap { Int($0) } })
        self.reader = opened.monitor.map { MonitorReader(monitor: $0, localPorts: ports, onEvent: { wake.signal() }) }
        self.logger = logger
        self.counters = counters
        self.refusals = refusals
        reconnectsBySocket = type == .pair
    }

    /// True while this connecting socket's connections are refused by the server: what is sent
    /// now cannot arrive.
    var isRefused: Bool { (refusals?.hasRefusals ?? false) && peers == 0 }

    private var lastDrain: Int64 = 0

    /// When `drain(force: true)` has work to do without a new event: a refused endpoint due for
    /// another try, or unnamed handshake failures to log (monotonic nanoseconds; nil: none).
    var nextDeadline: Int64? {
        guard reader != nil else { return nil }
        let retry = wantsNewSocket ? nil : refusals?.nextDue
        let unnamed = unnamedFailures.values.map { $0.since + 1_000_000_000 }.min()
        return [retry, unnamed].compactMap { $0 }.min()
    }

    /// Reads pending events without waiting, and reconnects refused endpoints that are due.
    /// Called for every frame, it looks at most every 20 ms: each look is a system call, and
    /// connection events are rare.
    func drain(force: Bool = false) {
        guard let reader else { return }
        let now = Clock.monotonicNanoseconds()
        if !force && now - lastDrain < 20_000_000 { return }
        lastDrain = now
        defer { logUnnamedFailures(now: now) }
        for peerEvent in reader.take() {
            let event = peerEvent.event
            switch event.kind {
            case .handshakeSucceeded:
                peers += 1
                counters.set("peers", peers)
                counters.add("handshakes")
                refusals?.accepted(at: event.address)
                logger.debug("peer connected (\(event.address))")
                peerJoined(event)
            case .accepted:
                if handshaking.count >= PeerTable.maxPeers { handshaking.removeFirst(handshaking.count / 2) }
                handshaking.append((event.value, peerEvent.peer))
            case .disconnected:
                peerLeft(event)
                if let failure = unexplainedFailure {
                    // The end of a connection that never became a peer.
                    unexplainedFailure = nil
                    explainRefusedPeer(failure, peer: peerEvent.peer)
                } else if peers > 0 {
                    peers -= 1
                }
                counters.set("peers", peers)
                counters.add("disconnects")
                logger.debug("peer disconnected (\(peerEvent.peer ?? event.address))")
            case .handshakeFailedAuth where refusals != nil:
                counters.add("handshake_failures")
                refusals?.refused(at: event.address)
            case .handshakeFailedProtocol where !explainFailures, .handshakeFailedNoDetail where !explainFailures:
                counters.add("handshake_failures")
                if let earlier = unexplainedFailure { explainRefusedPeer(earlier, peer: nil) }
                unexplainedFailure = event
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                counters.add("handshake_failures")
                if explainFailures && handshakeWarnings.admit() != nil {
                    logger.warning("handshake with \(event.address) failed (\(event.kind)): this node's key is not allowed there, the server key is wrong, or the security modes differ")
                }
            default:
                break
            }
        }
        guard let refusals, !wantsNewSocket else { return }
        let due = refusals.takeDue()
        if due.isEmpty { return }
        if reconnectsBySocket {
            wantsNewSocket = true
            return
        }
        for endpoint in due {
            // The refused connection is finished; a new one handshakes again, against the
            // server's allow-list as it is now.
            try? socket.disconnect(endpoint)
            do {
                try socket.connect(endpoint)
            } catch {
                logger.error("could not reconnect to \(endpoint): \(error)")
            }
        }
    }

    /// Stops the socket publishing events before closing the reader: libzmq publishes with a
    /// blocking send, so a reader closed first would hang an I/O thread on the next event
    /// (closing the socket itself emits some), stalling every socket of the context.
    func close() {
        leaveAll()
        guard let reader else { return }
        try? socket.stopMonitor()
        reader.finish()
    }

    /// Every session of this binding socket was cut (`NetGearSocketFactory.cutSessions`):
    /// libzmq reports no `disconnected` for a session ended by an unbind, so every peer leaves
    /// here; those allowed still come back with new handshakes.
    func sessionsCut() {
        leaveAll()
        handshaking.removeAll()
        peers = 0
        counters.set("peers", 0)
    }

    private func leaveAll() {
        for id in joinedByConnection.values { counters.peers.leave(id: id, counters: counters) }
        joinedByConnection.removeAll()
    }

    /// Adds the peer whose handshake just succeeded to the node's peer table: for a binding
    /// socket, the oldest accepted connection still handshaking, named by the client key its
    /// ZAP handler admitted from the same IP; for a connecting socket, the server at the
    /// event's endpoint, with the server key this node expects.
    private func peerJoined(_ event: ZMQSocketEvent) {
        let connection: String, peer: PeerSnapshot
        if binds {
            guard !handshaking.isEmpty else { return }
            let (fd, address) = handshaking.removeFirst()
            connection = "fd \(fd)"
            let client = admitted.take(from: address.flatMap(Self.host(of:)))
            peer = PeerSnapshot(id: address ?? connection, fingerprint: client?.fingerprint, name: client?.clientName, address: address)
        } else {
            connection = event.address
            peer = PeerSnapshot(id: event.address, fingerprint: serverFingerprint, address: event.address)
        }
        if let earlier = joinedByConnection[connection] { counters.peers.leave(id: earlier, counters: counters) }
        if joinedByConnection.count >= PeerTable.maxPeers { return }
        joinedByConnection[connection] = peer.id
        counters.peers.join(peer, traffic: traffic, counters: counters)
    }

    private func peerLeft(_ event: ZMQSocketEvent) {
        let connection = binds ? "fd \(event.value)" : event.address
        if binds { handshaking.removeAll { $0.fd == event.value } }
        guard let id = joinedByConnection.removeValue(forKey: connection) else { return }
        counters.peers.leave(id: id, counters: counters)
    }

    /// "127.0.0.1" from "tcp://127.0.0.1:5454", "::1" from "tcp://[::1]:5454": the form of a
    /// ZAP request's address.
    static func host(of address: String) -> String? {
        guard let start = address.range(of: "://")?.upperBound, let colon = address.lastIndex(of: ":"), colon > start else { return nil }
        var host = address[start..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return String(host)
    }

    /// Logs a peer that failed the handshake with this binding socket before its ZAP handler
    /// was asked (which logs refused keys itself): by the peer's address, with the likely cause.
    private func explainRefusedPeer(_ failure: ZMQSocketEvent, peer: String?) {
        let cause: (key: String, text: String)
        switch failure.protocolError {
        case .mechanismMismatch?:
            cause = secureMode > 0
                ? ("no-curve", "the peer does not use CURVE (give it secure_mode \(secureMode) and a client key of this server)")
                : ("curve", "the peer uses CURVE (secure_mode 1 or 2) but this node has secure_mode 0")
        case .cryptographic?:
            cause = ("server-key", "the peer has a different server key (its public_keys/server.key is not this server's; copy this server's, e.g. with 'media-router keys add-client')")
        case .zap?:
            cause = ("zap", "the authenticator's answer was invalid (protocol error 0x\(String(failure.value, radix: 16)))")
        case .zmtp?, .other?:
            cause = ("zmtp", "the peer broke the ZeroMQ handshake (protocol error 0x\(String(failure.value, radix: 16))): not a ZeroMQ or NetGear peer?")
        case nil:
            // Both ends see the mechanisms at once; when the peer notices the mismatch first it
            // hangs up, and all this end sees is the connection closing mid-handshake.
            let errno = Int32(bitPattern: failure.value)
            let likely = secureMode > 0
                ? "it probably does not use CURVE (give it secure_mode \(secureMode) and a client key of this server), or it is not a NetGear peer"
                : "it probably uses CURVE (secure_mode 1 or 2) while this node has secure_mode 0, or it is not a NetGear peer"
            cause = errno == EPIPE || errno == ECONNRESET
                ? ("closed", "the peer closed the connection during the handshake: \(likely)")
                : ("incomplete", "the peer did not finish the handshake (\(String(cString: strerror(errno)))): \(likely)")
        }
        guard let peer else {
            let now = Clock.monotonicNanoseconds()
            let earlier = unnamedFailures[cause.key]
            unnamedFailures[cause.key] = ((earlier?.count ?? 0) + 1, earlier?.since ?? now, cause.text)
            return
        }
        guard let held = refusedPeerWarnings[cause.key, default: LogThrottle()].admit() else { return }
        let more = held + (unnamedFailures.removeValue(forKey: cause.key)?.count ?? 0)
        let also = more > 0 ? " (and \(more) more times since the last message)" : ""
        logger.warning("handshake with \(peer) failed: \(cause.text)\(also)")
    }

    private func logUnnamedFailures(now: Int64) {
        for (key, failures) in unnamedFailures where now - failures.since >= 1_000_000_000 {
            unnamedFailures[key] = nil
            guard let held = refusedPeerWarnings[key, default: LogThrottle()].admit() else { continue }
            let times = failures.count + held
            logger.warning("handshake with a peer failed\(times > 1 ? " \(times) times" : ""): \(failures.text) (the peer left before its address could be read)")
        }
    }
}

/// The clients a CURVE server socket's ZAP handler admitted whose handshakes libzmq has not yet
/// reported, oldest first. The authenticator's thread adds, the node's thread takes.
final class AdmittedClients: Sendable {
    struct Client: Sendable {
        var address: String
        var fingerprint: String?
        var clientName: String?
    }

    private let clients = Mutex<[Client]>([])
    /// Admitted handshakes that never finish (a client gone at once) must not pile up.
    static let limit = 256

    func add(_ d: ZAPDecision) {
        clients.withLock { list in
            if list.count >= Self.limit { list.removeFirst(list.count / 2) }
            list.append(Client(address: d.address, fingerprint: d.fingerprint, clientName: d.clientName))
        }
    }

    /// The oldest client admitted from `host` (any, when the host is unknown).
    func take(from host: String?) -> Client? {
        clients.withLock { list in
            guard let i = list.firstIndex(where: { host == nil || $0.address == host }) else { return nil }
            return list.remove(at: i)
        }
    }
}
