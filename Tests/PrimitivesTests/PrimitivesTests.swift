import MediaRouter
import Primitives
import TestSupport
import Testing

@Suite("Edit distance")
struct EditDistanceTests {
    @Test("classic cases", arguments: [
        ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("same", "same", 0),
        ("kitten", "sitting", 3), ("flaw", "lawn", 2), ("width", "widht", 2), ("fps", "fsp", 2),
        ("framerate", "frame_rate", 1), ("A", "a", 1),
    ])
    func classic(_ a: String, _ b: String, _ expected: Int) {
        #expect(editDistance(a, b) == expected)
        #expect(editDistance(b, a) == expected)
    }

    @Test("the caller chooses the element: characters or Unicode scalars")
    func elements() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(editDistance(composed, decomposed) == 0)
        #expect(editDistance(composed.unicodeScalars, decomposed.unicodeScalars) == 2)
        #expect(editDistance([1, 2, 3], [1, 3]) == 1)
    }

    @Test("the core's levenshtein ignores case and drives did-you-mean")
    func coreNames() {
        #expect(levenshtein("Width", "width") == 0)
        #expect(levenshtein("KITTEN", "sitting") == 3)
        #expect(didYouMean("widht", in: ["width", "height"]) == " (did you mean 'width'?)")
        #expect(didYouMean("zzzzzz", in: ["width", "height"]) == "")
    }
}

/// A counter that only the lock under test guards.
private final class Unguarded: @unchecked Sendable {
    // Safe only as the tests use it: every access is under the ConditionLock being tested.
    var count = 0
    var flag = false
}

@Suite("Locks")
struct LockTests {
    static let threads = 4, increments = 20_000

    @Test("ConditionLock excludes: concurrent increments under it all land")
    func conditionLockExcludes() async throws {
        let lock = ConditionLock()
        let box = Unguarded()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<Self.threads {
                group.addTask {
                    try await onDedicatedThread(name: "lock-\(i)") {
                        for _ in 0..<Self.increments { lock.withLock { box.count += 1 } }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(lock.withLock { box.count } == Self.threads * Self.increments)
    }

    @Test("ConditionLock wakes a waiter on broadcast")
    func conditionLockWakes() async throws {
        let lock = ConditionLock()
        let box = Unguarded()
        let waiting = Event()
        async let woke: Bool = onDedicatedThread(name: "waiter") {
            let deadline = Clock.monotonicNanoseconds() + Int64(eventCeiling * 1e9)
            return lock.withLock {
                waiting.signal()
                while !box.flag && Clock.monotonicNanoseconds() < deadline { lock.wait(untilMonotonic: deadline) }
                return box.flag
            }
        }
        #expect(try await onDedicatedThread { waiting.wait(timeout: eventCeiling) })
        lock.withLock {
            box.flag = true
            lock.broadcast()
        }
        #expect(try await woke)
    }

    @Test("ConditionLock's timed wait returns false once the deadline has passed")
    func conditionLockTimesOut() async throws {
        let lock = ConditionLock()
        let reachedDeadline = try await onDedicatedThread { () -> Bool in
            let deadline = Clock.monotonicNanoseconds() + 20_000_000
            return lock.withLock {
                // A spurious wake-up returns true early; wait again until the call says timeout.
                while lock.wait(untilMonotonic: deadline) {}
                return Clock.monotonicNanoseconds() >= deadline
            }
        }
        #expect(reachedDeadline)
    }

    @Test("Locked keeps concurrent updates and reads back the value")
    func locked() async throws {
        let counter = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<Self.threads {
                group.addTask {
                    try await onDedicatedThread(name: "locked-\(i)") {
                        for _ in 0..<Self.increments { counter.withLock { $0 += 1 } }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counter.value == Self.threads * Self.increments)
        counter.value = 7
        #expect(counter.withLock { v -> Int in v *= 2; return v } == 14)
        #expect(counter.value == 14)
    }
}
