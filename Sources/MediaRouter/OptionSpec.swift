/// One option a node kind accepts: its name, type, default and meaning. `media-router plugins KIND`
/// prints these, so the documentation cannot drift from the code.
public struct OptionSpec: Sendable {
    public var name: String
    public var type: OptionType
    public var defaultValue: OptionValue?
    public var required: Bool
    public var doc: String

    public init(_ name: String, _ type: OptionType, default defaultValue: OptionValue? = nil,
                required: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.doc = doc
    }
}
