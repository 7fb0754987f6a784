import Testing
import GStreamer

@Test func version() { #expect(GStreamerProbe.version().hasPrefix("1.")) }
