import Foundation

/// A one-shot event that threads can wait for.
public final class Event: @unchecked Sendable {
    // Safe: all state is guarded by `cond`.
    private let cond = ConditionLock()
    private var fired = false

    public init() {}

    public func signal() {
        cond.withLock {
            fired = true
            cond.broadcast()
        }
    }

    public var isSet: Bool { cond.withLock { fired } }

    public func wait() {
        cond.withLock { while !fired { cond.wait() } }
    }

    /// Returns true if the event fired before the timeout.
    @discardableResult
    public func wait(timeout seconds: Double) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        return cond.withLock {
            while !fired {
                if !cond.wait(untilMonotonic: deadline) && Clock.monotonicNanoseconds() >= deadline { return fired }
            }
            return true
        }
    }
}

/// Starts a dedicated thread for blocking work, so it never occupies Swift's cooperative pool.
@discardableResult
public func startThread(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) -> Thread {
    let t = Thread {
        // Named in the kernel too (at most 15 bytes), so `top -H`, `ps -L` and /proc show
        // which node a thread runs.
        nameThisThread(name)
        body()
    }
    t.name = name
    t.stackSize = stackSize
    t.start()
    return t
}

/// A doorbell a thread waits on for a while: a ring before or during the wait ends it. Unlike
/// `Event` it rearms after each wait.
public final class Doorbell: @unchecked Sendable {
    // Safe: all state is guarded by `cond` (a pthread mutex and condition variable).
    private let cond = ConditionLock()
    private var rung = false

    public init() {}

    public func ring() {
        cond.withLock {
            rung = true
            cond.broadcast()
        }
    }

    /// Waits until rung or `seconds` pass; returns true when rung. Clears the ring.
    @discardableResult
    public func wait(timeout seconds: Double) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        return cond.withLock {
            while !rung {
                if !cond.wait(untilMonotonic: deadline) && Clock.monotonicNanoseconds() >= deadline { break }
            }
            defer { rung = false }
            return rung
        }
    }
}

/// Sets the calling thread's kernel name (at most 15 bytes), which Foundation's `Thread.name`
/// does not do on Linux.
func nameThisThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
