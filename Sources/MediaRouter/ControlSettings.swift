import Foundation

/// The control plane's settings from a graph file's top-level `control:` section (or from
/// `run --control ADDRESS`): where the HTTP server listens, where its tokens live, and the
/// certificate that makes it HTTPS.
public struct ControlSettings: Sendable, Equatable {
    /// The default address when the section is present: loopback only.
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8787
    /// The tokens file's name beside the graph file when `tokens:` is not given.
    public static let defaultTokensFileName = "control-tokens"

    public var host: String
    /// 0 lets the system choose a free port (tests).
    public var port: Int
    /// Absolute path of the tokens file (`ROLE TOKEN` lines).
    public var tokensFile: String
    /// PEM certificate chain and private key; both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Where the section was written, for messages; nil when it came from the command line.
    public var location: SourceLocation?

    public init(host: String = ControlSettings.defaultHost, port: Int = ControlSettings.defaultPort, tokensFile: String,
                tlsCertificate: String? = nil, tlsKey: String? = nil, location: SourceLocation? = nil) {
        self.host = host
        self.port = port
        self.tokensFile = tokensFile
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.location = location
    }

    /// The defaults for a graph file at `graphFile`: loopback, port 8787, tokens beside it.
    public static func defaults(graphFile: String) -> ControlSettings {
        let dir = (graphFile as NSString).deletingLastPathComponent
        let base = dir.isEmpty ? FileManager.default.currentDirectoryPath : dir
        return ControlSettings(tokensFile: ((base as NSString).appendingPathComponent(defaultTokensFileName) as NSString).standardizingPath)
    }

    public var usesTLS: Bool { tlsCertificate != nil }

    /// `host:port`, with brackets around an IPv6 host.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True for addresses only this machine can reach.
    public var isLoopback: Bool { ControlSettings.isLoopback(host: host) }

    public static func isLoopback(host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (every interface) or `PORT` (loopback).
    /// Returns the problem as text when the address is not valid.
    public static func parseAddress(_ text: String) -> Result<(host: String, port: Int), AddressError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return .failure(AddressError("an empty address; write HOST:PORT, e.g. 127.0.0.1:8787")) }
        var host: String
        var portText: String
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return .failure(AddressError("'\(t)' opens '[' without closing it; write [IPv6]:PORT")) }
            host = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(AddressError("'\(t)' has no port after ']'; write [IPv6]:PORT")) }
            portText = String(rest.dropFirst())
        } else if let colon = t.lastIndex(of: ":") {
            host = String(t[..<colon])
            portText = String(t[t.index(after: colon)...])
            if host.contains(":") { return .failure(AddressError("'\(t)' looks like an IPv6 address; put it in brackets: [\(host)]:\(portText)")) }
            if host.isEmpty { host = "0.0.0.0" }
        } else {
            host = defaultHost
            portText = t
        }
        if host.contains(where: { $0.isWhitespace || $0 == "/" }) || host.isEmpty {
            return .failure(AddressError("'\(host)' is not a host name or IP address"))
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            return .failure(AddressError("'\(portText)' is not a port (0...65535) in '\(t)'"))
        }
        return .success((host, port))
    }

    public struct AddressError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }
}
