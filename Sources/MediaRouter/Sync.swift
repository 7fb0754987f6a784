import Foundation
import Synchronization

/// A mutex with a condition variable, for the runtime's blocking queues. Threads that wait here
/// are the node threads the runtime made, never Swift's cooperative pool.
public final class ConditionLock: @unchecked Sendable {
    // Safe: the pthread objects live at stable heap addresses for the object's lifetime and are
    // only touched through pthread calls, which are thread-safe.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a broadcast; the lock must be held.
    public func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits until a broadcast or until the monotonic deadline (ns); returns false on timeout.
    @discardableResult
    public func wait(untilMonotonic deadline: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) == 0
    }

    public func broadcast() { pthread_cond_broadcast(cond) }
}

/// A value behind a lock, for state shared between threads.
public final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    public init(_ value: Value) { storage = Mutex(value) }

    public func withLock<R: Sendable>(_ body: (inout Value) throws -> R) rethrows -> R {
        try storage.withLock { try body(&$0) }
    }

    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

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
