/// What a token may do. `read` sees status, metrics and previews; `admin` may also reload the
/// graph and revoke keys.
public enum ControlRole: String, Sendable, Comparable, CaseIterable {
    case read
    case admin

    public static func < (a: ControlRole, b: ControlRole) -> Bool { a == .read && b == .admin }
}
