import Foundation

extension GraphLoader {
    /// The keys of the top-level `control:` section.
    public static let controlKeys = ["listen", "tokens", "tls_cert", "tls_key"]

    /// Adds the `control:` section to a checked graph, or its errors to the diagnostics (and then
    /// no graph).
    static func checkControl(_ root: ConfigValue, file: String, baseDirectory: String, into result: inout Result) {
        var d = Diagnostics()
        let settings = controlSettings(in: root, file: file, baseDirectory: baseDirectory, diagnostics: &d)
        result.diagnostics.append(contentsOf: d)
        if d.hasErrors { result.graph = nil } else { result.graph?.control = settings }
    }

    /// Reads the top-level `control:` section of `root`, if there is one, reporting every problem
    /// with its place. Relative paths resolve against `baseDirectory` (the graph file's folder).
    static func controlSettings(in root: ConfigValue, file: String, baseDirectory: String,
                                diagnostics d: inout Diagnostics) -> ControlSettings? {
        guard let entry = root.entries?.first(where: { $0.key == "control" }) else { return nil }
        let base = baseDirectory.isEmpty ? FileManager.default.currentDirectoryPath : baseDirectory
        func resolve(_ p: String) -> String {
            let e = (p as NSString).expandingTildeInPath
            return ((e.hasPrefix("/") ? e : (base as NSString).appendingPathComponent(e)) as NSString).standardizingPath
        }
        var settings = ControlSettings(tokensFile: resolve(ControlSettings.defaultTokensFileName), location: entry.keyLocation)
        if entry.value.isNullScalar { return settings }
        guard let entries = entry.value.entries else {
            d.error("'control' must be a mapping (listen, tokens, tls_cert, tls_key), found \(entry.value.shortDescription)", at: entry.value.location)
            return nil
        }
        var ok = true
        var certLocation: SourceLocation?
        var keyLocation: SourceLocation?
        for e in entries {
            func text() -> String? {
                if let s = e.value.scalarText, !e.value.isNullScalar, !s.isEmpty { return s }
                d.error("'control.\(e.key)' must be \(e.key == "listen" ? "an address (HOST:PORT)" : "a file path"), found \(e.value.isNullScalar ? "nothing" : e.value.shortDescription)", at: e.value.isNullScalar ? e.keyLocation : e.value.location)
                ok = false
                return nil
            }
            switch e.key {
            case "listen":
                guard let s = text() else { continue }
                switch ControlSettings.parseAddress(s) {
                case .success(let a):
                    settings.host = a.host
                    settings.port = a.port
                case .failure(let problem):
                    d.error("'control.listen': \(problem)", at: e.value.location)
                    ok = false
                }
            case "tokens":
                guard let s = text() else { continue }
                settings.tokensFile = resolve(s)
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: settings.tokensFile, isDirectory: &isDir), isDir.boolValue {
                    d.error("'control.tokens' is a folder (\(settings.tokensFile)); name the tokens file itself", at: e.value.location)
                    ok = false
                }
            case "tls_cert", "tls_key":
                guard let s = text() else { continue }
                let path = resolve(s)
                if !FileManager.default.isReadableFile(atPath: path) {
                    d.error("'control.\(e.key)': cannot read \(path)", at: e.value.location)
                    ok = false
                }
                if e.key == "tls_cert" { settings.tlsCertificate = path; certLocation = e.keyLocation } else { settings.tlsKey = path; keyLocation = e.keyLocation }
            default:
                d.error("unknown key 'control.\(e.key)'\(didYouMean(e.key, in: controlKeys)); expected \(controlKeys.map { "'\($0)'" }.joined(separator: ", "))", at: e.keyLocation)
                ok = false
            }
        }
        if (settings.tlsCertificate == nil) != (settings.tlsKey == nil) {
            d.error(settings.tlsCertificate == nil ? "'control.tls_key' needs 'tls_cert' too" : "'control.tls_cert' needs 'tls_key' too",
                    at: certLocation ?? keyLocation ?? entry.keyLocation)
            ok = false
        }
        return ok ? settings : nil
    }
}
