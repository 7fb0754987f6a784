internal import CZeroMQ

/// The security mechanism a socket negotiates with its peers (ZMTP 3).
public enum ZMQSecurityMechanism: Hashable, Sendable, CustomStringConvertible {
    /// No security; what sockets use unless CURVE (or PLAIN) keys are set.
    case null
    /// Clear-text user name and password.
    case plain
    /// CurveZMQ: encrypted and authenticated with Curve25519 keys.
    case curve
    /// Kerberos.
    case gssapi
    /// A value this module does not know.
    case other(Int32)

    internal init(cValue: Int32) {
        switch cValue {
        case ZMQ_NULL: self = .null
        case ZMQ_PLAIN: self = .plain
        case ZMQ_CURVE: self = .curve
        case ZMQ_GSSAPI: self = .gssapi
        default: self = .other(cValue)
        }
    }

    /// The name used on the wire and in ZAP requests (`"NULL"`, `"PLAIN"`, `"CURVE"`, ...).
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .plain: return "PLAIN"
        case .curve: return "CURVE"
        case .gssapi: return "GSSAPI"
        case .other(let value): return "mechanism \(value)"
        }
    }
}
