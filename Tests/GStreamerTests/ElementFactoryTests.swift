import Foundation
import MediaRouter
import GStreamer
import Testing

@Suite("Element factories", .gstreamerReady)
struct ElementFactoryTests {
    @Test("exists tells installed elements from unknown ones")
    func exists() {
        #expect(ElementFactory.exists("videotestsrc"))
        #expect(ElementFactory.exists("splitmuxsink"))
        #expect(!ElementFactory.exists("nosuchelement"))
    }

    @Test("make names the element and reports missing factories")
    func make() throws {
        let element = try ElementFactory.make("videotestsrc", name: "camera")
        #expect(element.name == "camera")
        #expect(element.factoryName == "videotestsrc")
        let error = try #require(throws: GStreamerError.self) { try ElementFactory.make("x265encc") }
        #expect(error.code == .missingElements)
        #expect(error.missingElements == ["x265encc"])
    }

    @Test("Debian packages for common elements")
    func debianPackages() {
        #expect(ElementFactory.debianPackage(forElement: "x264enc") == "gstreamer1.0-plugins-ugly")
        #expect(ElementFactory.debianPackage(forElement: "vp8enc") == "gstreamer1.0-plugins-good")
        #expect(ElementFactory.debianPackage(forElement: "avdec_h264") == "gstreamer1.0-libav")
        #expect(ElementFactory.debianPackage(forElement: "srtsink") == "gstreamer1.0-plugins-bad")
        #expect(ElementFactory.debianPackage(forElement: "v4l2src") == "gstreamer1.0-plugins-good")
        #expect(ElementFactory.debianPackage(forElement: "v4l2h264enc") == "gstreamer1.0-plugins-good")
        #expect(ElementFactory.debianPackage(forElement: "rtspsrc") == "gstreamer1.0-plugins-good")
        #expect(ElementFactory.debianPackage(forElement: "filesink") == "libgstreamer1.0-0")
        #expect(ElementFactory.debianPackage(forElement: "textoverlay") == "gstreamer1.0-x")
        #expect(ElementFactory.debianPackage(forElement: "nosuchelement") == nil)
    }

    /// Checks the table against the machine: plugin file from gst-inspect, owner from dpkg.
    @Test("the Debian package table agrees with gst-inspect-1.0 and dpkg on this machine",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/dpkg")))
    func debianPackagesMatchInstalledFiles() async throws {
        let elements = ["x264enc", "vp8enc", "avdec_h264", "srtsink", "v4l2src", "rtspsrc", "h264parse",
                        "matroskamux", "splitmuxsink", "mpegtsmux", "jpegenc", "videoconvert", "appsink", "queue"]
        let mismatches = try await onDedicatedThread {
            try elements.compactMap { element -> String? in
                guard ElementFactory.exists(element) else { return nil }
                let inspect = try shell("/usr/bin/gst-inspect-1.0", element)
                guard let file = inspect.split(separator: "\n").first(where: { $0.contains("Filename") })?
                    .split(separator: " ").last else { return "\(element): no Filename" }
                // Debian 12 merges /lib into /usr/lib, and dpkg knows the /usr path.
                let path = file.hasPrefix("/usr") ? String(file) : "/usr" + file
                let owner = try shell("/usr/bin/dpkg", "-S", path).split(separator: ":").first.map(String.init)
                let expected = ElementFactory.debianPackage(forElement: element)
                return owner == expected ? nil : "\(element): dpkg says \(owner ?? "?"), table says \(expected ?? "nil")"
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}

private func shell(_ executable: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
