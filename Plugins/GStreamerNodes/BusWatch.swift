import GStreamer
import Logging
import MediaRouter

/// Reads a pipeline's bus on a thread of its own for as long as the pipeline lives.
///
/// An element error does not wake a thread blocked in an appsink pull or an appsrc push (the
/// pipeline just stops moving), so the watch stops the pipeline on the first error: that turns
/// the blocked call into `.flushing`, and the blocked thread then reads `failure` to say why.
final class BusWatch: Sendable {
    struct State: Sendable {
        var failure: String?
        var endOfStream = false
    }

    let pipeline: Pipeline
    private let state = Locked(State())
    /// Fires at end of stream or at the first error.
    let settled = Event()
    private let exited = Event()

    /// `onMessage` runs on the watch thread for every message, after the watch's own bookkeeping.
    init(pipeline: Pipeline, name: String, logger: Logger, onMessage: @escaping @Sendable (BusMessage) -> Void = { _ in }) {
        self.pipeline = pipeline
        startThread(name: "bus:\(name)") { [self] in
            defer { exited.signal() }
            while true {
                guard let message = pipeline.bus.nextMessage(timeout: nil, types: [.error, .warning, .endOfStream, .element]) else { continue }
                switch message {
                case .interrupted:
                    return
                case let .error(source, text, debug):
                    let first = state.withLock { s -> Bool in
                        guard s.failure == nil else { return false }
                        s.failure = "\(source): \(text)"
                        return true
                    }
                    if first {
                        logger.debug("GStreamer error from \(source): \(text)\(debug.map { " (\($0.split(whereSeparator: \.isNewline).joined(separator: " ")))" } ?? "")")
                        pipeline.stop()
                        settled.signal()
                    }
                case let .warning(source, text, _):
                    logger.debug("GStreamer warning from \(source): \(text)")
                case .endOfStream:
                    state.withLock { $0.endOfStream = true }
                    settled.signal()
                default:
                    break
                }
                onMessage(message)
            }
        }
    }

    /// The first element error, as "element: message".
    var failure: String? { state.value.failure }
    var reachedEndOfStream: Bool { state.value.endOfStream }

    /// Ends the watch thread and waits for it. Call after the pipeline is stopped.
    func close() {
        pipeline.bus.interrupt()
        exited.wait()
    }
}
