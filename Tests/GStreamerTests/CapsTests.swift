import GStreamer
import Testing

@Suite("Caps", .gstreamerReady)
struct CapsTests {
    @Test("raw video caps text round-trips through GStreamer's parser")
    func rawVideo() throws {
        let text = Caps.rawVideo(format: "BGR", width: 642, height: 480, framerate: Fraction(30000, 1001))
        #expect(text == "video/x-raw,format=BGR,width=642,height=480,framerate=30000/1001")
        let caps = try Caps(text)
        #expect(caps.mediaType == "video/x-raw")
        #expect(caps.format == "BGR")
        #expect(caps.width == 642)
        #expect(caps.height == 480)
        #expect(caps.framerate == Fraction(30000, 1001))
        #expect(caps.isFixed)
        #expect(caps.structures.first?.fields["format"] == "BGR")
    }

    @Test("compressed formats are named after their media type")
    func compressed() throws {
        #expect(try Caps("image/jpeg,width=320,height=240").format == "JPEG")
        #expect(try Caps("video/x-h264,stream-format=byte-stream").format == "H264")
    }

    @Test("ranges and lists make caps unfixed and leave typed fields nil")
    func unfixed() throws {
        let caps = try Caps("video/x-raw,format={BGR,RGB},width=[1,100]; image/jpeg")
        #expect(!caps.isFixed)
        #expect(caps.width == nil)
        #expect(caps.structures.count == 2)
        #expect(caps.structures[1].name == "image/jpeg")
    }

    @Test("invalid caps are rejected")
    func invalid() throws {
        #expect(Caps.isValid("video/x-raw,width=320"))
        #expect(Caps.isValid("ANY"))
        #expect(!Caps.isValid("video/x-raw,,width="))
        // Structure names starting with a digit would make GStreamer log a CRITICAL.
        #expect(!Caps.isValid("1abc"))
        #expect(!Caps.isValid("video/x-raw; 9x"))
        #expect(Caps.isValid("video/x-raw,note=\"; 9\""))
        let error = try #require(throws: GStreamerError.self) { try Caps("video/x-raw,,width=") }
        #expect(error.code == .invalidCaps)
    }

    @Test("fractions parse n/d and bare integers")
    func fractions() {
        #expect(Fraction("30/1") == Fraction(30, 1))
        #expect(Fraction("25") == Fraction(25, 1))
        #expect(Fraction("1/0") == nil)
        #expect(Fraction("x/1") == nil)
        #expect(Fraction(30000, 1001).doubleValue > 29.97)
    }
}
