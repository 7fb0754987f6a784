/// What a supervisor runs: a node of the graph and what the runtime worked out about its
/// neighbours when it was planned.
struct NodeSpec: Sendable {
    var node: GraphNode
    var inputKinds: Set<MediaKind>
    var consumerAccepts: [Set<MediaKind>]
    var converters: [MediaKind: any FrameConverter]
}
