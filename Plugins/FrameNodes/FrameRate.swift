import MediaRouter

/// `frame.rate`: drops frames so that at most `framerate` frames per second pass, judged by the
/// frames' own timestamps (so it behaves the same live and from a file).
public struct FrameRatePlugin: NodePlugin {
    public static let kind = "frame.rate"
    public static let summary = "Drop frames to a target frame rate, by frame timestamps"
    public static let role = NodeRole.transform
    public static let options: [OptionSpec] = [
        OptionSpec("framerate", .framerate, required: true, doc: "the most frames per second to pass on, e.g. 10 or 30000/1001"),
    ]

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg, .array] }

    public static func make(_ context: NodeContext) throws -> any Node {
        let (n, d) = context.options.framerate("framerate") ?? (30, 1)
        return FrameRateNode(intervalNanoseconds: Int64(1e9 * Double(d) / Double(n)))
    }
}

/// Keeps a frame when it is due; the schedule advances by whole intervals so the average rate is
/// exact, and resynchronises after a gap instead of letting a burst through.
public struct RateGate: Sendable {
    public let interval: Int64
    private var nextDue: Int64?

    public init(intervalNanoseconds: Int64) { interval = max(1, intervalNanoseconds) }

    public mutating func admit(_ timestamp: Int64) -> Bool {
        guard let due = nextDue else {
            nextDue = timestamp + interval
            return true
        }
        // A quarter interval of tolerance absorbs jitter in capture timestamps without letting
        // frames through early when the input rate is a multiple of the target.
        if timestamp + interval / 4 < due { return false }
        var next = due + interval
        if next <= timestamp { next = timestamp + interval }
        nextDue = next
        return true
    }
}

/// Ends with its input, so a stop has nothing to wake.
final class FrameRateNode: Node {
    let interval: Int64
    let stopHandle = StopHandle.none

    init(intervalNanoseconds: Int64) { interval = intervalNanoseconds }

    func run(_ io: NodeIO) throws {
        var gate = RateGate(intervalNanoseconds: interval)
        // Frames dropped here on purpose must not look like losses downstream, so the output is
        // numbered as a stream of its own.
        var sequence: UInt64 = 0
        while var frame = io.receive() {
            if gate.admit(frame.timestamp) {
                frame.sequence = sequence
                frame.duration = max(frame.duration, interval)
                sequence += 1
                io.emit(frame)
            } else {
                io.counters.add("rate_limited")
            }
        }
    }
}
