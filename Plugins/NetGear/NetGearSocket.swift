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
        case (.receiver, 1): return .rep
        case (.receiver, 2): return .sub
        default: return .pair
        }
    }

    struct Opened {
        var socket: ZMQSocket
        var boundEndpoints: [String]
        var securityDomain: String?
        var securityDescription: String?
    }

    func open() throws -> Opened {
        let socket = try ZMQSocket(context: .shared, type: socketType)
        do {
            try socket.setOption(.linger, config.side == .sender ? 1000 : 0)
            try socket.setOption(.sendHighWaterMark, config.hwm)
            try socket.setOption(.receiveHighWaterMark, config.hwm)
            // Heartbeats find a dead peer (a pulled cable, a killed host) in seconds instead of
            // the minutes TCP takes, so links that come back resume quickly. vidgear peers
            // answer them: libzmq replies to PINGs by itself.
            try socket.setOption(.heartbeatInterval, 500)
            try socket.setOption(.heartbeatTimeout, 2000)
            try socket.setOption(.heartbeatTTL, 2000)
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
            if config.secureMode > 0 {
                let setup = try NetGearKeys.configure(socket, config: config, nodeName: nodeName, logger: logger)
                domain = setup.domain
                description = setup.description
            }
            var bound: [String] = []
            for endpoint in config.endpoints {
                if config.binds {
                    do {
                        bound.append(try socket.bind(endpoint))
                    } catch let e as ZMQError where e.code == .addressInUse {
                        throw RouterError(.startFailed, "cannot bind \(endpoint): the address is in use (another receiver or sender already binds it?)")
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
            return Opened(socket: socket, boundEndpoints: bound, securityDomain: domain, securityDescription: description)
        } catch {
            socket.close(linger: 0)
            throw error
        }
    }
}

/// Watches a socket's connection events to keep a peer count and to explain failed handshakes.
final class PeerWatcher {
    let monitor: ZMQMonitor?
    let socket: ZMQSocket
    var peers = 0
    var lastHandshakeWarning: Int64 = 0
    let logger: Logger
    let counters: NodeCounters

    /// A binding CURVE server logs refusals through its ZAP handler already, by key fingerprint.
    let explainFailures: Bool

    init(socket: ZMQSocket, logger: Logger, counters: NodeCounters, explainFailures: Bool) {
        self.explainFailures = explainFailures
        self.socket = socket
        self.logger = logger
        self.counters = counters
        monitor = try? socket.startMonitor(events: [.accepted, .connected, .disconnected, .handshakeSucceeded,
                                                    .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail])
    }

    /// Reads pending events without waiting.
    func drain() {
        guard let monitor else { return }
        while let event = try? monitor.next(timeout: 0) {
            switch event.kind {
            case .handshakeSucceeded:
                peers += 1
                counters.set("peers", peers)
                counters.add("handshakes")
                logger.debug("peer connected (\(event.address))")
            case .disconnected:
                if peers > 0 { peers -= 1 }
                counters.set("peers", peers)
                counters.add("disconnects")
                logger.debug("peer disconnected (\(event.address))")
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                counters.add("handshake_failures")
                let now = Clock.monotonicNanoseconds()
                if explainFailures && now - lastHandshakeWarning > 5_000_000_000 {
                    lastHandshakeWarning = now
                    logger.warning("handshake with \(event.address) failed (\(event.kind)): this node's key is not allowed there, the server key is wrong, or the security modes differ")
                }
            default:
                break
            }
        }
    }

    /// Stops the socket publishing events before closing the reader: libzmq publishes with a
    /// blocking send, so a reader closed first would hang an I/O thread on the next event
    /// (closing the socket itself emits some), stalling every socket of the context.
    func close() {
        guard let monitor else { return }
        try? socket.stopMonitor()
        monitor.close()
    }
}
