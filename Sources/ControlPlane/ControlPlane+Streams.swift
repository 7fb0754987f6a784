import Foundation
import HTTPTypes
import Hummingbird
import MediaRouter
import NIOCore

extension ControlPlane {
    /// Frames per second of a preview when the address gives none.
    static let defaultPreviewFPS = 5.0
    static let maxPreviewFPS = 60.0
    /// How long `snapshot.jpg` waits for a frame.
    static let snapshotTimeout: Duration = .seconds(10)
    static let boundary = "mediarouterframe"

    func previewParameters(_ request: Request) throws -> (fps: Double, width: Int?) {
        let fps = try Self.number(request, "fps", in: 0.1...Self.maxPreviewFPS, default: Self.defaultPreviewFPS)!
        let width = try Self.number(request, "width", in: 16...8192, default: nil as Int?)
        return (fps, width)
    }

    /// The node, when it has an output to show: a sink has none (409, naming its inputs).
    func previewable(_ name: String) throws {
        let n = try node(name)
        if n.role == "sink" {
            let inputs = n.inputs.isEmpty ? "" : "; preview its input\(n.inputs.count == 1 ? "" : "s") " + n.inputs.map { "'\($0)'" }.joined(separator: ", ")
            throw APIError(.conflict, "node '\(name)' is a sink (\(n.kind)): it has no output to preview\(inputs)")
        }
    }

    func watch(_ node: String, fps: Double, width: Int?) throws -> AsyncStream<PreviewHub.Image> {
        do { return try previews.watch(node: node, fps: fps, width: width) } catch {
            throw APIError(.notFound, "\(error)")
        }
    }

    func snapshotJPEG(_ request: Request, node: String) async throws -> Response {
        try previewable(node)
        let p = try previewParameters(request)
        let stream = try watch(node, fps: Self.maxPreviewFPS, width: p.width)
        let image = await withTaskGroup(of: PreviewHub.Image?.self) { group in
            group.addTask { await stream.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: Self.snapshotTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let image else {
            throw APIError(.serviceUnavailable, "node '\(node)' sent no frame within \(Self.snapshotTimeout.components.seconds) s")
        }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-store",
                                               .init("X-Frame-Sequence")!: String(image.sequence)],
                        body: .init(byteBuffer: ByteBuffer(bytes: image.jpeg)))
    }

    /// `multipart/x-mixed-replace` of JPEG parts. Each part is written with the boundary that
    /// follows it, in one flushed write: a browser shows a part only once it sees the next
    /// boundary, so this way it shows the newest frame, not the one before.
    func previewMJPEG(_ request: Request, context: ControlRequestContext, node: String) async throws -> Response {
        try previewable(node)
        let p = try previewParameters(request)
        let images = try watch(node, fps: p.fps, width: p.width)
        let channel = context.channel
        let body = ResponseBody { [self] writer in
            let (parts, out) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let streamID = streams.add { out.finish() }
            let pump = Task {
                for await image in images {
                    var b = ByteBuffer()
                    b.writeString("Content-Type: image/jpeg\r\nContent-Length: \(image.jpeg.count)\r\nX-Frame-Sequence: \(image.sequence)\r\n\r\n")
                    b.writeBytes(image.jpeg)
                    b.writeString("\r\n--\(Self.boundary)\r\n")
                    out.yield(b)
                }
                out.finish()
            }
            let watcher = Task {
                if let gone = await ConnectionWatch.gone(on: channel) { await wait(for: gone) }
                out.finish()
            }
            defer {
                pump.cancel()
                watcher.cancel()
                streams.remove(streamID)
            }
            try await writer.write(ByteBuffer(string: "--\(Self.boundary)\r\n"))
            for await part in parts {
                try await writer.write(part)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "multipart/x-mixed-replace; boundary=\(Self.boundary)",
                                               .cacheControl: "no-store, no-cache, must-revalidate",
                                               .init("X-Accel-Buffering")!: "no"],
                        body: body)
    }

    /// Server-sent events: the graph's events (`node_state`, `reload`, `reload_failed`,
    /// `peer_joined`, `peer_left`, `warning`) with their sequence as `id`, and a `stats` event
    /// a second with every node's rate, drops and latency.
    func eventsStream(_ request: Request, context: ControlRequestContext) throws -> Response {
        let history = try Self.number(request, "history", in: 0...GraphEvents.recentLimit, default: 0)!
        let lastID = request.headers[.init("Last-Event-ID")!].flatMap { Int($0) }
        let wantStats = request.uri.queryParameters["stats"].map { $0 != "false" && $0 != "0" } ?? true
        let events = graph.graphEvents.subscribe(history: lastID != nil ? GraphEvents.recentLimit : history)
        let stats = wantStats ? sampler.subscribe() : nil
        let channel = context.channel
        let body = ResponseBody { [self] writer in
            let (chunks, out) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(512))
            let streamID = streams.add { out.finish() }
            let encoder = JSONEncoder.api
            let pumpEvents = Task {
                for await e in events {
                    if let lastID, e.sequence <= lastID { continue }
                    guard let data = try? encoder.encode(e) else { continue }
                    out.yield(ByteBuffer(string: "id: \(e.sequence)\nevent: \(e.kind.rawValue)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                }
                out.finish()
            }
            let pumpStats = Task {
                guard let stats else { return }
                for await s in stats {
                    guard let data = try? encoder.encode(s) else { continue }
                    out.yield(ByteBuffer(string: "event: stats\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                }
            }
            let heartbeat = Task {
                // A comment now and then keeps proxies from closing a quiet stream.
                while !Task.isCancelled {
                    do { try await Task.sleep(for: .seconds(15)) } catch { return }
                    out.yield(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            let watcher = Task {
                if let gone = await ConnectionWatch.gone(on: channel) { await wait(for: gone) }
                out.finish()
            }
            defer {
                pumpEvents.cancel()
                pumpStats.cancel()
                heartbeat.cancel()
                watcher.cancel()
                streams.remove(streamID)
            }
            try await writer.write(ByteBuffer(string: "retry: 2000\n: media-router events of graph \(graph.runningGraph.name)\n\n"))
            for await chunk in chunks {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                               .init("X-Accel-Buffering")!: "no"],
                        body: body)
    }
}
