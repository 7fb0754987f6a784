import Foundation
import MediaRouter
import GStreamer
import Testing

@Suite("Pipeline state and bus")
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
        let message = pipeline.bus.nextMessage(timeout: 1, types: .error)
        guard case let .error(source, text, debug) = message else {
            Issue.record("expected an error message, got \(String(describing: message))")
            return
        }
        #expect(source == "out")
        #expect(text.contains("/proc/nope/x.mkv"))
        #expect(debug != nil)
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
        pipeline.stop()
        #expect(pipeline.currentState == .null)
    }

    @Test("live sources report no preroll when paused")
    func liveNoPreroll() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        let result = try await onDedicatedThread { try pipeline.pause() }
        #expect(result == .noPreroll)
        pipeline.stop()
    }

    @Test("state changes, position and running time are reported while playing")
    func stateChangesAndPosition() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! video/x-raw,framerate=30/1 ! fakesink name=sink")
        let (changes, position, runningTime) = try await onDedicatedThread {
            try pipeline.play()
            var changes: [BusMessage] = []
            while let message = pipeline.bus.nextMessage(timeout: 0.5, types: .stateChanged) {
                changes.append(message)
                if case .stateChanged(pipeline.name, _, .playing) = message { break }
            }
            Thread.sleep(forTimeInterval: 0.3)
            return (changes, pipeline.positionNanoseconds, pipeline.runningTimeNanoseconds)
        }
        #expect(changes.contains(.stateChanged(source: pipeline.name, old: .paused, new: .playing)))
        #expect(changes.contains(.stateChanged(source: "sink", old: .null, new: .ready)))
        #expect(pipeline.currentState == .playing)
        #expect(position.map { $0 > 0 } == true)
        #expect(runningTime.map { $0 >= 300_000_000 } == true)
        #expect(try await onDedicatedThread { try pipeline.finish(timeout: 5) })
        #expect(pipeline.currentState == .null)
    }

    @Test("interrupt wakes a reader blocked on the bus")
    func interruptWakesReader() async throws {
        let pipeline = try Pipeline(description: "fakesrc ! fakesink")
        async let message = onDedicatedThread { pipeline.bus.nextMessage(timeout: nil, types: .endOfStream) }
        try await Task.sleep(for: .milliseconds(100))
        pipeline.bus.interrupt()
        #expect(try await message == .interrupted)
    }

    @Test("interrupt wakes a reader even after the pipeline stopped and its bus drops messages")
    func interruptAfterStop() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        _ = try await onDedicatedThread { try pipeline.play() }
        pipeline.stop()
        async let message = onDedicatedThread { pipeline.bus.nextMessage(timeout: nil) }
        try await Task.sleep(for: .milliseconds(100))
        pipeline.bus.interrupt()
        #expect(try await message == .interrupted)
        pipeline.bus.interrupt()  // pending: the next read returns at once
        #expect(pipeline.bus.nextMessage(timeout: 5) == .interrupted)
    }

    @Test("a bus read times out when nothing is posted, and filters by type")
    func busTimeoutAndFilter() async throws {
        let pipeline = try Pipeline(description: "fakesrc ! fakesink")
        pipeline.bus.postApplicationMessage(name: "hello", fields: ["who": "world"])
        #expect(pipeline.bus.nextMessage(timeout: 0, types: .application)
                == .application(source: "", name: "hello", fields: ["who": "world"]))
        pipeline.bus.postApplicationMessage(name: "skipped")
        let started = ContinuousClock.now
        #expect(pipeline.bus.nextMessage(timeout: 0.2, types: .endOfStream) == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(190))
        #expect(pipeline.bus.nextMessage(timeout: 0, types: .all) == nil)  // "skipped" was discarded
    }

    @Test("end of stream on a running pipeline finalizes it")
    func sendEndOfStream() async throws {
        let pipeline = try Pipeline(description: "videotestsrc is-live=true ! fakesink")
        let (sent, ended) = try await onDedicatedThread {
            try pipeline.play()
            let sent = pipeline.sendEndOfStream()
            return (sent, try pipeline.waitForEndOfStream(timeout: 5))
        }
        #expect(sent)
        #expect(ended)
        pipeline.stop()
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
                _ = try failing.waitForEndOfStream(timeout: 5)
                return nil
            } catch let error as GStreamerError {
                return error
            }
        }
        #expect(error?.code == .elementError)
        #expect(error?.message.hasPrefix("typefind: ") == true, "\(String(describing: error))")
        failing.stop()
    }
}
