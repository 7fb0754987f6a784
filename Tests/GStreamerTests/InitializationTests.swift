import GStreamer
import MediaRouter
import Testing

@Suite("Initialization")
struct InitializationTests {
    @Test("initialize is idempotent and safe from many threads at once")
    func initializeConcurrently() async throws {
        // Eight threads of their own: initializing loads the plugin registry, which blocks.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try await onDedicatedThread { try GStreamer.initialize() } }
            }
            try await group.waitForAll()
        }
        try GStreamer.initialize()
    }

    @Test("version reports the runtime library, at least 1.22")
    func version() async throws {
        try await onDedicatedThread { try GStreamer.initialize() }
        let version = GStreamer.version
        #expect(version >= GStreamer.Version(major: 1, minor: 22, micro: 0))
        #expect(version.description.hasPrefix("1."))
    }
}
