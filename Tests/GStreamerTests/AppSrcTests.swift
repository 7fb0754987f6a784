import MediaRouter
import GStreamer
import Testing
import TestSupport

@Suite("Pushing frames into an appsrc", .gstreamerReady)
struct AppSrcTests {
    static let width = 320, height = 240, frameBytes = 320 * 240 * 3

    @Test("zero-copy frames are encoded into a playable MKV and every owner is released once")
    func zeroCopyToMatroska() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("pushed.mkv")
        let counter = ReleaseCounter()
        let frames = 30

        let (started, reachedEnd) = try await onDedicatedThread { () throws -> (StateChangeResult, Bool) in
            let pipeline = try Pipeline(description: """
                appsrc name=src ! videoconvert ! jpegenc ! matroskamux ! filesink location=\(path)
                """)
            let source = try pipeline.appSrc(named: "src")
            try source.setCaps(Caps.rawVideo(format: "BGR", width: Self.width, height: Self.height,
                                             framerate: Fraction(30, 1)))
            source.block = true
            source.maxBuffers = 4
            // A non-live appsrc cannot preroll until data arrives, so don't wait for PLAYING.
            let started = try pipeline.play(timeout: 0)
            for index in 0..<frames {
                let payload = FramePayload(count: Self.frameBytes, fill: UInt8(index * 8), counter: counter)
                try source.push(borrowing: payload.pointer, count: payload.count, owner: payload,
                                pts: Int64(index) * 1_000_000_000 / 30, duration: 1_000_000_000 / 30,
                                keyframe: true)
            }
            try source.endOfStream()
            let reachedEnd = try pipeline.waitForEndOfStream(timeout: eventCeiling)
            pipeline.stop()
            return (started, reachedEnd)
        }
        #expect(started == .async)
        #expect(reachedEnd)
        #expect(counter.value == frames)

        let discovered = try await onDedicatedThread { try Discovered.run(path) }
        #expect(discovered.width == Self.width, "\(discovered.output)")
        #expect(discovered.height == Self.height)
        let duration = try #require(discovered.durationNanoseconds)
        #expect(abs(duration - 1_000_000_000) < 50_000_000, "duration \(duration)")
    }

    @Test("the appsink receives the very memory the appsrc borrowed, and copies are pushed intact")
    func zeroCopyIdentity() async throws {
        let counter = ReleaseCounter()
        let pipeline = try Pipeline(description: "appsrc name=src ! appsink name=sink sync=false")
        let source = try pipeline.appSrc(named: "src")
        let sink = try pipeline.appSink(named: "sink")
        try source.setCaps("application/octet-stream")
        var payload: FramePayload? = FramePayload(count: 1000, fill: 7, counter: counter)
        weak let weakPayload = payload
        let address = payload!.pointer
        try await onDedicatedThread { [payload] in
            try pipeline.play(timeout: 0)
            try source.push(borrowing: payload!.pointer, count: 1000, owner: payload!, pts: 0, duration: nil, keyframe: nil)
            try source.push(bytes: [1, 2, 3, 4], pts: 1, duration: nil, keyframe: false)
            try source.endOfStream()
        }
        payload = nil
        do {
            let (first, second, end) = try await onDedicatedThread {
                (sink.pullSample(timeout: eventCeiling), sink.pullSample(timeout: eventCeiling), sink.pullSample(timeout: eventCeiling))
            }
            guard case let .sample(borrowed) = first, case let .sample(copied) = second else {
                Issue.record("expected two samples, got \(first) and \(second)")
                return
            }
            #expect(borrowed.bytes.baseAddress == UnsafeRawPointer(address))
            #expect(weakPayload != nil)  // the pulled sample still holds the buffer, so the owner lives
            #expect(Array(copied.bytes) == [1, 2, 3, 4])
            #expect(!copied.isKeyframe)
            #expect(copied.pts == 1)
            guard case .endOfStream = end else {
                Issue.record("expected end of stream, got \(end)")
                return
            }
        }
        try await onDedicatedThread { pipeline.stop() }
        #expect(counter.value == 1)
        #expect(weakPayload == nil)
    }

    @Test("pushing into a stopped pipeline throws flushing and still releases the owner")
    func pushWhileFlushing() async throws {
        let counter = ReleaseCounter()
        let pipeline = try Pipeline(description: "appsrc name=src ! fakesink")
        let source = try pipeline.appSrc(named: "src")
        // An appsrc that never ran queues pushes for later; one that was stopped refuses them.
        try await onDedicatedThread {
            try pipeline.play(timeout: 0)
            pipeline.stop()
        }
        let error = try #require(throws: GStreamerError.self) {
            let payload = FramePayload(count: 16, fill: 0, counter: counter)
            try source.push(borrowing: payload.pointer, count: payload.count, owner: payload,
                            pts: 0, duration: nil, keyframe: nil)
        }
        #expect(error.code == .flushing)
        #expect(error.message.contains("element 'src' (appsrc)"))
        #expect(counter.value == 1)
    }

    @Test("pushing after end of stream throws endOfStream")
    func pushAfterEndOfStream() async throws {
        let pipeline = try Pipeline(description: "appsrc name=src ! fakesink")
        let source = try pipeline.appSrc(named: "src")
        let (ended, error) = try await onDedicatedThread { () throws -> (Bool, GStreamerError?) in
            try pipeline.play(timeout: 0)
            try source.endOfStream()
            let ended = try pipeline.waitForEndOfStream(timeout: eventCeiling)
            do {
                try source.push(bytes: [0], pts: nil, duration: nil, keyframe: nil)
                return (ended, nil)
            } catch let error as GStreamerError {
                return (ended, error)
            }
        }
        #expect(ended)
        #expect(error?.code == .endOfStream)
        try await onDedicatedThread { pipeline.stop() }
    }

    @Test("appsrc queue settings")
    func properties() throws {
        let pipeline = try Pipeline(description: "appsrc name=src ! fakesink")
        let source = try pipeline.appSrc(named: "src")
        source.isLive = true
        source.block = true
        source.maxBytes = 1 << 20
        source.maxBuffers = 8
        source.maxTime = 2_000_000_000
        source.leakyType = .downstream
        #expect(source.isLive && source.block)
        #expect(source.maxBytes == 1 << 20)
        #expect(source.maxBuffers == 8)
        #expect(source.maxTime == 2_000_000_000)
        #expect(source.leakyType == .downstream)
        #expect(try source.element.propertyString("format") == "time")
        #expect(source.queuedBytes == 0)
        let error = try #require(throws: GStreamerError.self) { try source.setCaps("not caps,,") }
        #expect(error.code == .invalidCaps)
    }
}
