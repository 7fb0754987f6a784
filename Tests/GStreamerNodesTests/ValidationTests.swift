import Foundation
import GStreamer
import MediaRouter
import Testing
import TestSupport

extension GStreamerNodeTests {
    /// Every mistake in a GStreamer node's options is found when the graph is checked, before
    /// anything runs, with the line and column of the option at fault.
    @Suite("validation of GStreamer nodes")
    struct ValidationTests {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var yaml: String
            var line: Int
            var column: Int
            var message: String
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "bad source description", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc ! ! videoconvert
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 4, column: 13, message: "option 'source' of gst.capture: syntax error"),
            Case(name: "element that does not exist", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsorce is-live=true
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 4, column: 13,
                message: "option 'source' of gst.capture: no GStreamer element 'videotestsorce' is installed (gst-inspect-1.0 lists the ones that are)"),
            Case(name: "a source that gives no video", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    source: audiotestsrc
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 4, column: 13, message: "option 'source' of gst.capture: could not link audiotestsrc to convert; the source must give raw video (end it with a decoder such as jpegdec or decodebin if it gives compressed video)"),
            Case(name: "unknown property", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    properties:
                      is-live: true
                      patern: ball
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 5, column: 7,
                message: "option 'properties' of gst.capture: element 'videotestsrc' has no property 'patern'; did you mean 'pattern'?"),
            Case(name: "bad enum value lists the valid values", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    properties: {pattern: balll}
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 4, column: 17,
                message: "option 'properties' of gst.capture: invalid value 'balll' for property 'pattern' of element 'videotestsrc': expected one of smpte, snow, black, white, red, green, blue, checkers-1, checkers-2, checkers-4, checkers-8, circular, blink, smpte75, zone-plate, gamut, chroma-zone-plate, solid-color, ball, smpte100, bar, pinwheel, spokes, gradient, colors, smpte-rp-219 (GstVideoTestSrcPattern); did you mean 'ball'?"),
            Case(name: "property of a named element", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc ! videobalance name=bal
                    properties:
                      bal.saturation: lots
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 6, column: 7,
                message: "option 'properties' of gst.capture: invalid value 'lots' for property 'saturation' of element 'bal' (videobalance): expected a number (gdouble) in range"),
            Case(name: "two sources", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc
                    rtsp: rtsp://127.0.0.1/cam
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 5, column: 11,
                message: "give only one of source, device, uri, file, rtsp: 'rtsp' and 'source' are both given"),
            Case(name: "missing file", yaml: """
                nodes:
                  cam:
                    kind: gst.capture
                    file: no-such-clip.mkv
                  out:
                    kind: frame.discard
                    input: cam
                """, line: 4, column: 11, message: "option 'file' of gst.capture: file not found: /nonexistent/no-such-clip.mkv"),
            Case(name: "transform fragment that does not give raw video", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  t:
                    kind: gst.transform
                    input: cam
                    pipeline: jpegenc
                  out:
                    kind: frame.discard
                    input: t
                """, line: 7, column: 15,
                message: "option 'pipeline' of gst.transform: could not link jpegenc to convert; the fragment must take raw video and give raw video"),
            Case(name: "transform with a bad property value", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  t:
                    kind: gst.transform
                    input: cam
                    pipeline: videoflip
                    properties:
                      method: sideways
                  out:
                    kind: frame.discard
                    input: t
                """, line: 9, column: 7,
                message: "option 'properties' of gst.transform: invalid value 'sideways' for property 'method' of element 'videoflip': expected one of none, clockwise"),
            Case(name: "output with an unknown property in its description", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  out:
                    kind: gst.output
                    input: cam
                    sink: fakesink silnt=true
                """, line: 7, column: 11, message: "option 'sink' of gst.output: no property \"silnt\" in element \"fakesink\""),
            Case(name: "mjpeg in mp4", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  rec:
                    kind: gst.record
                    input: cam
                    path: clip.mp4
                    codec: mjpeg
                """, line: 8, column: 12,
                message: "option 'codec' of gst.record: mjpeg can only be recorded in mkv (mp4mux cannot hold JPEG); use container: mkv, or codec: h264"),
            Case(name: "vp8 in ts", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  rec:
                    kind: gst.record
                    input: cam
                    container: ts
                    codec: vp8
                """, line: 8, column: 12,
                message: "option 'codec' of gst.record: vp8 can only be recorded in mkv (mpegtsmux cannot hold VP8); use container: mkv, or codec: h264"),
            Case(name: "container and file name disagree", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  rec:
                    kind: gst.record
                    input: cam
                    path: rec/cam-%H%M%S.mkv
                    container: mp4
                """, line: 7, column: 11, message: "option 'path' of gst.record: the file name ends in .mkv but container is mp4"),
            Case(name: "recorder encoder property", yaml: """
                nodes:
                  cam:
                    kind: frame.generate
                  rec:
                    kind: gst.record
                    input: cam
                    properties: {x264enc.bframes: 2, threds: 1}
                """, line: 7, column: 17,
                message: "option 'properties' of gst.record: element 'x264enc' has no property 'threds'; did you mean 'threads'?"),
        ]

        @Test(arguments: cases)
        func locatedError(_ c: Case) {
            let errors = diagnostics(c.yaml, baseDirectory: "/nonexistent").filter { $0.severity == .error }
            let match = errors.first { $0.message.hasPrefix(c.message) }
            #expect(match != nil, "expected an error starting \"\(c.message)\", got: \(errors.map(\.description))")
            if let match {
                #expect(match.description.hasPrefix("g.yaml:\(c.line):\(c.column): "), "\(match.description)")
            }
            #expect(errors.count == 1, "\(errors.map(\.description))")
        }

        @Test("a missing element names the Debian package to install")
        func missingElementNamesPackage() throws {
            // Elements the wrapper knows the package of, that a headless test machine usually
            // lacks; the first one missing here is used.
            let candidates = ["textoverlay", "ximagesink", "glimagesink", "alsasrc", "pipewiresrc", "rtspclientsink"]
            guard let element = candidates.first(where: { !ElementFactory.exists($0) }),
                  let package = ElementFactory.debianPackage(forElement: element) else { return }
            let errors = diagnostics("""
                nodes:
                  cam:
                    kind: gst.capture
                  t:
                    kind: gst.transform
                    input: cam
                    pipeline: videoconvert ! \(element)
                  out:
                    kind: frame.discard
                    input: t
                """)
            #expect(errors.map(\.description) == ["g.yaml:7:15: option 'pipeline' of gst.transform: \(element) is missing: apt-get install \(package)"])
        }

        @Test("valid options pass, and a missing camera is only a warning")
        func validGraphs() {
            let ds = diagnostics("""
                nodes:
                  cam:
                    kind: gst.capture
                    device: /dev/video-not-plugged-in
                    width: 640
                    height: 480
                    framerate: 30000/1001
                    format: JPEG
                    properties: {v4l2src.io-mode: mmap}
                  cam2:
                    kind: gst.capture
                    uri: rtsp://127.0.0.1:8554/cam
                    properties: {latency: 0}
                  flip:
                    kind: gst.transform
                    input: cam2
                    pipeline: videoflip method=clockwise ! videobalance saturation=0
                    properties: {video-direction: identity}
                  show:
                    kind: gst.output
                    input: flip
                    sink: x264enc name=enc ! rtph264pay ! udpsink host=127.0.0.1 port=5000
                    properties: {host: 127.0.0.2, enc.bitrate: 500}
                  rec:
                    kind: gst.record
                    input: cam
                    path: rec/%Y/%m/{node}-%d-%H%M%S.mp4
                    segment_duration: 10m
                    max_files: 10
                    max_age: 7d
                    max_total_size: 10GB
                  rec2:
                    kind: gst.record
                    input: flip
                    container: ts
                    properties: {speed-preset: veryfast}
                """)
            #expect(ds.filter { $0.severity == .error }.isEmpty, "\(ds.map(\.description))")
            #expect(ds.map(\.description).contains("g.yaml:4:13: warning: camera /dev/video-not-plugged-in does not exist (yet); the node will keep retrying"))
        }
    }
}
