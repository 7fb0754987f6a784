import GStreamer
import Testing

@Suite("Setting properties from text", .gstreamerReady)
struct PropertyTests {
    @Test("an enum property takes a nick, and reads back as the nick")
    func enumByNick() throws {
        let source = try ElementFactory.make("videotestsrc")
        try source.setProperty("pattern", fromString: "ball")
        #expect(try source.propertyString("pattern") == "ball")
        try source.setProperty("pattern", 2)  // enums also accept their number
        #expect(try source.propertyString("pattern") == "black")
    }

    @Test("a flags property takes nicks joined with +")
    func flags() throws {
        let playbin = try ElementFactory.make("playbin")
        try playbin.setProperty("flags", fromString: "video+audio")
        let flags = try playbin.propertyString("flags")
        #expect(flags.contains("video") && flags.contains("audio") && !flags.contains("text"))
    }

    @Test("a caps property parses caps text")
    func caps() throws {
        let filter = try ElementFactory.make("capsfilter")
        try filter.setProperty("caps", fromString: "video/x-raw,format=BGR,width=320,height=240")
        let caps = try Caps(try filter.propertyString("caps"))
        #expect(caps.format == "BGR")
        #expect(caps.width == 320)
    }

    @Test("a fraction property parses n/d")
    func fraction() throws {
        let encoder = try ElementFactory.make("vp8enc")
        try encoder.setProperty("timebase", fromString: "1/90000")
        #expect(try encoder.propertyString("timebase") == "1/90000")
    }

    @Test("a structure property parses GStreamer structure text")
    func structure() throws {
        let splitmux = try ElementFactory.make("splitmuxsink")
        try splitmux.setProperty("muxer-properties", fromString: "properties,streamable=true")
        #expect(try splitmux.propertyString("muxer-properties").contains("streamable=(boolean)true"))
    }

    @Test("typed setters for integers, booleans, doubles and strings")
    func typedSetters() throws {
        let source = try ElementFactory.make("videotestsrc")
        try source.setProperty("num-buffers", 42)
        try source.setProperty("is-live", true)
        #expect(try source.propertyString("num-buffers") == "42")
        #expect(try source.propertyString("is-live") == "true")
        let splitmux = try ElementFactory.make("splitmuxsink")
        try splitmux.setProperty("max-size-time", UInt64(2_000_000_000))
        try splitmux.setProperty("mux-overhead", 0.05)
        try splitmux.setProperty("location", fromString: "/tmp/a b/\"quoted\" %05d.mkv")
        #expect(try splitmux.propertyString("max-size-time") == "2000000000")
        #expect(try splitmux.propertyString("location") == "/tmp/a b/\"quoted\" %05d.mkv")
    }

    @Test("an unknown property suggests the nearest name")
    func unknownProperty() throws {
        let source = try ElementFactory.make("videotestsrc", name: "camera")
        let error = try #require(throws: GStreamerError.self) {
            try source.setProperty("patern", fromString: "ball")
        }
        #expect(error.code == .noSuchProperty)
        #expect(error.message == "element 'camera' (videotestsrc) has no property 'patern'; did you mean 'pattern'?")
        #expect(error.validValues.contains("pattern"))
    }

    @Test("GObject accepts snake_case property names; near misses get a suggestion")
    func snakeCase() throws {
        let source = try ElementFactory.make("videotestsrc")
        try source.setProperty("num_buffers", 3)
        #expect(try source.propertyString("num-buffers") == "3")
        let error = try #require(throws: GStreamerError.self) { try source.setProperty("numbuffers", 3) }
        #expect(error.message.contains("did you mean 'num-buffers'?"))
    }

    @Test("a property with no near match lists every property")
    func unknownPropertyWithoutSuggestion() throws {
        let sink = try ElementFactory.make("fakesink")
        let error = try #require(throws: GStreamerError.self) { try sink.setProperty("zzzzzzzz", 1) }
        #expect(error.message.contains("its properties are: "))
        #expect(error.message.contains("sync"))
    }

    @Test("a bad enum value lists the valid nicks and suggests the nearest")
    func badEnumValue() throws {
        let source = try ElementFactory.make("videotestsrc", name: "camera")
        let error = try #require(throws: GStreamerError.self) {
            try source.setProperty("pattern", fromString: "zoneplate")
        }
        #expect(error.code == .invalidPropertyValue)
        #expect(error.message.hasPrefix("invalid value 'zoneplate' for property 'pattern' of element 'camera' (videotestsrc): expected one of smpte, snow, black"))
        #expect(error.message.contains("(GstVideoTestSrcPattern)"))
        #expect(error.message.hasSuffix("did you mean 'zone-plate'?"))
        #expect(error.validValues.contains("ball"))
    }

    @Test("a bad flags value lists the valid flag nicks")
    func badFlagsValue() throws {
        let playbin = try ElementFactory.make("playbin")
        let error = try #require(throws: GStreamerError.self) {
            try playbin.setProperty("flags", fromString: "video+nosuchflag")
        }
        #expect(error.code == .invalidPropertyValue)
        #expect(error.message.contains("joined with '+' from: video, audio, text"))
        #expect(error.validValues.contains("soft-volume"))
    }

    @Test("values of the wrong type or out of range name the expected type and range")
    func badScalarValues() throws {
        let source = try ElementFactory.make("videotestsrc")
        let notBoolean = try #require(throws: GStreamerError.self) { try source.setProperty("is-live", fromString: "maybe") }
        #expect(notBoolean.message.hasSuffix("expected true or false (gboolean)"))
        let notInteger = try #require(throws: GStreamerError.self) { try source.setProperty("num-buffers", fromString: "many") }
        #expect(notInteger.message.hasSuffix("expected an integer (gint) in range -1 - 2147483647"))
        let outOfRange = try #require(throws: GStreamerError.self) { try source.setProperty("num-buffers", -7) }
        #expect(outOfRange.code == .invalidPropertyValue)
        #expect(outOfRange.message.contains("in range -1 - 2147483647"))
        let filter = try ElementFactory.make("capsfilter")
        let notCaps = try #require(throws: GStreamerError.self) { try filter.setProperty("caps", fromString: "video/x-raw,,,=") }
        #expect(notCaps.message.contains("expected caps"))
        // Would make GStreamer log a CRITICAL if it reached the parser.
        let digitName = try #require(throws: GStreamerError.self) { try filter.setProperty("caps", fromString: "9video") }
        #expect(digitName.code == .invalidPropertyValue)
    }

    @Test("read-only properties cannot be set")
    func readOnlyProperty() throws {
        let sink = try ElementFactory.make("appsink")
        let error = try #require(throws: GStreamerError.self) { try sink.setProperty("eos", true) }
        #expect(error.code == .propertyNotWritable)
    }

    @Test("property names and types are listed")
    func introspection() throws {
        let source = try ElementFactory.make("videotestsrc")
        #expect(source.propertyNames.contains("pattern"))
        #expect(source.hasProperty("pattern"))
        #expect(!source.hasProperty("nope"))
        #expect(try source.propertyTypeName("pattern") == "GstVideoTestSrcPattern")
        #expect(source.typeName == "GstVideoTestSrc")
    }
}
