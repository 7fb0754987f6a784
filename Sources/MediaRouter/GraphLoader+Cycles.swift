extension GraphLoader {
    /// The nodes in an order where producers come first, or a cycle.
    struct NodeOrder {
        /// Indices into `pending`, each producer before its consumers (partial when there is a cycle).
        var order: [Int]
        var hasCycle: Bool
    }

    /// Orders the nodes producers first; reports the first cycle found, at the input that closes it.
    func checkCycles(_ pending: [Pending], edges: [GraphEdge], diagnostics d: inout Diagnostics) -> NodeOrder {
        var order: [Int] = []
        var state = [Int](repeating: 0, count: pending.count)  // 0 new, 1 visiting, 2 done
        var reportedCycle = false
        func visit(_ n: Int, _ path: [Int]) {
            if state[n] == 2 { return }
            if state[n] == 1 {
                if !reportedCycle {
                    reportedCycle = true
                    let start = path.firstIndex(of: n) ?? 0
                    let cycle = Array(path[start...]) + [n]
                    // Report at the input that closes the cycle: the last consumer names the first producer.
                    let closer = edges.first { $0.to == cycle[cycle.count - 2] && $0.from == n }
                    let text = cycle.reversed().map { pending[$0].name }.joined(separator: " -> ")
                    d.error("cycle in graph: \(text); frames cannot flow in a loop", at: closer?.location ?? pending[n].location)
                }
                return
            }
            state[n] = 1
            for e in edges where e.to == n { visit(e.from, path + [n]) }
            state[n] = 2
            order.append(n)
        }
        for i in pending.indices { visit(i, []) }
        return NodeOrder(order: order, hasCycle: reportedCycle)
    }
}
