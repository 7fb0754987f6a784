/// Reload figures of a running graph.
public struct ReloadStats: Sendable, Codable, Equatable {
    /// Reloads that changed the graph.
    public var applied: Int = 0
    /// Reloads that found nothing to change.
    public var unchanged: Int = 0
    /// Reloads refused because the new graph did not validate.
    public var failed: Int = 0
    public var lastError: String?
    /// The most recent attempts, newest last (at most `historyLimit`).
    public var history: [ReloadRecord] = []

    public static let historyLimit = 50

    public init() {}

    mutating func record(_ r: ReloadRecord) {
        switch r.outcome {
        case .applied: applied += 1
        case .unchanged: unchanged += 1
        case .rejected:
            failed += 1
            lastError = r.errors.first
        case .dryRun: break
        }
        history.append(r)
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
    }
}
