import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// An authenticated peer that sends garbage: every bad message is dropped and counted under its
/// reason, the receiver keeps answering (PAIR and REQ peers are never left waiting), and a valid
/// frame sent afterwards still arrives.
@Suite("NetGear malformed input")
struct MalformedInputTests {
    static func receiverGraph(pattern: Int, port: Int, keys: String, sink: String) throws -> LoggedGraph {
        try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: \(pattern)
                secure_mode: 2
                custom_cert_location: \(keys)
                max_frame_size: 100kB
                on_terminate: continue
              \(sink)
            """, level: .info)
    }

    /// Sends valid frames until one arrives: a PUB drops what it sends before the subscription
    /// reaches it. Returns how many were sent.
    static func sync(_ peer: RawPeer, pattern: Int, arrived: @escaping @Sendable () -> Bool) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        var n = 0
        while !arrived() && Date() < deadline {
            try peer.send(Wire.rawFrame(n, pattern: pattern), replyTimeout: 500)
            n += 1
            Thread.sleep(forTimeInterval: 0.02)
        }
        return n
    }

    /// A valid 4x4 frame: sent after the sync frames, it arrives after every one of them (one
    /// connection keeps its order), so once it is collected nothing sent before is on its way.
    static func marker(pattern: Int) -> [[UInt8]] { Wire.rawFrame(0, width: 4, height: 4, pattern: pattern) }
    static func isMarker(_ f: CollectedFrame) -> Bool { f.width == 4 && f.height == 4 }

    @Test(arguments: [0, 1, 2])
    func eachMalformedMessageIsDroppedAndCounted(_ pattern: Int) async throws {
        let keys = try makeKeys("bad")
        let port = uniquePort()
        let key = uniqueKey("bad")
        let graph = try Self.receiverGraph(pattern: pattern, port: port, keys: keys, sink: "sink: {kind: test.collect, input: rx, key: \(key), keep: true}")
        let rx = try #require(graph.counters("rx"))
        let jpeg = Wire.jpeg(3)
        let cases: [(reason: String, parts: [[UInt8]])] = [
            ("bad_json", [Array("not json".utf8), [1, 2, 3]]),
            ("bad_json", [[], [1, 2, 3]]),
            ("bad_json", [Array(#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [1, 1, 3], "message": "#.utf8)
                          + Array(repeating: UInt8(ascii: "["), count: 100) + Array(repeating: UInt8(ascii: "]"), count: 100) + [UInt8(ascii: "}")], [1, 2, 3]]),
            ("header_not_object", [Array("[1, 2]".utf8), [1, 2, 3]]),
            ("missing_key", [Array(#"{"terminate_flag": false}"#.utf8), [1, 2, 3]]),
            ("missing_key", [Array(#"{"terminate_flag": false, "compression": {"colorspace": "NOT-A-COLORSPACE"}}"#.utf8), jpeg]),
            ("wrong_part_count", Wire.rawFrame(1, pattern: pattern) + [[9, 9]]),
            ("wrong_part_count", [Wire.header(shape: [12, 16, 3], pattern: pattern)]),
            ("size_mismatch", [Wire.header(shape: [12, 16, 3], pattern: pattern), [UInt8](repeating: 7, count: 100)]),
            ("size_mismatch", [Wire.header(dtype: "float32", shape: [12, 16, 3], pattern: pattern), indexedFrame(1, width: 16, height: 12)]),
            ("too_large", [Wire.header(shape: [1 << 20, 1 << 20, 1 << 20], pattern: pattern), [1, 2, 3]]),
            ("bad_shape", [Wire.header(shape: [-1, 16, 3], pattern: pattern), [1, 2, 3]]),
            ("bad_shape", [Wire.header(shape: [1, 1, 1, 1, 1, 1, 1], pattern: pattern), [1]]),
            ("bad_shape", [Array(#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [1e300, 2]}"#.utf8), [1, 2]]),
            ("unknown_dtype", [Wire.header(dtype: "complex256", shape: [2, 2], pattern: pattern), [UInt8](repeating: 0, count: 64)]),
            ("unknown_dtype", [Wire.header(dtype: ">u2", shape: [2, 2], pattern: pattern), [UInt8](repeating: 0, count: 8)]),
            ("bad_jpeg", [Wire.jpegHeader(pattern: pattern), Array(jpeg.prefix(jpeg.count / 2))]),
            ("bad_jpeg", [Wire.jpegHeader(pattern: pattern), Array("GIF89a not a jpeg".utf8)]),
        ]
        let expected = Dictionary(cases.map { ("malformed_" + $0.reason, 1) }, uniquingKeysWith: +)
        let peer = try RawPeer(pattern: pattern, endpoint: "tcp://127.0.0.1:\(port)", keys: keys)
        let synced = try await onDedicatedThread { try Self.sync(peer, pattern: pattern) { !collected(key).isEmpty } }
        #expect(!collected(key).isEmpty, "no valid frame arrived to start with")
        try await onDedicatedThread { try peer.send(Self.marker(pattern: pattern), replyTimeout: 500) }
        #expect(await eventually(timeout: 30) { collected(key).contains(where: Self.isMarker) }, "the marker frame did not arrive")
        let framesBefore = collected(key).count
        let expectedReplies = synced + 1 + cases.count
        try await onDedicatedThread {
            for c in cases { try peer.send(c.parts) }
            let deadline = Date().addingTimeInterval(30)
            while pattern == 0 && peer.replies < expectedReplies && Date() < deadline { peer.drainReplies(wait: 50) }
        }
        #expect(await eventually(timeout: 30) { rx.dropped.load(ordering: .relaxed) == cases.count }, "dropped \(rx.dropped.load(ordering: .relaxed)) of \(cases.count)")
        for (name, n) in expected {
            #expect(rx.extra(name) == n, "\(name): \(rx.extra(name)), expected \(n)")
        }
        #expect(collected(key).count == framesBefore, "a malformed message became a frame")
        if pattern < 2 {
            // Every message was answered, so neither a PAIR nor a REQ peer is left hanging.
            #expect(peer.replies == expectedReplies, "replies \(peer.replies) for \(expectedReplies) messages")
            #expect(peer.missedReplies == 0)
        }
        // A part beyond max_frame_size is refused by libzmq before it is read: the connection is
        // dropped (counted), the sender reconnects, nothing else changes.
        let disconnects = rx.extra("disconnects")
        try await onDedicatedThread { try peer.send([Wire.header(shape: [200_000], pattern: pattern), [UInt8](repeating: 1, count: 200_000)], replyTimeout: 300) }
        #expect(await eventually(timeout: 30) { rx.extra("disconnects") > disconnects }, "the oversized part did not cut the connection")
        // And a valid frame afterwards still arrives, intact.
        let before = collected(key).count
        _ = try await onDedicatedThread { try Self.sync(peer, pattern: pattern) { collected(key).count > before } }
        #expect(collected(key).count > before, "no valid frame arrived after the malformed ones")
        if let last = collected(key).last, let payload = last.payload {
            let index = Int(payload.bytes[(2 * 16 + 2) * 3])
            #expect(payload.bytes.elementsEqual(indexedFrame(index, width: 16, height: 12)))
        }
        #expect(rx.dropped.load(ordering: .relaxed) == cases.count)
        #expect(!graph.runtime.isFinished && graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        #expect(graph.logs.contains("dropped a malformed message"), "malformed input is logged (rate-limited)")
        await graph.stop()
    }

    /// Sequence numbers and capture times travel in `message` and so come from the peer: made-up
    /// ones must not reach consumers, which do arithmetic on them (a huge jump once overflowed
    /// frame.discard's lost-frame count and killed the process).
    @Test func madeUpSequenceNumbersAndTimesStayOut() async throws {
        let keys = try makeKeys("seq")
        let port = uniquePort()
        let key = uniqueKey("seq")
        let graph = try Self.receiverGraph(pattern: 1, port: port, keys: keys, sink: "sink: {kind: test.collect, input: rx, key: \(key)}")
        let now = Clock.wallNanoseconds()
        let carried: [(seq: Int64, ts: Int64)] = [(5, now), (6, Int64.max), (Int64.max, 1), (0, -5), (7, now + 30 * 86_400_000_000_000),
                                                  (1 << 40, now), (9, now), (12, now)]
        let peer = try RawPeer(pattern: 1, endpoint: "tcp://127.0.0.1:\(port)", keys: keys)
        try await onDedicatedThread {
            for c in carried {
                let info: JSONValue = ["media_router": .object([("seq", .int(c.seq)), ("ts", .int(c.ts)), ("fmt", "BGR")])]
                try peer.send([Wire.header(shape: [12, 16, 3], pattern: 1, message: info), indexedFrame(1, width: 16, height: 12)])
            }
        }
        #expect(await eventually(timeout: 30) { collected(key).count == carried.count })
        let got = collected(key)
        let sequences = got.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 > $0 && $1 - $0 <= (1 << 20) + 1 }, "\(sequences)")
        #expect(sequences == [5, 6, 7, 8, 9, 10, 11, 12], "the sender's numbers where plausible, ours otherwise")
        #expect(got.allSatisfy { abs($0.timestamp - now) < 60_000_000_000 }, "\(got.map(\.timestamp))")
        #expect(got.first?.timestamp == now, "a plausible capture time is kept")
        // Gaps count as lost frames only when plausible (at most 2^20, forward): 0 then 7 lost 6,
        // 9 then 12 lost 2; the jumps to Int64.max and 2^40 and the steps back count nothing.
        #expect(graph.counters("rx")?.lost.load(ordering: .relaxed) == 8)
        await graph.stop()
    }

    /// 10,000 random and mutated messages per pattern from an authenticated peer: the receiver
    /// survives, accounts for every message (a frame, a counted drop or a terminate), and still
    /// takes a valid frame at the end.
    @Test(arguments: [0, 1, 2])
    func fuzz(_ pattern: Int) async throws {
        let keys = try makeKeys("fuzz")
        let port = uniquePort()
        let key = uniqueKey("fuzz")
        let graph = try Self.receiverGraph(pattern: pattern, port: port, keys: keys,
                                           sink: "sink: {kind: test.collect, input: {node: rx, queue: {size: 64, policy: block}}, key: \(key)}")
        let rx = try #require(graph.counters("rx"))
        @Sendable func processed() -> Int {
            rx.framesOut.load(ordering: .relaxed) + rx.dropped.load(ordering: .relaxed) + rx.extra("terminates") + rx.extra("repeated_terminates")
        }
        let peer = try RawPeer(pattern: pattern, endpoint: "tcp://127.0.0.1:\(port)", keys: keys)
        _ = try await onDedicatedThread { try Self.sync(peer, pattern: pattern) { rx.framesOut.load(ordering: .relaxed) > 0 } }
        // Count from the marker on: every sync frame has landed once it has.
        try await onDedicatedThread { try peer.send(Self.marker(pattern: pattern), replyTimeout: 500) }
        #expect(await eventually(timeout: 30) { collected(key).contains(where: Self.isMarker) }, "the marker frame did not arrive")
        let baseline = processed()
        let count = 10_000
        let sent = try await onDedicatedThread {
            var fuzzer = Fuzzer(seed: 0x5EED_0000 + UInt64(pattern), pattern: pattern)
            for _ in 0..<count { try peer.send(fuzzer.next(), replyTimeout: 1000) }
            peer.drainReplies(wait: 100)
            return peer.sent
        }
        #expect(await eventually(timeout: 30) { processed() - baseline >= count }, "accounted for \(processed() - baseline) of \(count)")
        #expect(processed() - baseline == count,
                "every message is a frame, a counted drop or a terminate: \(rx.extraCounters), \(rx.framesOut.load(ordering: .relaxed)) frames")
        #expect(rx.extra("disconnects") == 0, "the fuzzer's connection was dropped")
        if pattern == 1 { #expect(peer.missedReplies == 0, "every request was answered") }
        // Still alive: a valid frame arrives.
        let framesBefore = rx.framesOut.load(ordering: .relaxed)
        try await onDedicatedThread { try peer.send(Wire.rawFrame(1, pattern: pattern)) }
        #expect(await eventually(timeout: 30) { rx.framesOut.load(ordering: .relaxed) == framesBefore + 1 })
        #expect(!graph.runtime.isFinished && graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
        #expect(rx.dropped.load(ordering: .relaxed) > count / 4, "the fuzzer sent mostly valid messages?")
        #expect(rx.framesOut.load(ordering: .relaxed) > count / 20, "the fuzzer sent no valid messages?")
        _ = sent
        await graph.stop()
    }
}

/// A small deterministic random generator (SplitMix64), so that a failing fuzz run repeats.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes random and mutated NetGear messages: valid frames, valid headers with flipped or cut
/// bytes, random JSON in every key, random part counts, cut and damaged payloads and JPEGs.
struct Fuzzer {
    var rng: SplitMix64
    let pattern: Int
    let jpegs: [[UInt8]]

    init(seed: UInt64, pattern: Int) {
        rng = SplitMix64(state: seed)
        self.pattern = pattern
        jpegs = [Wire.jpeg(1), Wire.jpeg(2, width: 24, height: 8), Wire.jpeg(3, width: 8, height: 40)]
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }

    mutating func validRaw() -> [[UInt8]] {
        let dtypes: [(String, Int)] = [("uint8", 1), ("uint16", 2), ("float32", 4), ("int8", 1), ("<u2", 2), ("float64", 8)]
        let (dtype, size) = dtypes[int(0...dtypes.count - 1)]
        // At most 12x12x12 items of 8 bytes: well under max_frame_size, which is tested apart
        // (a larger part makes libzmq drop the connection, losing what is in flight).
        let shape: [Int] = (0..<int(1...3)).map { _ in int(1...12) }
        return [Wire.header(dtype: dtype, shape: shape, pattern: pattern, message: randomMessage()),
                bytes(shape.reduce(size, *))]
    }

    mutating func validJPEG() -> [[UInt8]] {
        let colorspaces = ["BGR", "RGB", "GRAY", "BGRA", "bgr"]
        return [Wire.jpegHeader(pattern: pattern, colorspace: colorspaces[int(0...colorspaces.count - 1)], message: randomMessage()),
                jpegs[int(0...jpegs.count - 1)]]
    }

    /// Our own metadata key with hostile values, or a vidgear-style message.
    mutating func randomMessage() -> JSONValue {
        switch int(0...3) {
        case 0: return nil
        case 1: return ["i": .int(Int64(int(0...1000)))]
        case 2:
            return ["media_router": .object([("seq", randomJSON(depth: 1)), ("ts", randomJSON(depth: 1)), ("fmt", randomFormat()),
                                             ("dur", randomJSON(depth: 1)), ("w", randomJSON(depth: 1)), ("h", randomJSON(depth: 1))])]
        default: return randomJSON(depth: 3)
        }
    }

    mutating func randomFormat() -> JSONValue {
        let names = ["BGR", "RGB", "I420", "NV12", "RGBA", "BGRX", "GRAY8", "JPEG", "ARRAY", "YUY2", "GRAY16_LE", "nonsense"]
        return .string(names[int(0...names.count - 1)])
    }

    mutating func randomJSON(depth: Int) -> JSONValue {
        switch int(0...(depth > 0 ? 9 : 6)) {
        case 0: return nil
        case 1: return .bool(chance(0.5))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .int(Int64(int(-3...2_000_000)))
        case 4: return .double([Double.nan, .infinity, -.infinity, 1e308, -0.0, 3.5][int(0...5)])
        case 5: return .string(String(decoding: bytes(int(0...12)), as: UTF8.self))
        case 6: return .string(["uint8", "", "BGR", "GRAY", "float32", "complex128", "|u1"][int(0...6)])
        case 7: return .array((0..<int(0...5)).map { _ in randomJSON(depth: depth - 1) })
        default:
            let keys = ["terminate_flag", "compression", "dtype", "shape", "message", "port", "colorspace", "dct", "x"]
            return .object((0..<int(0...4)).map { _ in (keys[int(0...keys.count - 1)], randomJSON(depth: depth - 1)) })
        }
    }

    /// A header whose keys are all there but hold random values.
    mutating func randomHeader() -> [UInt8] {
        var pairs: [(String, JSONValue)] = []
        for key in ["port", "terminate_flag", "compression", "message", "pattern", "dtype", "shape"] where chance(0.85) {
            let value: JSONValue
            switch key {
            case "terminate_flag": value = chance(0.9) ? false : randomJSON(depth: 1)
            case "compression": value = chance(0.5) ? false : .object([("dct", randomJSON(depth: 0)), ("ups", randomJSON(depth: 0)), ("colorspace", randomJSON(depth: 0))])
            case "shape": value = chance(0.5) ? .array((0..<int(0...7)).map { _ in chance(0.8) ? .int(Int64(int(-2...70))) : randomJSON(depth: 0) }) : randomJSON(depth: 2)
            default: value = randomJSON(depth: 2)
            }
            pairs.append((key, value))
        }
        return JSONValue.object(pairs).pythonJSONBytes()
    }

    mutating func flip(_ b: [UInt8], times: Int) -> [UInt8] {
        guard !b.isEmpty else { return b }
        var out = b
        for _ in 0..<times { out[int(0...out.count - 1)] = UInt8.random(in: 0...255, using: &rng) }
        return out
    }

    mutating func cut(_ b: [UInt8]) -> [UInt8] { Array(b.prefix(int(0...max(0, b.count - 1)))) }

    mutating func next() -> [[UInt8]] {
        switch int(0...13) {
        case 0, 1: return validRaw()
        case 2: return validJPEG()
        case 3:
            var m = chance(0.5) ? validRaw() : validJPEG()
            m[0] = flip(m[0], times: int(1...4))
            return m
        case 4:
            var m = validRaw()
            m[0] = cut(m[0])
            return m
        case 5: return [randomHeader(), bytes(int(0...600))]
        case 6:
            // Random part counts, each part random or a header.
            return (0..<int(1...5)).map { _ in chance(0.5) ? randomHeader() : bytes(int(0...64)) }
        case 7:
            var m = validRaw()
            switch int(0...2) {
            case 0: m[1] = cut(m[1])
            case 1: m[1] += bytes(int(1...16))
            default: m[1] = flip(m[1], times: 3)
            }
            return m
        case 8:
            var m = validJPEG()
            switch int(0...3) {
            case 0: m[1] = cut(m[1])
            case 1: m[1] = flip(m[1], times: int(1...20))
            case 2: m[1] = Array(m[1].dropLast(2))
            default: m[1] = [0xFF, 0xD8] + bytes(int(0...200)) + [0xFF, 0xD9]
            }
            return m
        case 9: return [bytes(int(0...200)), bytes(int(0...200))]
        case 10:
            // Terminates, real and fake, with one or two parts.
            let flag: JSONValue = chance(0.5) ? true : randomJSON(depth: 1)
            let header = JSONValue.object([("terminate_flag", flag), ("port", randomJSON(depth: 0))]).pythonJSONBytes()
            return chance(0.7) ? [header] : [header, bytes(int(0...8))]
        case 11:
            let depth = int(30...80)
            let nested = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
            return [Array(#"{"terminate_flag": false, "compression": false, "message": "#.utf8) + nested + Array(#", "dtype": "uint8", "shape": [1]}"#.utf8), [1]]
        case 12:
            let tokens = ["NaN", "Infinity", "-Infinity", "1e999", "-0", "99999999999999999999999", "\"\\ud800\"", "\"\\u0000\"", "tru", "nul"]
            let t = tokens[int(0...tokens.count - 1)]
            return [Array(#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [\#(t), 2]}"#.utf8), bytes(4)]
        default:
            return [Array(#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [2, 2]}"#.utf8), bytes(int(0...1) == 0 ? 4 : 5)]
        }
    }
}
