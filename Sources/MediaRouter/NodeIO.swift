import Logging
import Synchronization

/// A node's connection to the graph: its inputs, its outputs and its counters.
public final class NodeIO: Sendable {
    public let name: String
    public let logger: Logger
    public let counters: NodeCounters
    let hub: InputHub?
    let outputs: OutputSet
    /// For each input edge: what the consumer accepts, and the converter to use for other kinds.
    let accepts: Set<MediaKind>
    let converters: [MediaKind: any FrameConverter]
    let stopping = Atomic<Bool>(false)
    private let warnedUnsupported = Atomic<Bool>(false)

    init(name: String, logger: Logger, counters: NodeCounters, hub: InputHub?, outputs: OutputSet,
         accepts: Set<MediaKind>, converters: [MediaKind: any FrameConverter]) {
        self.name = name
        self.logger = logger
        self.counters = counters
        self.hub = hub
        self.outputs = outputs
        self.accepts = accepts
        self.converters = converters
    }

    /// True once the graph asked this node to stop.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// True when at least one other node takes this node's frames.
    public var hasConsumers: Bool { !outputs.isEmpty }

    /// Asks this run of the node to end: `receive` reports the end of the input (the queued
    /// frames stay for the node that replaces it) and the input descriptor wakes.
    func requestStop() {
        stopping.store(true, ordering: .releasing)
        hub?.interrupt()
    }

    public enum Received {
        case frame(Frame)
        case timeout
        case end
    }

    /// Waits for the next input frame; nil at the end of the stream (every input ended and its
    /// queue drained).
    public func receive() -> Frame? {
        while true {
            switch receive(timeout: nil) {
            case .frame(let f): return f
            case .end: return nil
            case .timeout: continue
            }
        }
    }

    /// Waits at most `timeout` seconds (nil: no limit) for the next input frame.
    public func receive(timeout: Double?) -> Received {
        guard let hub else { return .end }
        let deadline = timeout.map { Clock.monotonicNanoseconds() + Int64($0 * 1e9) }
        while true {
            switch hub.next(deadline: deadline) {
            case .end: return .end
            case .timeout: return .timeout
            case .frame(var frame, _):
                counters.countIn(bytes: frame.byteCount)
                let kind = frame.format.kind
                if !accepts.contains(kind) {
                    guard let converter = converters[kind] else {
                        counters.countDropped(reason: "unsupported_format")
                        if !warnedUnsupported.exchange(true, ordering: .relaxed) {
                            logger.warning("dropping \(frame.format) frames: this node takes \(accepts.map(\.description).sorted().joined(separator: ", "))")
                        }
                        continue
                    }
                    do {
                        frame = try converter.convert(frame)
                    } catch {
                        counters.countDropped(reason: "convert_failed")
                        logger.debug("could not convert a \(frame.format) frame: \(error)")
                        continue
                    }
                }
                return .frame(frame)
            }
        }
    }

    /// A descriptor to poll beside the node's own (a socket, a wake pipe): it becomes readable
    /// when `armInputDescriptor()` armed it and then a frame or the end of the input arrives, or
    /// the node is asked to stop. -1 for a node without inputs.
    public var inputDescriptor: Int32 { hub?.signalDescriptor ?? -1 }

    /// Call right before polling `inputDescriptor`. Returns false when input is ready now (call
    /// `receive(timeout: 0)` instead of polling); true when the descriptor is armed.
    public func armInputDescriptor() -> Bool { hub?.armSignal() ?? false }

    /// Sends a frame to every consumer; each edge's queue policy decides whether this waits.
    public func emit(_ frame: Frame) {
        counters.countOut(bytes: frame.byteCount)
        outputs.send(frame)
    }
}
