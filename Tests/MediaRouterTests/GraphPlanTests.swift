import BuiltInPlugins
import Foundation
import MediaRouter
import Testing

/// A plan compares two checked graphs by node name; each kind of change is its own test.
@Suite("Graph plan")
struct GraphPlanTests {
    let loader = GraphLoader(registry: .builtIn)

    static let base = """
        name: plan
        nodes:
          camera:
            kind: frame.generate
            width: 64
            height: 48
          jpeg:
            kind: jpeg.encode
            input: camera
            quality: 85
          slow:
            kind: frame.rate
            input: jpeg
            framerate: 10
          out:
            kind: frame.discard
            input: slow
        """

    func graph(_ yaml: String, file: String = "g.yaml", folder: String = "/tmp") throws -> Graph {
        let result = loader.load(text: yaml, file: file, baseDirectory: folder)
        return try #require(result.graph, "\(result.diagnostics.sorted)")
    }

    func plan(_ old: String, _ new: String) throws -> GraphPlan {
        GraphPlan(from: try graph(old, file: "old.yaml"), to: try graph(new, file: "new.yaml"))
    }

    func action(_ plan: GraphPlan, _ name: String) -> GraphPlan.Action? {
        plan.nodes.first { $0.name == name }?.action
    }

    func edited(_ from: String, _ to: String) -> String {
        let text = Self.base.replacingOccurrences(of: from, with: to)
        precondition(text != Self.base, "the edit '\(from)' changed nothing")
        return text
    }

    @Test func anUnchangedGraphKeepsEveryNodeAndIsEmpty() throws {
        let p = try plan(Self.base, Self.base)
        #expect(p.isEmpty)
        #expect(p.edges.isEmpty)
        #expect(p.nodes.map(\.name) == ["camera", "jpeg", "slow", "out"])
        #expect(p.nodes.allSatisfy { $0.action == .keep })
        #expect(p.text == "keep     camera\nkeep     jpeg\nkeep     slow\nkeep     out\nnothing changes (4 kept)")
    }

    @Test func aChangedOptionReplacesOnlyThatNode() throws {
        let p = try plan(Self.base, edited("quality: 85", "quality: 70"))
        #expect(!p.isEmpty)
        #expect(action(p, "jpeg") == .replace([.optionChanged(name: "quality", from: "85", to: "70")]))
        for name in ["camera", "slow", "out"] { #expect(action(p, name) == .keep, "\(name)") }
        #expect(p.edges.isEmpty, "edges stay; the new jpeg node takes over its queues")
        #expect(p.text.contains("restart  jpeg: option quality changed (85→70)\n"))
        #expect(p.text.hasSuffix("\n1 to restart, 3 kept"))
    }

    @Test func anAddedOrRemovedOptionIsNamed() throws {
        let added = try plan(Self.base, edited("    quality: 85\n", "    quality: 85\n    threads: 2\n"))
        #expect(action(added, "jpeg") == .replace([.optionAdded(name: "threads", value: "2")]))
        let removed = try plan(edited("    quality: 85\n", "    quality: 85\n    threads: 2\n"), Self.base)
        #expect(action(removed, "jpeg") == .replace([.optionRemoved(name: "threads")]))
        #expect(removed.text.contains("restart  jpeg: option threads removed\n"))
        // Writing out the default is a change too: plugins may act on an option being given.
        let explicitDefault = try plan(Self.base, edited("    quality: 85\n", "    quality: 85\n    threads: 1\n"))
        #expect(action(explicitDefault, "jpeg") == .replace([.optionAdded(name: "threads", value: "1")]))
    }

    @Test func optionValuesThatMayBeSecretAreNeverShown() throws {
        let old = "nodes:\n  cam: {kind: frame.generate}\n  out: {kind: gst.record, input: cam, path: secret-one.mkv}\n"
        let new = "nodes:\n  cam: {kind: frame.generate}\n  out: {kind: gst.record, input: cam, path: secret-two.mkv}\n"
        let p = try plan(old, new)
        #expect(action(p, "out") == .replace([.optionChanged(name: "path", from: nil, to: nil)]))
        let json = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        for text in [p.text, json] {
            #expect(!text.contains("secret"), "\(text)")
        }
        #expect(p.text.contains("restart  out: option path changed\n"))
    }

    @Test func pathsCompareAsTheyResolve() throws {
        let yaml = "nodes:\n  cam: {kind: frame.generate}\n  out: {kind: gst.record, input: cam, path: rec/x.mkv}\n"
        let same = GraphPlan(from: try graph(yaml, folder: "/srv/a"), to: try graph(yaml.replacingOccurrences(of: "rec/x", with: "./rec/x"), folder: "/srv/a"))
        #expect(same.isEmpty, "\(same.text)")
        let moved = GraphPlan(from: try graph(yaml, folder: "/srv/a"), to: try graph(yaml, folder: "/srv/b"))
        #expect(action(moved, "out") == .replace([.optionChanged(name: "path", from: nil, to: nil)]))
    }

    @Test func aKindChangeIsNamedWithBothKinds() throws {
        let old = "nodes:\n  cam: {kind: frame.generate}\n  mid: {kind: frame.rate, input: cam, framerate: 10}\n  out: {kind: frame.discard, input: mid}\n"
        let new = "nodes:\n  cam: {kind: frame.generate}\n  mid: {kind: jpeg.encode, input: cam}\n  out: {kind: frame.discard, input: mid}\n"
        let p = try plan(old, new)
        #expect(action(p, "mid") == .replace([.kindChanged(from: "frame.rate", to: "jpeg.encode")]))
        #expect(p.nodes.first { $0.name == "mid" }?.kind == "jpeg.encode")
        // `out` now receives JPEG instead of raw frames; nodes set themselves up for their input formats.
        #expect(action(p, "out") == .replace([.inputFormatsChanged(from: [.raw], to: [.jpeg])]))
        #expect(action(p, "cam") == .keep)
        #expect(p.text.contains("restart  mid: kind frame.rate→jpeg.encode\n"))
        #expect(p.text.contains("restart  out: input formats raw→jpeg\n"))
    }

    @Test func aChangedInputReplacesTheConsumerAndRewiresEdges() throws {
        let p = try plan(Self.base, edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    inputs: [jpeg, slow]"))
        #expect(action(p, "out") == .replace([.inputAdded(name: "jpeg")]))
        #expect(p.edges == [GraphPlan.EdgeChange(from: "jpeg", to: "out", change: .added(queue: .live))])

        let swapped = try plan(Self.base, edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    input: jpeg"))
        #expect(action(swapped, "out") == .replace([.inputRemoved(name: "slow"), .inputAdded(name: "jpeg")]))
        #expect(swapped.text.contains("restart  out: input slow→jpeg\n"))
        #expect(swapped.edges == [
            GraphPlan.EdgeChange(from: "jpeg", to: "out", change: .added(queue: .live)),
            GraphPlan.EdgeChange(from: "slow", to: "out", change: .removed),
        ])
        #expect(swapped.edges.map(\.name) == ["jpeg→out", "slow→out"])
        // `slow` now feeds nothing, but it is unchanged itself: only its output edge goes.
        #expect(action(swapped, "slow") == .keep)
    }

    @Test func reorderedInputsAreAChange() throws {
        let old = edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    inputs: [jpeg, slow]")
        let new = edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    inputs: [slow, jpeg]")
        let p = try plan(old, new)
        #expect(action(p, "out") == .replace([.inputsReordered(from: ["jpeg", "slow"], to: ["slow", "jpeg"])]))
        #expect(p.edges.isEmpty)
        #expect(p.text.contains("restart  out: inputs reordered (jpeg, slow→slow, jpeg)\n"))
    }

    @Test func aChangedInputQueueIsAChangeOfTheConsumerAndItsEdge() throws {
        let new = edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    input: slow\n    queue: {size: 16, policy: block}")
        let p = try plan(Self.base, new)
        let queue = QueueSettings(size: 16, policy: .block)
        #expect(action(p, "out") == .replace([.inputQueueChanged(input: "slow", from: .live, to: queue)]))
        #expect(p.edges == [GraphPlan.EdgeChange(from: "slow", to: "out", change: .queueChanged(from: .live, to: queue))])
        #expect(p.text.contains("restart  out: queue from slow drop-oldest 4→block 16\n"))
    }

    @Test func aChangedRestartPolicyIsAChange() throws {
        let p = try plan(Self.base, edited("kind: frame.discard\n    input: slow", "kind: frame.discard\n    input: slow\n    restart: on-failure"))
        #expect(action(p, "out") == .replace([.restartChanged(from: .never, to: RestartPolicy(mode: .onFailure))]))
        #expect(p.text.contains("restart  out: restart policy never→on-failure (backoff 1s..30s)\n"))
    }

    @Test func anAddedNodeIsAddedWithItsEdges() throws {
        let p = try plan(Self.base, Self.base + "\n  extra:\n    kind: frame.discard\n    input: camera\n")
        #expect(action(p, "extra") == .add)
        #expect(p.nodes.filter { $0.action != .keep }.map(\.name) == ["extra"], "a new consumer does not restart its producer")
        #expect(p.edges == [GraphPlan.EdgeChange(from: "camera", to: "extra", change: .added(queue: .live))])
        #expect(p.text.contains("add      extra (frame.discard)\n"))
        #expect(p.text.hasSuffix("\n1 to add, 4 kept"))
    }

    @Test func aRemovedNodeIsListedLastWithItsEdges() throws {
        let p = try plan(Self.base + "\n  extra:\n    kind: frame.discard\n    input: camera\n", Self.base)
        #expect(p.nodes.last == GraphPlan.NodeStep(name: "extra", kind: "frame.discard", action: .remove))
        #expect(p.nodes.dropLast().allSatisfy { $0.action == .keep })
        #expect(p.edges == [GraphPlan.EdgeChange(from: "camera", to: "extra", change: .removed)])
        #expect(p.text.hasSuffix("remove   extra (frame.discard)\n1 to remove, 4 kept"))
    }

    @Test func aRenamedNodeIsRemovedAndAdded() throws {
        let new = Self.base.replacingOccurrences(of: "  slow:", with: "  limiter:").replacingOccurrences(of: "input: slow", with: "input: limiter")
        let p = try plan(Self.base, new)
        #expect(action(p, "limiter") == .add)
        #expect(action(p, "slow") == .remove)
        #expect(action(p, "out") == .replace([.inputRemoved(name: "slow"), .inputAdded(name: "limiter")]))
        #expect(p.nodes.map(\.name) == ["camera", "jpeg", "limiter", "out", "slow"])
        #expect(Set(p.edges.map(\.name)) == ["jpeg→limiter", "limiter→out", "jpeg→slow", "slow→out"])
        #expect(p.text.hasSuffix("\n1 to restart, 1 to add, 1 to remove, 2 kept"))
    }

    @Test func reorderingNodesInTheFileChangesNothing() throws {
        let reordered = """
            name: plan
            nodes:
              out:
                kind: frame.discard
                input: slow
              slow:
                kind: frame.rate
                input: jpeg
                framerate: 10
              jpeg:
                kind: jpeg.encode
                input: camera
                quality: 85
              camera:
                kind: frame.generate
                width: 64
                height: 48
            """
        let p = try plan(Self.base, reordered)
        #expect(p.isEmpty, "\(p.text)")
    }

    @Test func formattingOnlyChangesChangeNothing() throws {
        let reformatted = """
            # the same graph, written differently
            name: plan
            nodes:
              camera: {height: 48, width: 64, kind: frame.generate}   # flow style, keys reordered
              jpeg:
                quality: 85          # the option before the kind
                kind: jpeg.encode
                input: [camera]
              slow: {framerate: 10, input: jpeg, kind: frame.rate}
              out:
                kind: frame.discard
                inputs:
                  - slow
            """
        let p = try plan(Self.base, reformatted)
        #expect(p.isEmpty, "\(p.text)")
    }

    @Test func aPlanRoundTripsThroughJSON() throws {
        let new = Self.base
            .replacingOccurrences(of: "quality: 85", with: "quality: 70")
            .replacingOccurrences(of: "kind: frame.discard\n    input: slow", with: "kind: frame.discard\n    inputs: [slow, jpeg]\n    queue: {size: 8}\n    restart: always")
            + "\n  extra:\n    kind: frame.discard\n    input: camera\n"
        let p = try plan(Self.base + "\n  gone:\n    kind: frame.discard\n    input: camera\n", new)
        #expect(p.nodes.map(\.action.name) == ["keep", "replace", "keep", "replace", "add", "remove"])
        let data = try JSONEncoder().encode(p)
        let back = try JSONDecoder().decode(GraphPlan.self, from: data)
        #expect(back == p)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["action"] as? String } == ["keep", "replace", "keep", "replace", "add", "remove"])
        #expect(nodes[0]["reasons"] == nil)
    }
}
