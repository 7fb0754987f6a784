import Foundation
import MediaRouter

/// Transforms frames (JPEG-encodes them) on several threads at once and hands the results out
/// in input order.
///
/// One libjpeg-turbo encoder does about 2,000 640x480 frames/s on the development machine, so a
/// single thread caps a JPEG stream there; frames are independent, so N workers (each with its
/// own encoder) raise throughput about N-fold up to the core count. Single-frame latency is
/// unchanged. A producer `put`s frames, a consumer takes them back in order with `next`.
///
/// Every wait is for an event, never for a timer: workers and `put` wait on the lock's condition
/// (signalled by `put`, `next`, `finish` and `cancel`); the feeder sleeps in `poll` on its input's
/// descriptor and a pipe `cancel` writes; a consumer that also waits for something else polls
/// `outputDescriptor`.
public final class OrderedEncoderPool: @unchecked Sendable {
    // Safe: every mutable field is read and written with `lock` held.
    public enum Output {
        case frame(Frame)
        case failed(any Error)
        case timeout
        case end
    }

    private let lock = ConditionLock()
    private var jobs: [(Int, Frame)] = []
    private var results: [Int: Result<Frame, any Error>] = [:]
    private var submitted = 0
    private var nextOut = 0
    private var ended = false
    private var cancelled = false
    private let limit: Int
    /// Wakes the feeder, asleep in `poll` beside its input's descriptor, when the pool is cancelled.
    private let cancelSignal = WakePipe()
    /// Readable when armed and the next output (or the end) is there; see `armOutputDescriptor`.
    private let outputSignal = WakePipe()
    private var outputArmed = false

    /// Starts `threads` workers that run `encode` (which can use `ThreadCodec.current`, one
    /// codec per worker).
    public init(threads: Int, name: String, encode: @escaping @Sendable (Frame) throws -> Frame) {
        let threads = max(1, threads)
        // Enough frames in hand that every worker stays busy while the consumer is elsewhere.
        limit = threads * 2
        for w in 0..<threads {
            let threadName = "\(name).jpeg\(w)"
            startThread(name: threadName) { [self] in
                nameCurrentThread(threadName)
                while let (index, frame) = take() {
                    let result = Result { try encode(frame) }
                    lock.withLock {
                        results[index] = result
                        lock.broadcast()
                        if index == nextOut { signalOutputLocked() }
                    }
                }
            }
        }
    }

    deinit { cancel() }

    private func take() -> (Int, Frame)? {
        lock.withLock {
            while jobs.isEmpty && !ended && !cancelled { lock.wait() }
            return cancelled || jobs.isEmpty ? nil : jobs.removeFirst()
        }
    }

    /// Queues a frame, waiting while `2 x threads` frames are in hand (encoding or waiting to be
    /// taken). False once the pool was cancelled: the frame was not queued.
    @discardableResult
    public func put(_ frame: Frame) -> Bool {
        lock.withLock {
            while submitted - nextOut >= limit && !cancelled { lock.wait() }
            if cancelled || ended { return false }
            jobs.append((submitted, frame))
            submitted += 1
            lock.broadcast()
            return true
        }
    }

    /// Starts a thread that `put`s every input frame of `io` and calls `finish` at the end of the
    /// stream; it returns early (counting a frame it could not queue) once the pool is cancelled.
    /// With no input it sleeps until a frame, the end of the input or `cancel`.
    public func feed(from io: NodeIO) {
        let input = io.inputDescriptor
        let threadName = "\(io.name).feed"
        startThread(name: threadName) { [self] in
            nameCurrentThread(threadName)
            while !isCancelled {
                switch io.receive(timeout: 0) {
                case .frame(let frame):
                    if !put(frame) { io.counters.countDropped(reason: "stopping") }
                case .timeout:
                    if io.armInputDescriptor() { cancelSignal.waitReadable(orReadable: input) }
                case .end:
                    finish()
                    return
                }
            }
        }
    }

    /// No more frames will come; `next` returns `.end` after the last one.
    public func finish() {
        lock.withLock {
            ended = true
            lock.broadcast()
            signalOutputLocked()
        }
    }

    /// A descriptor a consumer polls beside its own (a socket, a wake pipe): readable once
    /// `armOutputDescriptor()` armed it and the next output, or the end, is there.
    public var outputDescriptor: Int32 { outputSignal.readFD }

    /// Call right before polling `outputDescriptor`. False when `next(timeout: 0)` has something
    /// now (an output or the end): do not poll; true when the descriptor is armed.
    public func armOutputDescriptor() -> Bool {
        lock.withLock {
            outputSignal.drain()
            if results[nextOut] != nil || cancelled || (ended && nextOut == submitted) {
                outputArmed = false
                return false
            }
            outputArmed = true
            return true
        }
    }

    private func signalOutputLocked() {
        if outputArmed {
            outputArmed = false
            outputSignal.signal()
        }
    }

    /// The next frame in input order, waiting at most `timeout` seconds (nil: no limit).
    public func next(timeout: Double?) -> Output {
        let deadline = timeout.map { Clock.monotonicNanoseconds() + Int64($0 * 1e9) }
        return lock.withLock {
            while true {
                if let r = results.removeValue(forKey: nextOut) {
                    nextOut += 1
                    lock.broadcast()
                    switch r {
                    case .success(let f): return .frame(f)
                    case .failure(let e): return .failed(e)
                    }
                }
                if cancelled || (ended && nextOut == submitted) { return .end }
                if let deadline {
                    if Clock.monotonicNanoseconds() >= deadline { return .timeout }
                    _ = lock.wait(untilMonotonic: deadline)
                } else {
                    lock.wait()
                }
            }
        }
    }

    /// True after `cancel`.
    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Drops what is queued, stops the workers once their current frame is done, and makes
    /// `put` return false and `next` return `.end`.
    public func cancel() {
        lock.withLock {
            cancelled = true
            jobs.removeAll()
            lock.broadcast()
            signalOutputLocked()
        }
        cancelSignal.signal()
    }
}
