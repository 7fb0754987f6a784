/// How a reload hands a supervisor over to a new spec: the supervisor says when the old node
/// has released what it held, waits for the reload's go (every old node of the reload has
/// released by then, so a port can move from one node to another), then says whether the new
/// node started.
final class Handoff: Sendable {
    let released = Event()
    let go = Event()
    let started = Event()
    private let error = Locked<String?>(nil)

    var startError: String? { error.value }

    func reportStarted(_ failure: Error?) {
        error.value = failure.map { "\($0)" }
        started.signal()
    }
}
