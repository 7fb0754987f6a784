import Foundation
import MediaRouter
import GStreamer
import Testing
import TestSupport

@Suite("Recording with splitmuxsink", .gstreamerReady)
struct SplitMuxTests {
    /// A live source: with non-live sources GStreamer 1.22.0's splitmuxsink sometimes never
    /// posts EOS (observed in ~10–25% of gst-launch runs), so the test would be flaky.
    static func description(fragmentSeconds: Int) -> String {
        """
        videotestsrc is-live=true num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 ! jpegenc \
        ! splitmuxsink name=mux max-size-time=\(fragmentSeconds * 1_000_000_000) async-finalize=true \
        muxer-factory=matroskamux muxer-properties=properties,streamable=true
        """
    }

    @Test("format-location-full names each fragment; closed messages carry those names; files play")
    func namedFragments() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seen = LockedList<FragmentInfo>()
        let pipeline = try Pipeline(description: Self.description(fragmentSeconds: 1))
        let mux = try pipeline.requireElement(named: "mux")
        // splitmuxsink applies these with g_object_set_property, which cannot turn the string
        // "unbuffered" into filesink's enum (it logs a warning and ignores it); a number can be.
        try mux.setProperty("sink-properties", fromString: "properties,buffer-mode=2")
        let dir = directory.path
        try mux.connectFormatLocationFull { info in
            seen.append(info)
            return "\(dir)/camera-part\(info.fragmentID).mkv"
        }

        let (opened, closed, ended) = try await onDedicatedThread { () throws -> ([String], [[String: String]], Bool) in
            try pipeline.play()
            var opened: [String] = [], closed: [[String: String]] = []
            while let message = pipeline.bus.nextMessage(timeout: eventCeiling, types: [.element, .endOfStream, .error]) {
                switch message {
                case let .element(source, "splitmuxsink-fragment-opened", fields) where source == "mux":
                    opened.append(fields["location"] ?? "")
                case let .element(source, "splitmuxsink-fragment-closed", fields) where source == "mux":
                    closed.append(fields)
                case .endOfStream:
                    return (opened, closed, true)
                case let .error(source, message, _):
                    throw GStreamerError(code: .elementError, message: "\(source): \(message)")
                default:
                    continue
                }
            }
            return (opened, closed, false)
        }
        try await onDedicatedThread { pipeline.stop() }
        #expect(ended)

        let expected = (0..<3).map { "\(dir)/camera-part\($0).mkv" }
        #expect(opened == expected)
        #expect(closed.map { $0["location"] } == expected)
        #expect(closed.compactMap { $0["running-time"].flatMap(Int64.init) }.count == 3)
        let infos = seen.all
        #expect(infos.map(\.fragmentID) == [0, 1, 2])
        #expect(infos.allSatisfy { $0.firstSampleCaps?.hasPrefix("image/jpeg") == true })
        #expect(infos.compactMap(\.firstSamplePTS).count == 3)

        let discovered = try await onDedicatedThread { try expected.map(Discovered.run) }
        let demuxed = try await onDedicatedThread { try expected.map(Self.readFrames) }
        for ((path, result), frames) in zip(zip(expected, discovered), demuxed) {
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(result.width == 320 && result.height == 240, "\(path): \(result.output)")
            #expect(result.output.contains("JPEG"), "\(path): \(result.output)")
            // Fragments keep the recording's running time (the second starts near 1 s), so the
            // span of their timestamps, not their first timestamp, is one fragment long.
            #expect(frames.count == 30, "\(path)")
            #expect(frames.last - frames.first >= 900_000_000 && frames.last - frames.first < 1_000_000_000, "\(path)")
        }
        #expect(demuxed.map(\.first).elementsEqual(demuxed.map(\.first).sorted()))
    }

    /// Demuxes a recorded file with this module itself: frame count and PTS range.
    static func readFrames(_ path: String) throws -> (count: Int, first: Int64, last: Int64) {
        let pipeline = try Pipeline(description: "filesrc location=\(path) ! matroskademux ! appsink name=sink sync=false")
        let sink = try pipeline.appSink(named: "sink")
        try pipeline.play()
        var count = 0, first = Int64.max, last = Int64.min
        while case let .sample(sample) = sink.pullSample(timeout: eventCeiling) {
            count += 1
            first = min(first, sample.pts ?? .max)
            last = max(last, sample.pts ?? .min)
        }
        pipeline.stop()
        return (count, first, last)
    }

    @Test("the naming closure is released with the element, and on disconnect")
    func handlerRelease() throws {
        final class Capture: Sendable {}
        weak var connected: Capture?
        weak var disconnected: Capture?
        do {
            let mux = try ElementFactory.make("splitmuxsink")
            let first = Capture(), second = Capture()
            connected = first
            disconnected = second
            try mux.connectFormatLocation { [first] id in _ = first; return "a\(id).mkv" }
            let id = try mux.connectFormatLocation { [second] id in _ = second; return "b\(id).mkv" }
            mux.disconnect(id)
            mux.disconnect(id)  // harmless the second time
        }
        #expect(disconnected == nil)
        #expect(connected == nil)
    }

    @Test("elements without format-location refuse the handler")
    func wrongElement() throws {
        let sink = try ElementFactory.make("filesink", name: "out")
        let error = try #require(throws: GStreamerError.self) {
            try sink.connectFormatLocationFull { _ in nil }
        }
        #expect(error.code == .wrongElementType)
        #expect(error.message.contains("element 'out' (filesink) has no 'format-location-full' signal"))
    }
}
