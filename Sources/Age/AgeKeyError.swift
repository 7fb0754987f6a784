/// Why a text is not a usable age key. Messages never repeat a secret key.
public enum AgeKeyError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Not an `age1…` recipient; `reason` says what is wrong with it.
    case malformedRecipient(String)
    /// An `AGE-SECRET-KEY-1…` identity where a public recipient belongs. `recipient` is the
    /// public key that belongs there instead.
    case identityGivenAsRecipient(recipient: String)
    /// Not an `AGE-SECRET-KEY-1…` identity.
    case malformedIdentity(String)
    /// A kind of recipient this implementation does not write to (plugins, ssh keys, hybrid).
    case unsupportedRecipient(String)

    public var description: String {
        switch self {
        case .malformedRecipient(let reason): return "not an age recipient: \(reason)"
        case .identityGivenAsRecipient(let recipient):
            return "this is an age identity (a secret key that decrypts), not a recipient: a recording machine must never hold it; "
                + "give its public key \(recipient) instead and keep the identity elsewhere"
        case .malformedIdentity(let reason): return "not an age identity: \(reason)"
        case .unsupportedRecipient(let reason): return "unsupported recipient: \(reason)"
        }
    }
}
