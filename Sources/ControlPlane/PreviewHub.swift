import Foundation
import Logging
import MediaRouter

/// Live previews of node outputs, shared between viewers: one tap and one encoder per
/// (node, rate, width), however many viewers watch. A raw frame is thus encoded once per
/// preview frame; JPEG frames pass through. The source ends, and its tap detaches, when its
/// last viewer leaves.
final class PreviewHub: Sendable {
    struct Key: Hashable, Sendable {
        var node: String
        /// Frames per second × 1000.
        var milliFPS: Int
        var width: Int?
    }

    /// One encoded preview frame.
    struct Image: Sendable {
        var jpeg: Data
        /// The node's frame sequence number.
        var sequence: UInt64
    }

    final class Source: Sendable {
        let key: Key
        let encoder: PreviewEncoder
        struct State: Sendable {
            var viewers: [Int: AsyncStream<Image>.Continuation] = [:]
            var latest: Image?
            var task: Task<Void, Never>?
            var ended = false
        }
        let state = Locked(State())
        init(key: Key) {
            self.key = key
            encoder = PreviewEncoder(width: key.width)
        }
        var encodes: Int { encoder.encodes }
    }

    private let tapper: @Sendable (String) throws -> FrameTap
    private let logger: Logger
    private struct State: Sendable {
        var sources: [Key: Source] = [:]
        var nextViewer = 0
        var encodes = 0
    }
    private let state = Locked(State())

    init(logger: Logger, tap: @escaping @Sendable (String) throws -> FrameTap) {
        self.tapper = tap
        self.logger = logger
    }

    /// Frames encoded for previews so far (passed-through JPEG frames are not counted).
    var encodes: Int { state.withLock { $0.encodes } }
    var activeSources: Int { state.withLock { $0.sources.count } }
    var viewers: Int { state.withLock { s in s.sources.values.reduce(0) { $0 + $1.state.withLock { $0.viewers.count } } } }

    /// A stream of preview images of `node`: the newest first (at once when the source already
    /// runs), then at most `fps` a second. Throws for an unknown node.
    func watch(node: String, fps: Double, width: Int?) throws -> AsyncStream<Image> {
        let key = Key(node: node, milliFPS: Int((fps * 1000).rounded()), width: width)
        let (stream, continuation) = AsyncStream<Image>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Make the tap first so that an unknown node throws before anything is registered.
        var newTap: FrameTap?
        let exists = state.withLock { $0.sources[key] != nil }
        if !exists { newTap = try tapper(node) }
        let (source, id, startWith) = state.withLock { s -> (Source, Int, FrameTap?) in
            s.nextViewer += 1
            if let existing = s.sources[key] { return (existing, s.nextViewer, nil) }
            let made = Source(key: key)
            s.sources[key] = made
            return (made, s.nextViewer, newTap)
        }
        if startWith == nil { newTap?.close() }
        let (latest, ended) = source.state.withLock { st -> (Image?, Bool) in
            if !st.ended { st.viewers[id] = continuation }
            return (st.latest, st.ended)
        }
        if let latest { continuation.yield(latest) }
        if ended { continuation.finish() }
        continuation.onTermination = { [weak self] _ in self?.leave(source, viewer: id) }
        if let tap = startWith { start(source, tap: tap) }
        return stream
    }

    private func leave(_ source: Source, viewer: Int) {
        let last = state.withLock { s -> Bool in
            let remaining = source.state.withLock { st -> Int in
                st.viewers[viewer] = nil
                return st.viewers.count
            }
            guard remaining == 0, s.sources[source.key] === source else { return false }
            s.sources[source.key] = nil
            return true
        }
        if last { source.state.withLock { $0.task }?.cancel() }
    }

    private func start(_ source: Source, tap: FrameTap) {
        let interval = Duration.milliseconds(max(1, 1_000_000 / max(1, source.key.milliFPS)))
        let logger = self.logger
        let task = Task { [weak self] in
            defer {
                tap.close()
                let viewers = source.state.withLock { st -> [AsyncStream<Image>.Continuation] in
                    st.ended = true
                    defer { st.viewers.removeAll() }
                    return Array(st.viewers.values)
                }
                for v in viewers { v.finish() }
                self?.state.withLock { s in if s.sources[source.key] === source { s.sources[source.key] = nil } }
            }
            let clock = ContinuousClock()
            var due = clock.now
            var warned = false
            while !Task.isCancelled {
                do { try await Task.sleep(until: due, clock: clock) } catch { return }
                guard let frame = await tap.next() else { return }
                // Keep the rate: the next frame is due one interval after this one was due;
                // after a stall (a slow node, a busy machine) at least 3/4 of an interval from
                // now, so that catching up never bursts above the rate asked for.
                due = max(due + interval, clock.now + interval * 3 / 4)
                let encoder = source.encoder
                let jpeg: Data
                do {
                    let before = encoder.encodes
                    jpeg = try await onDedicatedThread(name: "preview") { try encoder.jpeg(frame) }
                    if encoder.encodes > before { self?.state.withLock { $0.encodes += encoder.encodes - before } }
                } catch {
                    if !warned {
                        logger.warning("preview of node '\(source.key.node)': \(error)")
                        warned = true
                    }
                    continue
                }
                let image = Image(jpeg: jpeg, sequence: frame.sequence)
                let viewers = source.state.withLock { st -> [AsyncStream<Image>.Continuation] in
                    st.latest = image
                    return Array(st.viewers.values)
                }
                for v in viewers { v.yield(image) }
            }
        }
        source.state.withLock { $0.task = task }
    }

    /// Ends every preview (the server is stopping).
    func finishAll() {
        let sources = state.withLock { s -> [Source] in
            defer { s.sources.removeAll() }
            return Array(s.sources.values)
        }
        for s in sources { s.state.withLock { $0.task }?.cancel() }
    }
}
