import MediaRouter
import GStreamer
import Testing
import TestSupport

@Suite("Parsing pipeline descriptions", .gstreamerReady)
struct PipelineParseTests {
    @Test("a missing element is named in the error")
    func missingElement() throws {
        let error = try #require(throws: GStreamerError.self) {
            try Pipeline(description: "videotestsrc ! nosuchelement ! fakesink")
        }
        #expect(error.code == .missingElements)
        #expect(error.missingElements == ["nosuchelement"])
        #expect(error.message.contains("nosuchelement"))
    }

    @Test("every missing element is listed, in order")
    func severalMissingElements() throws {
        let error = try #require(throws: GStreamerError.self) {
            try Pipeline(description: "nosuchsrc ! videoconvert ! nosuchfilter ! fakesink")
        }
        #expect(error.missingElements == ["nosuchsrc", "nosuchfilter"])
    }

    @Test("a missing element with a known Debian package says which package to install")
    func missingElementPackageHint() throws {
        // NVIDIA's encoder is registered only with an NVIDIA GPU, so it is missing on CI boxes.
        try #require(!ElementFactory.exists("nvh264enc"))
        let error = try #require(throws: GStreamerError.self) {
            try Pipeline.check(description: "videotestsrc ! nvh264enc ! fakesink")
        }
        #expect(error.missingElements == ["nvh264enc"])
        #expect(error.message.contains("gstreamer1.0-plugins-bad"))
    }

    @Test("a syntax error carries GStreamer's parse error text")
    func syntaxError() throws {
        let error = try #require(throws: GStreamerError.self) {
            try Pipeline(description: "videotestsrc ! ! fakesink")
        }
        #expect(error.code == .parse)
        #expect(error.missingElements.isEmpty)
        #expect(error.message.contains("syntax error") || error.message.contains("empty"))
    }

    @Test("an unknown property in a description is a parse error naming it")
    func unknownPropertyInDescription() throws {
        let error = try #require(throws: GStreamerError.self) {
            try Pipeline.check(description: "videotestsrc nosuchprop=1 ! fakesink")
        }
        #expect(error.code == .parse)
        #expect(error.message.contains("nosuchprop"))
    }

    @Test("check parses without playing and lists the elements")
    func checkListsElements() throws {
        let result = try Pipeline.check(description: "videotestsrc name=camera ! videoconvert ! appsink name=sink")
        let names = Set(result.elements.map(\.name))
        #expect(names.isSuperset(of: ["camera", "sink"]))
        #expect(result.elements.first { $0.name == "camera" }?.factoryName == "videotestsrc")
        #expect(result.elements.count == 3)
    }

    @Test("check does not open files: an unwritable location passes until play time")
    func checkDoesNotOpenResources() throws {
        try Pipeline.check(description: "videotestsrc ! filesink location=/proc/nope/x.mkv")
    }

    @Test("a description whose top level is one bin still becomes a pipeline with a bus")
    func singleBin() async throws {
        let pipeline = try Pipeline(description: "( fakesrc num-buffers=3 ! fakesink )")
        let reachedEnd = try await onDedicatedThread {
            try pipeline.play()
            defer { pipeline.stop() }
            return try pipeline.waitForEndOfStream(timeout: eventCeiling)
        }
        #expect(reachedEnd)
    }

    @Test("elements are found by name, with a did-you-mean for typos")
    func elementLookup() throws {
        let pipeline = try Pipeline(description: "videotestsrc name=camera ! fakesink name=sink")
        #expect(pipeline.element(named: "camera")?.factoryName == "videotestsrc")
        #expect(pipeline.element(named: "nope") == nil)
        let error = try #require(throws: GStreamerError.self) { try pipeline.requireElement(named: "camra") }
        #expect(error.code == .noSuchElement)
        #expect(error.message.contains("did you mean 'camera'"))
    }

    @Test("asking for an appsink or appsrc by the name of another element fails clearly")
    func wrongElementType() throws {
        let pipeline = try Pipeline(description: "videotestsrc name=camera ! fakesink name=sink")
        let sinkError = try #require(throws: GStreamerError.self) { try pipeline.appSink(named: "sink") }
        #expect(sinkError.code == .wrongElementType)
        #expect(sinkError.message == "element 'sink' (fakesink) is not an appsink")
        let sourceError = try #require(throws: GStreamerError.self) { try pipeline.appSrc(named: "camera") }
        #expect(sourceError.code == .wrongElementType)
    }
}
