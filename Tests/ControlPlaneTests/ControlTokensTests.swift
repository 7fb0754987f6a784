@testable import ControlPlane
import Foundation
import MediaRouter
import Testing

@Suite("Control plane tokens")
struct ControlTokensTests {
    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "tokens-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func firstStartMakesAPrivateFileWithOneAdminAndOneReadToken() throws {
        let path = try tempDir() + "/control-tokens"
        let tokens = try ControlTokens(path: path)
        #expect(tokens.created)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o600)
        #expect(tokens.entries.map(\.role) == [.admin, .read])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 2)
        let admin = try #require(tokens.firstToken(.admin))
        let read = try #require(tokens.firstToken(.read))
        #expect(admin.count == 64 && read.count == 64 && admin != read)
        #expect(tokens.role(of: admin) == .admin)
        #expect(tokens.role(of: read) == .read)
        #expect(tokens.role(of: String(admin.dropLast())) == nil)
        #expect(tokens.role(of: admin + "0") == nil)
        #expect(tokens.role(of: "") == nil)
        // A second start reads the same file.
        let again = try ControlTokens(path: path)
        #expect(!again.created)
        #expect(again.role(of: admin) == .admin)
    }

    @Test func addedLinesAreReadWithoutARestart() throws {
        let path = try tempDir() + "/t"
        let tokens = try ControlTokens(path: path)
        let extra = "viewer-token-for-the-wall-screen"
        #expect(tokens.role(of: extra) == nil)
        let text = try String(contentsOfFile: path, encoding: .utf8) + "# the wall screen\nread \(extra)\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(tokens.refresh() == nil)
        #expect(tokens.role(of: extra) == .read)
    }

    @Test func aBrokenEditKeepsTheLastGoodTokens() throws {
        let path = try tempDir() + "/t"
        let tokens = try ControlTokens(path: path)
        let admin = try #require(tokens.firstToken(.admin))
        try "admin\n".write(toFile: path, atomically: true, encoding: .utf8)
        let problem = try #require(tokens.refresh())
        #expect(problem.message.contains("\(path):1:1"))
        #expect(tokens.role(of: admin) == .admin)
    }

    @Test func badLinesAreLocated() {
        let text = "# comment\n\nadmin short\nowner 0123456789abcdef0123\nread a b\n  read 0123456789abcdef0123\n"
        #expect {
            try ControlTokens.parse(text, file: "f")
        } throws: { error in
            let m = "\(error)"
            return m.contains("f:3:7: the admin token is too short") && m.contains("f:4:1: unknown role 'owner'")
                && m.contains("f:5:1: expected 'ROLE TOKEN'") && !m.contains("f:6")
        }
    }

    @Test func anEmptyFileIsAnError() {
        #expect(throws: RouterError.self) { try ControlTokens.parse("# nothing\n", file: "f") }
    }

    @Test func constantTimeComparison() {
        #expect(ControlTokens.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ControlTokens.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ControlTokens.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ControlTokens.constantTimeEqual([], Array("a".utf8)))
    }

    @Test func aMissingFolderIsAnError() {
        #expect(throws: RouterError.self) { try ControlTokens(path: "/nonexistent-\(UUID().uuidString)/tokens") }
    }
}
