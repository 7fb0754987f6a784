import Foundation

/// One attempt to change the running graph.
public struct ReloadRecord: Sendable, Codable, Equatable {
    public enum Trigger: String, Sendable, Codable {
        /// The graph file changed on disk.
        case file
        /// SIGHUP.
        case signal
        /// The control plane's `POST /api/v1/reload`.
        case api
    }

    public enum Outcome: String, Sendable, Codable {
        case applied
        /// The new graph equals the running one.
        case unchanged
        /// The new graph did not validate (or could not be read): nothing changed.
        case rejected
        /// Only the plan was asked for.
        case dryRun = "dry_run"
    }

    public var at: Date
    public var trigger: Trigger
    public var outcome: Outcome
    /// What changed (nil when the file was rejected).
    public var plan: GraphPlan?
    /// Located errors, as `validate` prints them (`file:line:column: message`).
    public var errors: [String]
    /// From the trigger to the last replaced node running again, in seconds.
    public var seconds: Double

    public init(at: Date = Date(), trigger: Trigger, outcome: Outcome, plan: GraphPlan? = nil,
                errors: [String] = [], seconds: Double = 0) {
        self.at = at
        self.trigger = trigger
        self.outcome = outcome
        self.plan = plan
        self.errors = errors
        self.seconds = seconds
    }
}
