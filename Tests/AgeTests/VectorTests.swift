import Crypto
import Foundation
import Testing
@testable import Age

/// The C2SP CCTV age test vectors (Tests/AgeTests/testdata, see its README): every vector of
/// the parts we implement (X25519, header, stanza, HMAC, STREAM) gives the outcome it names.
struct VectorTests {
    struct Vector {
        var name: String
        var expect: String
        var payloadHash: String
        var identities: [String]
        var compressed: Bool
        var file: [UInt8]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata").path

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0 != "README.md" }.sorted()
    }

    static func load(_ name: String) throws -> Vector {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
        var offset = 0
        var fields: [(String, String)] = []
        while true {
            let end = bytes[offset...].firstIndex(of: 0x0A)!
            let line = String(decoding: bytes[offset..<end], as: UTF8.self)
            offset = end + 1
            if line.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            fields.append((parts[0], parts.count > 1 ? parts[1] : ""))
        }
        var file = Array(bytes[offset...])
        let compressed = fields.contains { $0 == ("compressed", "zlib") }
        if compressed { file = try inflate(file) }
        return Vector(name: name, expect: fields.first { $0.0 == "expect" }!.1,
                      payloadHash: fields.first { $0.0 == "payload" }?.1 ?? "",
                      identities: fields.filter { $0.0 == "identity" }.map(\.1), compressed: compressed, file: file)
    }

    /// zlib, through Python's zlib module (Foundation on Linux has no inflate).
    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = NSTemporaryDirectory() + "age-vector-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/in"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import sys,zlib; open(sys.argv[2],'wb').write(zlib.decompress(open(sys.argv[1],'rb').read()))",
                             folder + "/in", folder + "/out"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/out")))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func vectorsArePresent() {
        #expect(Self.names.count >= 60)
    }

    @Test(arguments: VectorTests.names)
    func vector(_ name: String) throws {
        let v = try Self.load(name)
        let identities = try v.identities.map { try X25519Identity($0) }
        var released: [UInt8] = []
        let outcome: Result<PayloadOutcome, AgeFormatError>
        do {
            let reader = try AgeReader(input: ByteInput(bytes: v.file), identities: identities)
            outcome = .success(try reader.decrypt { released += $0 })
        } catch let error as AgeFormatError {
            outcome = .failure(error)
        }
        switch (v.expect, outcome) {
        case ("success", .success(let o)):
            #expect(o.isComplete, "\(name): \(o)")
            #expect(Self.hex(SHA256.hash(data: released)) == v.payloadHash, "\(name)")
        case ("payload failure", .success(let o)):
            #expect(!o.isComplete, "\(name): \(o)")
            #expect(Self.hex(SHA256.hash(data: released)) == v.payloadHash, "\(name): \(o) released \(released.count) bytes")
        case ("no match", .failure(let e)):
            guard case .noMatch = e else { Issue.record("\(name): \(e)"); return }
        case ("HMAC failure", .failure(let e)):
            #expect(e == .headerMACMismatch, "\(name)")
        case ("header failure", .failure(let e)):
            switch e {
            case .malformedHeader, .truncatedHeader: break
            default: Issue.record("\(name): \(e)")
            }
        default:
            Issue.record("\(name): expected \(v.expect), got \(outcome)")
        }
    }
}
