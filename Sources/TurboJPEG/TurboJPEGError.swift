/// A JPEG could not be encoded or decoded.
public struct TurboJPEGError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let encodeFailed = Code(name: "encodeFailed")
        public static let decodeFailed = Code(name: "decodeFailed")
        public static let badInput = Code(name: "badInput")
        public static let tooLarge = Code(name: "tooLarge")
        public static let unsupported = Code(name: "unsupported")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
