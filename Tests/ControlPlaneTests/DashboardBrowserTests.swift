import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// The dashboard in real headless Chromium, driven by selenium: it loads with no console
/// error, its counters move, a NetGear sender's card lists its client by name and key
/// fingerprint, and the live preview changes between two screenshots. The
/// screenshots stay in .build/artifacts/dashboard/ as test artifacts.
@Suite("Control plane dashboard in Chromium")
struct DashboardBrowserTests {
    @Test func dashboardLoadsCountsAndPreviews() async throws {
        let python = try #require(TestPaths.python, "the test venv is missing: run scripts/setup-python (selenium)")
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "run scripts/install-deps (chromium, chromium-driver)")
        // An IronHouse sender with one connected client, whose card lists it by name and key.
        let ih = try IronHouseKeys("cp-browser", clients: ["viewer"])
        let (server, bundle, viewer) = (ih.server, ih.bundles["viewer"]!, ih.pairs["viewer"]!)
        let port = freePort()
        let s = try await LiveServer.start("""
            name: browser
            nodes:
              cam: {kind: frame.generate, width: 640, height: 360, framerate: 15}
              out: {kind: frame.discard, input: cam}
              tx: {kind: netgear.send, input: cam, pattern: 2, secure_mode: 2, custom_cert_location: \(server), bind: "tcp://127.0.0.1:\(port)"}
              rx: {kind: netgear.receive, pattern: 2, secure_mode: 2, custom_cert_location: \(bundle), connect: "tcp://127.0.0.1:\(port)"}
              seen: {kind: frame.discard, input: rx}
            """)
        let artifacts = TestPaths.root + "/.build/artifacts/dashboard"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let script = TestPaths.root + "/Tests/ControlPlaneTests/Browser/dashboard_check.py"
        let r = try await run(python, [script, s.url("/"), s.read, "cam", artifacts, String(Int(eventCeiling)), "tx"], timeout: 120)
        let line = try #require(r.stdout.split(separator: "\n").last, "no result: \(r.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        #expect(result["ok"] as? Bool == true, "\(result["error"] ?? "") console: \(result["console"] ?? "")")
        #expect(result["address_after_login"] as? String == s.url("/"), "the token stays in the address bar")
        #expect((result["console_errors"] as? [String])?.isEmpty == true, "\(result["console_errors"] ?? "")")
        let frames = result["frames"] as? [String] ?? []
        #expect(frames.count == 2 && frames[0] != frames[1], "\(frames)")
        #expect(result["preview_changed"] as? Bool == true)
        let peers = result["peers"] as? [String] ?? []
        #expect(peers.count == 1 && peers[0].contains("viewer") && peers[0].contains(viewer.publicKey.fingerprint), "\(peers)")
        #expect(FileManager.default.fileExists(atPath: artifacts + "/dashboard.png"))
        #expect(await s.stop())
    }
}
