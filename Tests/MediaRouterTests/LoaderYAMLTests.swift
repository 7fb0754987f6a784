import BuiltInPlugins
import Foundation
import MediaRouter
import Testing

/// YAML features users copy from other tools (anchors, merge keys, docker-compose's `x-` keys),
/// and YAML errors said in plain words at the right place.
@Suite("Graph loader: YAML")
struct LoaderYAMLTests {
    let loader = GraphLoader(registry: .builtIn)

    func load(_ yaml: String) -> GraphLoader.Result { loader.load(text: yaml, file: "g.yaml") }

    func errors(_ yaml: String) -> [Diagnostic] { load(yaml).diagnostics.sorted.filter { $0.severity == .error } }

    func option(_ graph: Graph, _ node: String, _ name: String) -> Int? { graph.node(named: node)?.options.int(name) }

    // MARK: Merge keys and x- keys

    @Test func mergeKeyFromAnXKeyAnchorSharesOptionsAndExplicitKeysWin() throws {
        let r = load("""
            x-common: &base
              kind: frame.generate
              width: 64
              height: 48
            nodes:
              a:
                <<: *base
              b:
                width: 32
                <<: *base
              out: {kind: frame.discard, inputs: [a, b]}
            """)
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.sorted)")
        let g = try #require(r.graph)
        #expect(option(g, "a", "width") == 64 && option(g, "a", "height") == 48)
        #expect(option(g, "b", "width") == 32 && option(g, "b", "height") == 48)
        #expect(g.node(named: "b")?.kind == "frame.generate")
    }

    @Test func mergeListEarlierMappingsWinAndMergesNest() throws {
        let r = load("""
            x-size: &size {width: 10, height: 20}
            x-small: &small {width: 5}
            x-gen: &gen
              <<: *size
              kind: frame.generate
              count: 3
            nodes:
              a:
                kind: frame.generate
                <<: [*small, *size]
              b:
                <<: *gen
                height: 7
              c:
                <<: {kind: frame.generate, width: 9}
              out: {kind: frame.discard, inputs: [a, b, c]}
            """)
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.sorted)")
        let g = try #require(r.graph)
        #expect(option(g, "a", "width") == 5 && option(g, "a", "height") == 20)
        #expect(option(g, "b", "width") == 10 && option(g, "b", "height") == 7 && option(g, "b", "count") == 3)
        #expect(option(g, "c", "width") == 9)
    }

    @Test func xKeysAreIgnoredButOtherUnknownTopLevelKeysAreStillErrors() {
        let ds = errors("""
            x-anything: {whatever: [1, 2]}
            extra: 1
            nodes:
              cam: {kind: frame.generate}
              out: {kind: frame.discard, input: cam}
            """)
        #expect(ds.count == 1, "\(ds)")
        #expect(ds.first?.location.line == 2)
        #expect(ds.first?.message.contains("unknown top-level key 'extra'") == true)
        #expect(ds.first?.message.contains("x-") == true, "the message should mention x- helper keys: \(ds)")
    }

    @Test func anErrorInMergedOptionsIsAtTheAnchorsLineAndNamesTheMerge() throws {
        let ds = errors("""
            x-common: &base
              kind: frame.generate
              width: wide
              widht: 3
            nodes:
              a:
                <<: *base
              out: {kind: frame.discard, input: a}
            """)
        let wrongType = try #require(ds.first { $0.message.contains("option 'width' of frame.generate: expected an integer, got 'wide'") }, "\(ds)")
        #expect(wrongType.description.hasPrefix("g.yaml:3:10: "))
        #expect(wrongType.description.hasSuffix("(in the anchor merged by '<<' at 7:5)"), "\(wrongType.description)")
        let unknown = try #require(ds.first { $0.message.contains("unknown option 'widht'") }, "\(ds)")
        #expect(unknown.description.hasPrefix("g.yaml:4:3: "))
        #expect(unknown.description.contains("merged by '<<' at 7:5"))
    }

    @Test func anErrorInAnAliasedValueIsAtTheAnchorAndNamesTheAliasLine() throws {
        let ds = errors("""
            x-w: &w wide
            nodes:
              a:
                kind: frame.generate
                width: *w
              out: {kind: frame.discard, input: a}
            """)
        let d = try #require(ds.first { $0.message.contains("expected an integer") }, "\(ds)")
        #expect(d.description.hasPrefix("g.yaml:1:6: "), "\(d.description)")
        #expect(d.description.hasSuffix("(in the anchor used by an alias on line 5)"), "\(d.description)")
    }

    @Test func mergingSomethingThatIsNotAMappingIsAnError() throws {
        let ds = errors("""
            x-n: &n 5
            nodes:
              a:
                kind: frame.generate
                <<: [*n]
              out: {kind: frame.discard, input: a}
            """)
        let d = try #require(ds.first, "no error")
        #expect(d.message.contains("'<<' merges mappings"), "\(d)")
        #expect(d.location.line == 1 || d.location.line == 5, "\(d)")
    }

    // MARK: Duplicate keys

    @Test func duplicateKeyPointsAtTheSecondOccurrenceAndNamesTheFirst() throws {
        let block = try #require(errors("""
            nodes:
              cam:
                kind: frame.generate
                width: 3
                width: 4
            """).first)
        #expect(block.description == "g.yaml:5:5: duplicate key 'width' (first given at line 4, column 5)", "\(block)")

        let flow = try #require(errors("""
            nodes:
              cam: {kind: frame.generate, kind: frame.discard}
            """).first)
        #expect(flow.description == "g.yaml:2:31: duplicate key 'kind' (first given at line 2, column 9)", "\(flow)")

        let thrice = try #require(errors("""
            nodes:
              a: {kind: frame.generate}
              b: {kind: frame.generate}
              a: {kind: frame.generate}
              a: {kind: frame.generate}
            """).first)
        #expect(thrice.description == "g.yaml:4:3: duplicate key 'a' (first given at line 2, column 3)", "\(thrice)")
    }

    // MARK: libyaml's own words

    @Test func aTabIndentIsSaidPlainly() throws {
        let d = try #require(errors("nodes:\n\tcam:\n    kind: frame.generate\n").first)
        #expect(d.location.line == 2 && d.location.column == 1, "\(d)")
        #expect(d.message == "a tab cannot indent YAML; use spaces", "\(d)")
        #expect(!d.message.contains("cannot start any token"))
    }

    @Test func aReservedCharacterIsSaidPlainly() throws {
        let d = try #require(errors("nodes:\n  cam:\n    kind: frame.generate\n    note: @home\n").first)
        #expect(d.location.line == 4 && d.location.column == 11, "\(d)")
        #expect(!d.message.contains("cannot start any token"), "\(d)")
        #expect(d.message.contains("'@'") && d.message.contains("quote"), "\(d)")
    }

    // MARK: One error per problem

    @Test func aRequiredOptionOutOfRangeGivesOnlyTheRangeError() {
        let ds = errors("""
            nodes:
              cam: {kind: frame.generate}
              r: {kind: frame.rate, input: cam, framerate: 0}
              out: {kind: frame.discard, input: r}
            """)
        #expect(ds.count == 1, "\(ds)")
        #expect(ds.first?.message.contains("frame rate 0 is out of range") == true, "\(ds)")
        #expect(ds.first?.location.line == 3 && ds.first?.location.column == 48)
    }
}
