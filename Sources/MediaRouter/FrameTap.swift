/// An extra reader on a node's output that does not disturb the graph: it holds only the newest
/// frame (one-frame, drop-oldest) and never makes the producer wait. A node with no tap pays
/// nothing for the feature. Made by `GraphService.tap(_:)`; `close()` detaches it.
public final class FrameTap: Sendable {
    private struct State {
        var frame: Frame?
        /// Frames offered so far; `next()` returns a frame newer than the last one it returned.
        var offered = 0
        var taken = 0
        var waiter: CheckedContinuation<Frame?, Never>?
        var closed = false
    }

    /// The node whose output this tap reads.
    public let node: String
    private let state = Locked(State())
    private let onClose: @Sendable (FrameTap) -> Void

    init(node: String, onClose: @escaping @Sendable (FrameTap) -> Void) {
        self.node = node
        self.onClose = onClose
    }

    /// Called on the producer's thread for each frame it emits: never blocks.
    func offer(_ frame: Frame) {
        let waiter = state.withLock { s -> CheckedContinuation<Frame?, Never>? in
            s.offered += 1
            if let w = s.waiter {
                s.waiter = nil
                s.taken = s.offered
                s.frame = frame
                return w
            }
            s.frame = frame
            return nil
        }
        waiter?.resume(returning: frame)
    }

    /// The newest frame not yet returned, waiting for one if needed; nil once the tap is closed
    /// (the node was removed, or the graph stopped). One reader at a time.
    public func next() async -> Frame? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Frame?, Never>) in
                let now: (Frame?, Bool) = state.withLock { s in
                    if s.closed || Task.isCancelled { return (nil, true) }
                    if s.offered > s.taken, let f = s.frame {
                        s.taken = s.offered
                        return (f, true)
                    }
                    if let old = s.waiter { old.resume(returning: nil) }
                    s.waiter = c
                    return (nil, false)
                }
                if now.1 { c.resume(returning: now.0) }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Frame?, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            w?.resume(returning: nil)
        }
    }

    /// The newest frame seen, if any, without waiting.
    public var latest: Frame? { state.withLock { $0.frame } }

    /// Frames the node emitted while this tap was attached.
    public var offered: Int { state.withLock { $0.offered } }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Detaches the tap; a reader waiting in `next()` gets nil.
    public func close() {
        let (wasOpen, w) = state.withLock { s -> (Bool, CheckedContinuation<Frame?, Never>?) in
            if s.closed { return (false, nil) }
            s.closed = true
            defer { s.waiter = nil }
            return (true, s.waiter)
        }
        w?.resume(returning: nil)
        if wasOpen { onClose(self) }
    }
}
