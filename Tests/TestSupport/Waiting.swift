import Foundation

/// How long a test waits for an event before it calls it missing: generous, because a loaded
/// 2-core machine can be slow, and free when the event comes at once.
public let eventCeiling: Double = 30

/// Polls `condition` without blocking a cooperative thread until it holds or `timeout` passes;
/// true once it holds. Tests wait for the event itself this way, never for a fixed time.
public func eventually(timeout: Double = eventCeiling, every interval: Double = 0.01, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    }
    return condition()
}
