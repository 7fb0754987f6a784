import FrameNodes
import MediaRouter
import TestSupport
import Testing
import TurboJPEG

@Suite("jpeg.encode")
struct JPEGEncodeTests {
    let registry = testRegistry([FrameGeneratePlugin.self, JPEGEncodePlugin.self, CollectSinkPlugin.self])

    /// Encodes `count` frames with `threads` workers and returns what the sink received.
    func encode(threads: Int, count: Int, key: String, pattern: String = "bar") throws -> [CollectedFrame] {
        resetCollected(key)
        let g = try TestGraph("""
            nodes:
              gen: {kind: frame.generate, width: 320, height: 240, framerate: 0, count: \(count), pattern: \(pattern)}
              enc: {kind: jpeg.encode, input: gen, threads: \(threads), queue: {size: 8, policy: block}}
              out: {kind: test.collect, input: enc, key: \(key), keep: true}
            """, registry: registry)
        #expect(g.runtime.wait(timeout: 20))
        return collected(key)
    }

    @Test("several threads: every frame, in order, each a JPEG that decodes to the frame size")
    func parallelKeepsOrder() throws {
        let frames = try encode(threads: 4, count: 300, key: "par4")
        #expect(frames.count == 300)
        #expect(frames.map(\.sequence) == frames.map(\.sequence).sorted())
        #expect(Set(frames.map(\.sequence)).count == 300)
        #expect(frames.allSatisfy { $0.format == .jpeg })
        let decoder = try JPEGDecoder()
        for f in [frames[0], frames[150], frames[299]] {
            let header = try decoder.header(f.payload!.bytes)
            #expect(header.width == 320 && header.height == 240)
        }
    }

    @Test("one thread and four threads give the same bytes")
    func sameOutput() throws {
        let one = try encode(threads: 1, count: 40, key: "one", pattern: "texture")
        let four = try encode(threads: 4, count: 40, key: "four", pattern: "texture")
        #expect(one.count == 40 && four.count == 40)
        #expect(one.map { $0.payload!.bytes.count } == four.map { $0.payload!.bytes.count })
        #expect(zip(one, four).allSatisfy { Array($0.payload!.bytes) == Array($1.payload!.bytes) })
    }

    @Test("threads out of range is a located validation error")
    func threadsRange() {
        let r = GraphLoader(registry: registry).load(text: """
            nodes:
              gen: {kind: frame.generate}
              enc: {kind: jpeg.encode, input: gen, threads: 0}
              out: {kind: test.collect, input: enc}
            """, file: "t.yaml", baseDirectory: "/tmp")
        #expect(r.graph == nil)
        #expect(r.diagnostics.sorted.contains { $0.location.line == 3 && "\($0)".contains("threads") })
    }
}
