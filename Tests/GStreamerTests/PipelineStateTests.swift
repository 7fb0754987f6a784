import Foundation
import MediaRouter
import GStreamer
import Testing
import TestSupport

@Suite("Pipeline state and bus", .gstreamerReady)
struct PipelineStateTests {
    @Test("an unwritable output location fails at play time with the element's own message")
    func unwritableLocation() async throws {
        let pipeline = try Pipeline(description: """
            videotestsrc num-buffers=10 ! jpegenc ! matroskamux ! filesink name=out location=/proc/nope/x.mkv
            """)
        let error = try await onDedicatedThread { () -> GStreamerError? in
            do {
                try pipeline.play()
                return nil
            } catch let error as GStreamerError {
                return error
            }
        }
        let failure = try #require(error)
        #expect(failure.code == .stateChange)
        #expect(failure.message.hasPrefix("could not set pipeline '\(pipeline.name)' to PLAYING: out: Could not open file \"/proc/nope/x.mkv\" for writing"), "\(failure.message)")
        // The error is also on the bus for whoever reads it.
        let message = try await onDedicatedThread { pipeline.bus.nextMessage(timeout: eventCeiling, types: .error) }
        guard case let .error(source, text, debug) = message else {
            Issue.record("expected an error message, got \(String(describing: message))")
            return
        }
        #expect(source == "out")
        #expect(text.contains("/proc/nope/x.mkv"))
        #expect(debug != nil)
        try await onDedicatedThread { pipeline.stop() }
    }

    @Test("a state change that cannot complete times out with the states it is stuck between")
    func stateChangeTimeout() async throws {
        let pipeline = try Pipeline(description: "appsrc ! fakesink")
        let error = try await onDedicatedThread { () -> GStreamerError? in
            do {
                try pipeline.play(timeout: 0.2)
                return nil
            } catch let error as GStreamerError {
                return error
            }
        }
        #expect(error?.code == .stateChangeTimeout)
        #expect(error?.message.contains("did not reach PLAYING") == true)
        try await onDedicatedThread { pipeline.stop() }
        #expect(pipeline.currentState == .null)
    }

    @Test("live sources report no preroll when paused")
    func liveNoPreroll() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        let result = try await onDedicatedThread { try pipeline.pause() }
        #expect(result == .noPreroll)
        try await onDedicatedThread { pipeline.stop() }
    }

    @Test("state changes, position and running time are reported while playing")
    func stateChangesAndPosition() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! video/x-raw,framerate=30/1 ! fakesink name=sink")
        let beforePlay = ContinuousClock.now
        let changes = try await onDedicatedThread {
            try pipeline.play()
            var changes: [BusMessage] = []
            while let message = pipeline.bus.nextMessage(timeout: eventCeiling, types: .stateChanged) {
                changes.append(message)
                if case .stateChanged(pipeline.name, _, .playing) = message { break }
            }
            return changes
        }
        let sawPlaying = ContinuousClock.now
        #expect(changes.contains(.stateChanged(source: pipeline.name, old: .paused, new: .playing)))
        #expect(changes.contains(.stateChanged(source: "sink", old: .null, new: .ready)))
        #expect(pipeline.currentState == .playing)
        // Wait for the stream to advance rather than for a fixed time; the running time then
        // follows the clock: at least the time since PLAYING was reported, at most the time
        // since play() was called.
        #expect(await eventually { (pipeline.positionNanoseconds ?? 0) > 0 && (pipeline.runningTimeNanoseconds ?? 0) >= 300_000_000 },
                "position \(pipeline.positionNanoseconds ?? -1), running time \(pipeline.runningTimeNanoseconds ?? -1)")
        let atLeast = ContinuousClock.now - sawPlaying
        let runningTime = try #require(pipeline.runningTimeNanoseconds)
        let atMost = ContinuousClock.now - beforePlay
        let slack = Duration.milliseconds(5)
        #expect(.nanoseconds(runningTime) >= atLeast - slack && .nanoseconds(runningTime) <= atMost + slack,
                "running time \(Duration.nanoseconds(runningTime)) outside \(atLeast)...\(atMost)")
        #expect(try await onDedicatedThread { try pipeline.finish(timeout: eventCeiling) })
        #expect(pipeline.currentState == .null)
    }

    @Test("interrupt wakes a reader blocked on the bus")
    func interruptWakesReader() async throws {
        let pipeline = try Pipeline(description: "fakesrc ! fakesink")
        let reader = BlockedThread()
        async let message = onDedicatedThread {
            reader.enter()
            return pipeline.bus.nextMessage(timeout: nil, types: .endOfStream)
        }
        #expect(await eventually { reader.isBlocked }, "the reader blocks on the bus")
        pipeline.bus.interrupt()
        #expect(try await message == .interrupted)
    }

    @Test("interrupt wakes a reader even after the pipeline stopped and its bus drops messages")
    func interruptAfterStop() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        _ = try await onDedicatedThread { try pipeline.play() }
        try await onDedicatedThread { pipeline.stop() }
        let reader = BlockedThread()
        async let message = onDedicatedThread {
            reader.enter()
            return pipeline.bus.nextMessage(timeout: nil)
        }
        #expect(await eventually { reader.isBlocked }, "the reader blocks on the bus")
        pipeline.bus.interrupt()
        #expect(try await message == .interrupted)
        pipeline.bus.interrupt()  // pending: the next read returns at once
        #expect(pipeline.bus.nextMessage(timeout: 0) == .interrupted)
    }

    @Test("a bus read times out when nothing is posted, and filters by type")
    func busTimeoutAndFilter() async throws {
        let pipeline = try Pipeline(description: "fakesrc ! fakesink")
        pipeline.bus.postApplicationMessage(name: "hello", fields: ["who": "world"])
        #expect(pipeline.bus.nextMessage(timeout: 0, types: .application)
                == .application(source: "", name: "hello", fields: ["who": "world"]))
        pipeline.bus.postApplicationMessage(name: "skipped")
        // The timeout itself is under test: a read that waits 0.2 s, off the cooperative pool.
        let (timedOut, waited) = try await onDedicatedThread {
            let started = ContinuousClock.now
            return (pipeline.bus.nextMessage(timeout: 0.2, types: .endOfStream), ContinuousClock.now - started)
        }
        #expect(timedOut == nil)
        #expect(waited >= .milliseconds(190))
        #expect(pipeline.bus.nextMessage(timeout: 0, types: .all) == nil)  // "skipped" was discarded
    }

    @Test("end of stream on a running pipeline finalizes it")
    func sendEndOfStream() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        let (sent, ended) = try await onDedicatedThread {
            try pipeline.play()
            let sent = pipeline.sendEndOfStream()
            return (sent, try pipeline.waitForEndOfStream(timeout: eventCeiling))
        }
        #expect(sent)
        #expect(ended)
        try await onDedicatedThread { pipeline.stop() }
    }

    @Test("waiting for end of stream surfaces a streaming error")
    func streamingError() async throws {
        // Zeros have no recognizable type: typefind fails once data flows.
        let failing = try Pipeline(description: """
            fakesrc num-buffers=5 sizetype=fixed sizemax=4096 filltype=zero ! decodebin ! fakesink
            """)
        let error = try await onDedicatedThread { () -> GStreamerError? in
            do {
                try failing.play(timeout: 0)
                _ = try failing.waitForEndOfStream(timeout: eventCeiling)
                return nil
            } catch let error as GStreamerError {
                return error
            }
        }
        #expect(error?.code == .elementError)
        #expect(error?.message.hasPrefix("typefind: ") == true, "\(String(describing: error))")
        try await onDedicatedThread { failing.stop() }
    }
}
