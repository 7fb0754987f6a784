/// One recipient stanza of an age header: `-> TYPE ARG…` and a base64 body that wraps the
/// file key for one recipient.
public struct Stanza: Sendable, Equatable {
    public var type: String
    public var arguments: [String]
    public var body: [UInt8]

    public init(type: String, arguments: [String], body: [UInt8]) {
        self.type = type
        self.arguments = arguments
        self.body = body
    }

    /// The stanza as it appears in a header, body wrapped at 64 columns and always ended by a
    /// line shorter than 64 (possibly empty).
    var encoded: [UInt8] {
        var text = "-> " + ([type] + arguments).joined(separator: " ") + "\n"
        let body = Base64.encode(self.body)
        var rest = Substring(body)
        while rest.count >= Header.columns {
            text += rest.prefix(Header.columns) + "\n"
            rest = rest.dropFirst(Header.columns)
        }
        text += rest + "\n"
        return Array(text.utf8)
    }
}
