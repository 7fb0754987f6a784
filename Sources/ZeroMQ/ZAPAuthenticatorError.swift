/// Why a ``ZAPAuthenticator`` could not start.
public struct ZAPAuthenticatorError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable { case alreadyRunning, alreadyStarted, startFailed }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Another ZAP handler (another authenticator, or pyzmq's) is bound in this context.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// ``ZAPAuthenticator/start()`` was already called on this object.
        public static let alreadyStarted = Code(.alreadyStarted)
        /// libzmq refused to create or bind the handler socket (see the message).
        public static let startFailed = Code(.startFailed)

        public var description: String {
            switch base {
            case .alreadyRunning: return "alreadyRunning"
            case .alreadyStarted: return "alreadyStarted"
            case .startFailed: return "startFailed"
            }
        }
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
