import MediaRouter
import GStreamer
import Testing
import TestSupport

@Suite("Pulling frames from an appsink", .gstreamerReady)
struct AppSinkTests {
    @Test("N BGR frames arrive with size, format, caps and 1/30 s timestamps, then end of stream")
    func pullsBGRFrames() async throws {
        let count = 10
        let pipeline = try Pipeline(description: """
            videotestsrc num-buffers=\(count) ! video/x-raw,format=BGR,width=320,height=240,framerate=30/1 \
            ! appsink name=sink
            """)
        let sink = try pipeline.appSink(named: "sink")
        sink.sync = false
        let (samples, end) = try await onDedicatedThread {
            try pipeline.play()
            var samples: [VideoSample] = []
            while case let .sample(sample) = sink.pullSample(timeout: eventCeiling) {
                samples.append(sample)
            }
            return (samples, sink.pullSample(timeout: eventCeiling))
        }
        #expect(samples.count == count)
        guard case .endOfStream = end else {
            Issue.record("expected end of stream, got \(end)")
            return
        }
        for (index, sample) in samples.enumerated() {
            #expect(sample.count == 320 * 240 * 3)
            #expect(sample.format == "BGR")
            #expect(sample.width == 320 && sample.height == 240)
            #expect(sample.framerate == Fraction(30, 1))
            #expect(sample.caps.hasPrefix("video/x-raw"))
            #expect(sample.isKeyframe)
            #expect(sample.planeCount == 1)
            #expect(sample.stride(plane: 0) == 960)
            #expect(sample.isTightlyPacked)
            let expectedPTS = Int64(index) * 1_000_000_000 / 30
            #expect(sample.pts == expectedPTS)
            #expect(sample.duration.map { abs($0 - 33_333_333) <= 1 } == true)
        }
        #expect(sink.isEndOfStream)
        try await onDedicatedThread { pipeline.stop() }
    }

    @Test("BGR rows 642 pixels wide are padded to 1928 bytes, and the sample says so")
    func paddedRows() async throws {
        let pipeline = try Pipeline(description: """
            videotestsrc num-buffers=1 ! video/x-raw,format=BGR,width=642,height=10 ! appsink name=sink sync=false
            """)
        let sink = try pipeline.appSink(named: "sink")
        let result = try await onDedicatedThread {
            try pipeline.play()
            defer { pipeline.stop() }
            return sink.pullSample(timeout: eventCeiling)
        }
        guard case let .sample(sample) = result else {
            Issue.record("expected a sample, got \(result)")
            return
        }
        #expect(sample.stride(plane: 0) == 1928)
        #expect(sample.rowBytes(plane: 0) == 1926)
        #expect(!sample.isTightlyPacked)
        #expect(sample.count == 1928 * 10)
    }

    @Test("planar I420 reports three planes, tightly packed")
    func planarLayout() async throws {
        let pipeline = try Pipeline(description: """
            videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=320,height=240 ! appsink name=sink sync=false
            """)
        let sink = try pipeline.appSink(named: "sink")
        let result = try await onDedicatedThread {
            try pipeline.play()
            defer { pipeline.stop() }
            return sink.pullSample(timeout: eventCeiling)
        }
        guard case let .sample(sample) = result else {
            Issue.record("expected a sample, got \(result)")
            return
        }
        #expect(sample.planeCount == 3)
        #expect(sample.stride(plane: 1) == 160)
        #expect(sample.offset(plane: 1) == 320 * 240)
        #expect(sample.offset(plane: 2) == 320 * 240 + 160 * 120)
        #expect(sample.isTightlyPacked)
        #expect(sample.count == 320 * 240 * 3 / 2)
    }

    @Test("JPEG samples report their format and no planes")
    func jpegSamples() async throws {
        let pipeline = try Pipeline(description: """
            videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240,framerate=30/1 ! jpegenc \
            ! appsink name=sink sync=false
            """)
        let sink = try pipeline.appSink(named: "sink")
        let result = try await onDedicatedThread {
            try pipeline.play()
            defer { pipeline.stop() }
            return sink.pullSample(timeout: eventCeiling)
        }
        guard case let .sample(sample) = result else {
            Issue.record("expected a sample, got \(result)")
            return
        }
        #expect(sample.format == "JPEG")
        #expect(sample.width == 320)
        #expect(sample.planeCount == 0)
        #expect(sample.stride(plane: 0) == nil)
        // JPEG's start-of-image marker: the bytes are the encoded frame itself.
        #expect(Array(sample.bytes.prefix(2)) == [0xFF, 0xD8])
    }

    @Test("a sample's bytes stay valid after its pipeline is torn down")
    func sampleOutlivesPipeline() async throws {
        let (sample, copy) = try await onDedicatedThread { () throws -> (VideoSample, [UInt8]) in
            let pipeline = try Pipeline(description: """
                videotestsrc num-buffers=5 pattern=snow ! video/x-raw,format=BGR,width=320,height=240 \
                ! appsink name=sink sync=false
                """)
            let sink = try pipeline.appSink(named: "sink")
            try pipeline.play()
            guard case let .sample(sample) = sink.pullSample(timeout: eventCeiling) else {
                throw GStreamerError(code: .timeout, message: "no sample")
            }
            return (sample, Array(sample.bytes))
        }
        // The pipeline is gone (set to NULL and released when the closure returned); churn
        // the allocator so freed memory would be reused and differ.
        let churn = (0..<64).map { _ in [UInt8](repeating: 0xAB, count: 320 * 240 * 3) }
        #expect(churn.count == 64)
        #expect(Array(sample.bytes) == copy)
    }

    @Test("a pull times out while no frames flow")
    func timeout() async throws {
        let pipeline = try Pipeline(description: "videotestsrc ! video/x-raw,width=64,height=48 ! appsink name=sink")
        let sink = try pipeline.appSink(named: "sink")
        let result = try await onDedicatedThread {
            // PAUSED prerolls one frame but releases none to pull_sample.
            try pipeline.pause()
            defer { pipeline.stop() }
            return sink.pullSample(timeout: 0.2)
        }
        guard case .timeout = result else {
            Issue.record("expected a timeout, got \(result)")
            return
        }
    }

    @Test("stopping the pipeline wakes a pull blocked without a timeout")
    func stopWakesBlockedPull() async throws {
        let pipeline = try Pipeline(description: "videotestsrc ! video/x-raw,width=64,height=48 ! appsink name=sink")
        let sink = try pipeline.appSink(named: "sink")
        _ = try await onDedicatedThread { try pipeline.pause() }
        let puller = BlockedThread()
        async let pulled = onDedicatedThread {
            puller.enter()
            return sink.pullSample(timeout: nil)
        }
        #expect(await eventually { puller.isBlocked }, "the pull blocks")
        try await onDedicatedThread { pipeline.stop() }
        let result = try await pulled
        guard case .flushing = result else {
            Issue.record("expected flushing, got \(result)")
            return
        }
    }

    @Test("appsink properties can be configured")
    func properties() throws {
        let pipeline = try Pipeline(description: "videotestsrc ! appsink name=sink emit-signals=true")
        let sink = try pipeline.appSink(named: "sink")
        #expect(!sink.emitsSignals)  // turned off on wrap: frames are pulled
        sink.maxBuffers = 2
        sink.drop = true
        sink.sync = false
        #expect(sink.maxBuffers == 2)
        #expect(sink.drop)
        #expect(!sink.sync)
    }
}
