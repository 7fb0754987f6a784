#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with a condition variable: the one lock type of the router and its wrappers. Use it
/// as a plain mutex (`withLock`, or `lock`/`unlock` for a lock held across calls) or to wait for
/// a condition (`wait`, `broadcast`). Threads that wait here must be threads of their own, never
/// Swift's cooperative pool.
public final class ConditionLock: @unchecked Sendable {
    // Safe: the pthread objects live at stable heap addresses (a pthread_mutex_t must never move
    // once initialised, which a Swift stored property cannot promise) for the object's lifetime
    // and are only touched through pthread calls, which are thread-safe.
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
    /// The lock must be held.
    @discardableResult
    public func wait(untilMonotonic deadline: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) == 0
    }

    public func broadcast() { pthread_cond_broadcast(cond) }
}
