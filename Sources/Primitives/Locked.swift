import Synchronization

/// A value behind a lock, for state shared between threads.
public final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    public init(_ value: Value) { storage = Mutex(value) }

    /// Runs `body` with the value locked. What it returns must not share state with anything
    /// else (a Sendable value, or one just made, such as a handle from a C call).
    public func withLock<R>(_ body: (inout Value) throws -> sending R) rethrows -> sending R {
        try storage.withLock { try body(&$0) }
    }

    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
