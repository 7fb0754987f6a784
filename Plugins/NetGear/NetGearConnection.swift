import Foundation
import Logging
import MediaRouter
import Synchronization
import ZeroMQ

/// A NetGear node's connection: its socket (made by `NetGearSocketFactory`, so a new one keeps
/// every option), the monitor watching it (`PeerWatcher`), the wake pipe, and the bookkeeping
/// around them (reconnections, refusal retries, sessions to cut after a revoked key, host-name
/// checks). `netgear.send` and `netgear.receive` each own one.
///
/// It is used only by the node's own thread. Other threads reach it through `stopHandle` (the
/// runtime), the ZAP authenticator (a revoked key) and the monitor reader (a connection event):
/// each only sets a flag and writes the wake pipe, which `wait` polls beside the socket and the
/// node's input. Nothing here wakes on a timer: `wait` sleeps until one of those, or until the
/// next deadline the protocol sets (a refusal retry, the caller's reply or idle timeout).
final class NetGearConnection {
    let config: NetGearConfig
    let factory: NetGearSocketFactory
    private let logger: Logger
    private let counters: NodeCounters
    private let signals = Signals()
    private(set) var socket: ZMQSocket?
    private var watcher: PeerWatcher?
    /// Survives reconnections, so that the wait between retries after refusals keeps growing.
    private var refusals: RefusalRetry?
    /// The ZAP domain of a CURVE server socket, unregistered when the socket closes.
    private var domain: String?
    private var boundEndpoints: [String] = []

    /// What other threads touch: thread-safe by construction.
    private final class Signals: Sendable {
        let wake = WakePipe()
        let stopRequested = Atomic<Bool>(false)
        /// Set by the ZAP authenticator's thread when a key this node admitted was revoked.
        let cutRequested = Atomic<Bool>(false)
        /// Looks up the host names a connecting node uses, on a thread of its own.
        let resolution = Mutex<HostResolutionWatch?>(nil)

        func stop() {
            stopRequested.store(true, ordering: .releasing)
            resolution.withLock { $0?.stop() }
            wake.signal()
        }
    }

    init(config: NetGearConfig, context: NodeContext) {
        self.config = config
        self.logger = context.logger
        self.counters = context.counters
        self.factory = NetGearSocketFactory(config: config, nodeName: context.name, logger: context.logger, counters: context.counters)
    }

    deinit {
        if let domain { NetGearSecurity.shared.unregister(domain: domain) }
    }

    /// Stops the node from any thread: sets a flag and wakes `wait`.
    var stopHandle: StopHandle {
        let signals = signals
        return StopHandle { signals.stop() }
    }

    var isStopRequested: Bool { signals.stopRequested.load(ordering: .acquiring) }

    /// True while this connecting socket's connections are refused by the server: what is sent
    /// now cannot arrive.
    var isRefused: Bool { watcher?.isRefused == true }

    /// Opens the first socket, logs where it went, and starts checking the host names of a
    /// connecting node.
    func open() throws {
        refusals = factory.makeRefusalRetry()
        factory.logOpened(try openSocket())
        if !config.binds {
            let (endpoints, logger, counters) = (config.endpoints, logger, counters)
            signals.resolution.withLock { $0 = HostResolutionWatch.start(endpoints: endpoints, logger: logger, counters: counters) }
        }
    }

    @discardableResult
    private func openSocket() throws -> NetGearSocketFactory.Opened {
        // A binding node is the CURVE server (a receiver by default, as in vidgear): its clients
        // must lose their sessions when their key is revoked.
        let signals = signals
        let admitted = AdmittedClients()
        let owner = NetGearSecurity.Owner(logger: logger, counters: counters, onRevoked: { _ in
            signals.cutRequested.store(true, ordering: .releasing)
            signals.wake.signal()
        }, onAdmitted: { admitted.add($0) })
        let opened = try factory.open(securityOwner: owner)
        socket = opened.socket
        domain = opened.securityDomain
        boundEndpoints = opened.boundEndpoints
        watcher = factory.watcher(for: opened, refusals: refusals, admitted: admitted, wake: signals.wake)
        return opened
    }

    private func closeSocket(linger: Int) {
        watcher?.close()
        watcher = nil
        socket?.close(linger: linger)
        socket = nil
        if let domain { NetGearSecurity.shared.unregister(domain: domain) }
        domain = nil
    }

    /// Closes the socket for good (`linger` ms to send what is queued) and stops the host-name
    /// checks.
    func close(linger: Int) {
        signals.resolution.withLock { $0?.stop() }
        closeSocket(linger: linger)
    }

    /// Replaces the socket by a new one with the same options.
    func reopen(reason: String, quietly: Bool = false) throws {
        if quietly { logger.debug("\(reason): reconnecting") } else { logger.warning("\(reason): reconnecting") }
        counters.add("reconnects")
        closeSocket(linger: 0)
        try openSocket()
    }

    /// Handles what happened since the last look: sessions to cut after a revoked key, the
    /// socket's connection events, a refused PAIR due for a new socket. Called for every frame,
    /// it reads the events at most every 20 ms unless `force` (after a wakeup or a deadline).
    func service(force: Bool = false) throws {
        if signals.cutRequested.exchange(false, ordering: .acquiring), config.binds, let socket {
            boundEndpoints = NetGearSocketFactory.cutSessions(of: socket, boundEndpoints: boundEndpoints, logger: logger, counters: counters)
            watcher?.sessionsCut()
        }
        watcher?.drain(force: force)
        if watcher?.wantsNewSocket == true {
            // A refused PAIR tries again with a new socket (see PeerWatcher).
            try reopen(reason: "retrying after a refusal", quietly: true)
        }
    }

    /// Reads the socket's pending connection events (counters, logs) and nothing more.
    func readEvents() {
        watcher?.drain(force: true)
    }

    struct Ready {
        /// The socket is readable (it may have been replaced meanwhile: compare with `socket`).
        var socket = false
        /// The caller's descriptor is readable.
        var descriptor = false
    }

    /// Sleeps until the socket is readable (when `forSocket`), `descriptor` is readable (the
    /// node's input, armed by the caller), the node is asked to stop or its connection changes,
    /// or `deadline` (monotonic nanoseconds) or a refusal retry is due; then `service`s the
    /// connection. One blocking call, with no timeout when no deadline is set.
    func wait(forSocket: Bool = false, descriptor: Int32 = -1, until deadline: Int64? = nil) throws -> Ready {
        var items = [ZMQPollItem(fileDescriptor: signals.wake.readFD)]
        let socketIndex = forSocket ? socket.map { items.append(ZMQPollItem($0)); return items.count - 1 } : nil
        let descriptorIndex = descriptor >= 0 ? { items.append(ZMQPollItem(fileDescriptor: descriptor)); return items.count - 1 }() : nil
        let due = [deadline, watcher?.nextDeadline].compactMap { $0 }.min()
        let timeout = due.map { Int(max(0, ($0 - Clock.monotonicNanoseconds() + 999_999) / 1_000_000)) } ?? -1
        let ready = try zmqPoll(items, timeout: timeout)
        let woke = ready[0].contains(.pollIn)
        if woke { signals.wake.drain() }
        let timedOut = due.map { Clock.monotonicNanoseconds() >= $0 } ?? false
        try service(force: woke || timedOut)
        return Ready(socket: socketIndex.map { ready[$0].contains(.pollIn) } ?? false,
                     descriptor: descriptorIndex.map { ready[$0].contains(.pollIn) } ?? false)
    }
}
