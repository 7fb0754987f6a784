import Foundation
import MediaRouter
import Synchronization

/// `test.pulse`: emits one small frame each time the test calls `pulse(key)`, and otherwise
/// waits (on a semaphore, not a timer) until it is stopped.
public struct PulseSourcePlugin: NodePlugin {
    public static let kind = "test.pulse"
    public static let summary = "Emit one frame per pulse(key) from the test"
    public static let role = NodeRole.source
    public static let options: [OptionSpec] = [OptionSpec("key", .string, doc: "the name the test pulses")]
    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }
    public static func make(_ context: NodeContext) throws -> any Node { PulseSource(pulses: pulses(context.options.string("key") ?? "")) }
}

private let pulseSemaphores = Mutex<[String: DispatchSemaphore]>([:])

private func pulses(_ key: String) -> DispatchSemaphore {
    pulseSemaphores.withLock { all in
        if let s = all[key] { return s }
        let s = DispatchSemaphore(value: 0)
        all[key] = s
        return s
    }
}

/// Makes the `test.pulse` node with this key emit one frame.
public func pulse(_ key: String) { pulses(key).signal() }

/// Waits for pulses on a semaphore; a stop signals it too.
final class PulseSource: Node {
    let pulses: DispatchSemaphore
    let stopped = Event()
    let stopHandle: StopHandle

    init(pulses: DispatchSemaphore) {
        self.pulses = pulses
        let (stopped, pulses) = (stopped, pulses)
        stopHandle = StopHandle {
            stopped.signal()
            pulses.signal()
        }
    }

    func run(_ io: NodeIO) throws {
        var sequence: UInt64 = 0
        while true {
            pulses.wait()
            if stopped.isSet || io.isStopping { return }
            io.emit(Frame(format: .bgr, width: 16, height: 8, payload: FramePayload(copying: [UInt8](repeating: 7, count: 16 * 8 * 3)),
                          timestamp: Clock.wallNanoseconds(), sequence: sequence))
            sequence += 1
        }
    }
}
