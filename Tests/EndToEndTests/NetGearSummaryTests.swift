import Foundation
import MediaRouter
import Testing
import TestSupport

/// The run summary's MB column shows, for netgear.send, the bytes it put on the wire (JPEG),
/// not the raw frames it took in.
@Suite("NetGear summary")
struct NetGearSummaryTests {
    @Test func senderMegabytesAreTheBytesSent() throws {
        let dir = TestPaths.temporaryDirectory("ng-summary")
        let path = dir + "/g.yaml"
        let stats = dir + "/stats.json"
        try """
            nodes:
              cam: {kind: frame.generate, width: 640, height: 480, framerate: 0, count: 40}
              tx:
                kind: netgear.send
                input: {node: cam, queue: {size: 8, policy: block}}
                pattern: 2
                bind: 'tcp://127.0.0.1:*'
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try runProcess(TestPaths.binary, ["run", path, "--stats-file", stats], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("tx ") }, "\(r.stdout)")
        let columns = row.split(separator: " ", omittingEmptySubsequences: true)
        let mb = try #require(columns.count > 7 ? Double(columns[7]) : nil, "\(row)")
        let doc = try #require(readStatsFile(stats))
        let sent = try #require(doc["nodes"]?["tx"]?["bytes_out"]?.intValue)
        let taken = try #require(doc["nodes"]?["tx"]?["bytes_in"]?.intValue)
        #expect(taken == 40 * 640 * 480 * 3, "the raw frames taken in")
        #expect(sent > 0 && sent < taken / 4, "JPEG is much smaller than raw: \(sent) of \(taken)")
        #expect(String(format: "%.1f", mb) == String(format: "%.1f", Double(sent) / 1e6), "MB \(mb), bytes sent \(sent): \(row)")
    }
}
