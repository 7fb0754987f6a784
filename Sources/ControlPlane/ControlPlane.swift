import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import MediaRouter
import NIOCore
import ServiceLifecycle

/// The control plane: an HTTP(S) server with the JSON API, Prometheus metrics, the dashboard
/// and live previews of a running graph. A swift-service-lifecycle `Service`, run in the same
/// `ServiceGroup` as the graph; graceful shutdown ends every stream and stops the server.
public final class ControlPlane: Service, Sendable {
    /// Request bodies (a graph file) are at most this large: a graph file's own limit.
    public static let maxBodySize = GraphLoader.maxFileSize
    /// Connections served at once; more wait in the listen backlog.
    public static let maxConnections = 512
    /// A connection with no request for this long is closed (slow or idle clients).
    public static let idleTimeout: TimeAmount = .seconds(30)
    /// This server's idle timeout (`idleTimeout` unless a test asks for less).
    let idleTimeout: TimeAmount

    let graph: any ControlledGraph
    public let settings: ControlSettings
    let logger: Logger
    let tokens: ControlTokens
    let metrics = MetricsExporter()
    let sampler = RateSampler()
    let previews: PreviewHub
    let refusals = RefusalCounter()
    let streams = StreamRegistry()
    let svgCache = Locked<(at: ContinuousClock.Instant, svg: String)?>(nil)
    private let port = Locked<(value: Int?, waiters: [CheckedContinuation<Int?, Never>])>((nil, []))

    /// Reads (or on first start creates) the tokens file, so that problems with it show
    /// before the graph starts. Logs the dashboard address with the read token when it made
    /// the file.
    public init(graph: any ControlledGraph, settings: ControlSettings, logger: Logger,
                idleTimeout: TimeAmount = ControlPlane.idleTimeout) throws(RouterError) {
        self.graph = graph
        self.idleTimeout = idleTimeout
        self.settings = settings
        self.logger = logger
        tokens = try ControlTokens(path: settings.tokensFile)
        previews = PreviewHub(logger: logger) { [graph] node in try graph.tap(node) }
        if let c = settings.tlsCertificate, let k = settings.tlsKey {
            do { _ = try Self.tlsConfiguration(certificate: c, key: k) } catch {
                throw RouterError(.badInput, "control plane TLS: \(error)", permanent: true)
            }
        }
    }

    var scheme: String { settings.usesTLS ? "https" : "http" }

    /// The address a browser opens, without a token.
    public func dashboardAddress(port: Int) -> String {
        let host = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
    }

    /// The port the server listens on, once it does (nil when it stopped before listening).
    public func listeningPort() async -> Int? {
        await withCheckedContinuation { c in
            let now = port.withLock { p -> Int?? in
                if let v = p.value { return .some(v) }
                p.waiters.append(c)
                return .none
            }
            if let now { c.resume(returning: now) }
        }
    }

    private func listening(_ value: Int?) {
        let waiters = port.withLock { p -> [CheckedContinuation<Int?, Never>] in
            if p.value == nil { p.value = value }
            defer { p.waiters.removeAll() }
            return p.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                                                        privateKey: .privateKey(privateKey))
    }

    public func run() async throws {
        if !settings.isLoopback && !settings.usesTLS {
            logger.warning("control plane listens on \(settings.address) without TLS: tokens and video cross the network in clear text; set control.tls_cert and control.tls_key, or listen on 127.0.0.1")
        }
        if tokens.isReadableByOthers {
            logger.warning("control tokens file \(tokens.path) is readable by other users; chmod 600 it")
        }
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ErrorMiddleware(logger: logger))
        router.add(middleware: AuthMiddleware(tokens: tokens, logger: logger, refusals: refusals))
        addRoutes(to: router)

        var http = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionWatch()], idleTimeout: idleTimeout)
        http.httpDecoder = .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
        let server: HTTPServerBuilder
        if let c = settings.tlsCertificate, let k = settings.tlsKey {
            server = try .tls(.http1(configuration: http), tlsConfiguration: Self.tlsConfiguration(certificate: c, key: k))
        } else {
            server = .http1(configuration: http)
        }
        var configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "media-router")
        configuration.availableConnectionsDelegate = MaximumAvailableConnections(Self.maxConnections)
        let created = tokens.created
        let app = Application(router: router, server: server, configuration: configuration,
                              onServerRunning: { [self] channel in
                                  let p = channel.localAddress?.port ?? settings.port
                                  listening(p)
                                  let address = dashboardAddress(port: p)
                                  if created, let read = tokens.firstToken(.read) {
                                      // Once, when the tokens were made (as Jupyter does): the
                                      // way in for the person who started the router.
                                      logger.notice("control plane dashboard: \(address)?token=\(read)  (tokens are in \(tokens.path))")
                                  } else {
                                      logger.notice("control plane listening on \(address) (tokens in \(tokens.path))")
                                  }
                              },
                              logger: logger)
        defer { listening(nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            group.addTask { [self] in
                // One snapshot a second: frame rates and sparklines.
                while !Task.isCancelled {
                    sampler.sample(graph.snapshot())
                    do { try await Task.sleep(for: .seconds(1)) } catch { return }
                }
            }
            try await withGracefulShutdownHandler {
                _ = try await group.next()
            } onGracefulShutdown: { [self] in
                endStreams()
            }
            endStreams()
            group.cancelAll()
        }
    }

    /// Ends every preview and events stream, so that the server can stop.
    func endStreams() {
        previews.finishAll()
        sampler.finish()
        streams.finishAll()
    }

    /// Viewers of previews and events streams now, for `/metrics`.
    var controlFigures: [(name: String, reason: String?, value: Double)] {
        let r = refusals.all
        return [("mediarouter_control_preview_viewers", nil, Double(previews.viewers)),
                ("mediarouter_control_preview_encoded_frames_total", nil, Double(previews.encodes)),
                ("mediarouter_control_streams", nil, Double(streams.count)),
                ("mediarouter_control_auth_refusals_total", "unauthorized", Double(r[.unauthorized] ?? 0)),
                ("mediarouter_control_auth_refusals_total", "forbidden", Double(r[.forbidden] ?? 0))]
    }
}

/// Open streaming responses, so that a shutdown can end them all.
final class StreamRegistry: Sendable {
    private let state = Locked<(next: Int, ends: [Int: @Sendable () -> Void], closed: Bool)>((0, [:], false))

    /// Registers `end`; returns nil (and calls `end`) when the server is already stopping.
    func add(_ end: @escaping @Sendable () -> Void) -> Int? {
        let id = state.withLock { s -> Int? in
            if s.closed { return nil }
            s.next += 1
            s.ends[s.next] = end
            return s.next
        }
        if id == nil { end() }
        return id
    }

    func remove(_ id: Int?) {
        guard let id else { return }
        _ = state.withLock { $0.ends.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.ends.count } }

    func finishAll() {
        let ends = state.withLock { s -> [@Sendable () -> Void] in
            s.closed = true
            defer { s.ends.removeAll() }
            return Array(s.ends.values)
        }
        for e in ends { e() }
    }
}
