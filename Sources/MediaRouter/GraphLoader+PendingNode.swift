extension GraphLoader {
    /// One node as read from its entry, before the graph around it is checked: what the
    /// later checks (edges, cycles, formats, claims) work on.
    struct Pending {
        var name: String
        var location: SourceLocation
        var plugin: (any NodePlugin.Type)?
        var options: NodeOptions?
        var inputs: [(name: String, location: SourceLocation, queue: QueueSettings?)] = []
        var queue: QueueSettings?
        var restart: RestartPolicy?
        var hasInputKey = false
        var inputKeyLocation: SourceLocation?
    }
}
