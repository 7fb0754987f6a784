/// A problem with a key file or key folder: certificate files, the vidgear key layout.
///
/// `message` is written for the person running the program: it names the path and, where
/// there is one, the fix. It never contains key material.
public struct CurveKeyFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case fileNotFound, permissionDenied, insecurePermissions, missingPublicKey, missingSecretKey
            case malformedKey, mismatchedKeys, notADirectory, notWritable, invalidName, alreadyExists, ioFailure
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The file or folder does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// The system refused access (permissions, read-only file system).
        public static let permissionDenied = Code(.permissionDenied)
        /// A secret key file can be read by group or others; it is refused until fixed.
        public static let insecurePermissions = Code(.insecurePermissions)
        /// A certificate file has no `public-key` line.
        public static let missingPublicKey = Code(.missingPublicKey)
        /// A secret key was needed but the file has no `secret-key` line.
        public static let missingSecretKey = Code(.missingSecretKey)
        /// A key is not 40 characters of valid Z85, or a line is not `name = value`.
        public static let malformedKey = Code(.malformedKey)
        /// A file's public key is not the public half of its secret key, or two files that
        /// must hold the same key pair do not.
        public static let mismatchedKeys = Code(.mismatchedKeys)
        /// A path that must be a folder is not one.
        public static let notADirectory = Code(.notADirectory)
        /// A folder that must be writable is not.
        public static let notWritable = Code(.notWritable)
        /// A client name that cannot be used as a file name, or a reserved one.
        public static let invalidName = Code(.invalidName)
        /// A file to be created exists already.
        public static let alreadyExists = Code(.alreadyExists)
        /// Reading or writing failed for another reason (see the message for errno).
        public static let ioFailure = Code(.ioFailure)

        public var description: String {
            switch base {
            case .fileNotFound: return "fileNotFound"
            case .permissionDenied: return "permissionDenied"
            case .insecurePermissions: return "insecurePermissions"
            case .missingPublicKey: return "missingPublicKey"
            case .missingSecretKey: return "missingSecretKey"
            case .malformedKey: return "malformedKey"
            case .mismatchedKeys: return "mismatchedKeys"
            case .notADirectory: return "notADirectory"
            case .notWritable: return "notWritable"
            case .invalidName: return "invalidName"
            case .alreadyExists: return "alreadyExists"
            case .ioFailure: return "ioFailure"
            }
        }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The file or folder concerned.
    public let path: String
    /// A sentence for humans, naming the path and the fix.
    public let message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
