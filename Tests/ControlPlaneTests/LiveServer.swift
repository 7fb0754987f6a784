import AsyncHTTPClient
@testable import ControlPlane
import BuiltInPlugins
import Foundation
import Logging
import MediaRouter
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import ZeroMQ

/// Log lines, to check that tokens never reach a log.
final class LogLines: Sendable {
    private let lines = Locked<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.value }
}

struct CapturingLogHandler: LogHandler {
    let store: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    // swift-log's current entry point.
    func log(event: LogEvent) {
        store.append("\(event.level): \(event.message)")
    }
}

/// A real graph (GraphService) and a real control plane on a loopback port, in one
/// ServiceGroup, as `media-router run` runs them.
/// An HTTP client that does not follow redirects (the dashboard's 303 is checked itself).
let testClient: HTTPClient = {
    var c = HTTPClient.Configuration()
    c.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
}()

final class LiveServer: Sendable {
    let service: GraphService
    let control: ControlPlane
    let port: Int
    let folder: String
    let graphFile: String
    let admin: String
    let read: String
    let logs: LogLines
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(_ yaml: String, name: String = "live", idleTimeout: TimeAmount = ControlPlane.idleTimeout) async throws -> LiveServer {
        let folder = TestPaths.temporaryDirectory("control")
        let file = folder + "/\(name).yaml"
        try (yaml + "\ncontrol:\n  listen: 127.0.0.1:0\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = GraphLoader(registry: .builtIn).load(path: file)
        guard let graph = result.graph else { throw RouterError(.invalidGraph, "\(result.diagnostics.items)") }
        let logs = LogLines()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(store: logs) }
        let service = GraphService(graph: graph, registry: .builtIn, logger: logger, drainTimeout: 2)
        let control = try ControlPlane(graph: service, settings: graph.control!, logger: logger, idleTimeout: idleTimeout)
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: control, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger))
        let task = Task { try await group.run() }
        guard let port = await control.listeningPort(), await service.waitUntilRunning() else {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw RouterError(.startFailed, "the control plane or the graph did not start: \(logs.all)")
        }
        let tokens = try ControlTokens(path: graph.control!.tokensFile)
        return LiveServer(service: service, control: control, port: port, folder: folder, graphFile: file,
                          admin: tokens.firstToken(.admin)!, read: tokens.firstToken(.read)!, logs: logs, group: group, task: task)
    }

    private init(service: GraphService, control: ControlPlane, port: Int, folder: String, graphFile: String, admin: String, read: String,
                 logs: LogLines, group: ServiceGroup, task: Task<Void, any Error>) {
        self.service = service
        self.control = control
        self.port = port
        self.folder = folder
        self.graphFile = graphFile
        self.admin = admin
        self.read = read
        self.logs = logs
        self.group = group
        self.task = task
    }

    /// Stops the group; true when it stopped.
    @discardableResult
    func stop() async -> Bool {
        await group.triggerGracefulShutdown()
        return (try? await task.value) != nil
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
    }

    /// One request; `token` nil sends none.
    func request(_ path: String, method: HTTPMethod = .GET, token: String?, body: Data? = nil,
                 headers: [(String, String)] = []) async throws -> Reply {
        var r = HTTPClientRequest(url: url(path))
        r.method = method
        if let token { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (k, v) in headers { r.headers.add(name: k, value: v) }
        if let body { r.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await testClient.execute(r, timeout: .seconds(Int64(eventCeiling)))
        let data = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: data))
    }

    func get(_ path: String, token: String? = nil) async throws -> Reply { try await request(path, token: token ?? read) }
}

/// An IronHouse server's key folder with allowed clients, each with its own client folder (the
/// bundle `keys add-client` writes), for graphs with secure NetGear nodes.
struct IronHouseKeys {
    let server: String
    let store: VidgearKeyStore
    private(set) var pairs: [String: CurveKeyPair] = [:]
    private(set) var bundles: [String: String] = [:]

    init(_ label: String, clients: [String]) throws {
        server = TestPaths.temporaryDirectory("\(label)-server")
        store = try VidgearKeyStore(customCertLocation: server)
        _ = try store.ensureKeys()
        for name in clients {
            let pair = try CurveKeyPair.generate()
            let bundle = TestPaths.temporaryDirectory("\(label)-\(name)")
            _ = try store.exportClientBundle(name: name, keyPair: pair, to: bundle)
            try store.addClient(name: name, publicKey: pair.publicKey)
            pairs[name] = pair
            bundles[name] = bundle
        }
    }

    func fingerprint(_ name: String) -> String { pairs[name]!.publicKey.fingerprint }
}
