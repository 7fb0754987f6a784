import Foundation
import MediaRouter
import Testing

/// The loader's resource claims, with a plugin of the test's own: any kind may declare what its
/// nodes hold exclusively, and two nodes claiming it is a located error on the second.
@Suite("Resource claims")
struct ResourceClaimTests {
    /// `test.holder`: holds the resource named by `holds`, on `scope` (or everywhere).
    struct HolderPlugin: NodePlugin {
        static let kind = "test.holder"
        static let summary = "holds a named resource"
        static let role = NodeRole.source
        static let options: [OptionSpec] = [
            OptionSpec("holds", .string, doc: "resource"),
            OptionSpec("scope", .string, doc: "scope; everywhere when not given"),
        ]
        static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }
        static func claims(_ options: NodeOptions) -> [ResourceClaim] {
            guard let what = options.string("holds") else { return [] }
            return [ResourceClaim(resource: what, scope: options.string("scope"), use: "holds \(what)", location: options.location(of: "holds"))]
        }
        static func make(_ context: NodeContext) throws -> any Node { fatalError("not run") }
    }

    struct SinkPlugin: NodePlugin {
        static let kind = "test.sink"
        static let summary = "takes anything"
        static let role = NodeRole.sink
        static let options: [OptionSpec] = []
        static func make(_ context: NodeContext) throws -> any Node { fatalError("not run") }
    }

    let loader = GraphLoader(registry: NodeRegistry(plugins: [HolderPlugin.self, SinkPlugin.self], converters: []))

    func errors(_ nodes: String) -> [Diagnostic] {
        loader.load(text: "nodes:\n" + nodes + "  out: {kind: test.sink, inputs: [a, b]}\n", file: "g.yaml").diagnostics.errors
    }

    @Test func secondClaimIsTheError() throws {
        let e = errors("  a: {kind: test.holder, holds: lamp}\n  b: {kind: test.holder, holds: lamp}\n")
        #expect(e.count == 1, "\(e)")
        #expect(e.first?.location.line == 3 && e.first?.location.column == 33, "\(e)")
        #expect(e.first?.message == "node 'b' holds lamp, but node 'a' (g.yaml:2:33) already holds lamp: only one of them can have lamp", "\(e)")
    }

    @Test func scopes() {
        #expect(errors("  a: {kind: test.holder, holds: lamp, scope: x}\n  b: {kind: test.holder, holds: lamp, scope: y}\n").isEmpty)
        #expect(errors("  a: {kind: test.holder, holds: lamp, scope: x}\n  b: {kind: test.holder, holds: lamp}\n").count == 1, "everywhere overlaps x")
        #expect(errors("  a: {kind: test.holder, holds: lamp}\n  b: {kind: test.holder, holds: desk}\n").isEmpty)
    }

    @Test func pluginsWithoutClaimsClaimNothing() throws {
        let graph = try #require(loader.load(text: "nodes:\n  a: {kind: test.holder}\n  out: {kind: test.sink, input: a}\n", file: "g.yaml").graph)
        #expect(graph.nodes.allSatisfy { $0.claims.isEmpty })
    }
}
