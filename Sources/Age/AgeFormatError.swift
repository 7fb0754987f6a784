/// Why an age file cannot be opened: its header is malformed, none of its stanzas is for the
/// identities given, or its header was altered (MAC mismatch).
public enum AgeFormatError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The header does not parse (or ends before it is complete).
    case malformedHeader(String)
    /// The file ends inside the header: it was cut before anything could be encrypted.
    case truncatedHeader
    /// The header parses but none of its stanzas opens with the identities given.
    case noMatch(stanzaTypes: [String])
    /// A file key was unwrapped but the header MAC does not match: the header was altered.
    case headerMACMismatch
    /// Reading the file failed.
    case io(String)

    public var description: String {
        switch self {
        case .malformedHeader(let reason): return "not an age file, or its header is damaged: \(reason)"
        case .truncatedHeader: return "the file ends inside its age header: nothing was encrypted into it"
        case .noMatch(let types):
            let x = types.filter { $0 == "X25519" }.count
            return "none of the identities given opens this file (\(x) X25519 recipient\(x == 1 ? "" : "s")\(types.count > x ? ", \(types.count - x) of other kinds" : ""))"
        case .headerMACMismatch: return "the age header was altered (its MAC does not match)"
        case .io(let reason): return reason
        }
    }
}
