/// Runs blocking work (a GStreamer state change, a ZeroMQ call, a wait for a thread) on a new
/// thread and suspends until it is done, so that async code never blocks one of Swift's few
/// cooperative threads.
public func onDedicatedThread<T: Sendable>(name: String = "blocking", stackSize: Int = 4 << 20,
                                           _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
        startThread(name: name, stackSize: stackSize) {
            c.resume(with: Result { try body() })
        }
    }
}
