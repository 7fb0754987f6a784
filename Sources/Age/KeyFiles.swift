import Foundation

/// Recipients files and identity files as the `age` tool reads them: one key a line, blank
/// lines and lines starting with `#` ignored.
public enum KeyFiles {
    /// A bad line of a key file, with its 1-based line number.
    public struct LineError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var error: AgeKeyError
        public var description: String { "line \(line): \(error)" }
    }

    /// The keys of `text`, each with its line number.
    static func entries(_ text: String) -> [(line: Int, text: String)] {
        var out: [(Int, String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            out.append((index + 1, trimmed))
        }
        return out
    }

    /// Parses a recipients file. Empty files are not an error here; callers decide.
    public static func recipients(in text: String) throws(LineError) -> [X25519Recipient] {
        var out: [X25519Recipient] = []
        for entry in entries(text) {
            do {
                out.append(try X25519Recipient(entry.text))
            } catch {
                throw LineError(line: entry.line, error: error)
            }
        }
        return out
    }

    /// Parses an identity file (what `age-keygen -o` writes).
    public static func identities(in text: String) throws(LineError) -> [X25519Identity] {
        var out: [X25519Identity] = []
        for entry in entries(text) {
            do {
                out.append(try X25519Identity(entry.text))
            } catch {
                throw LineError(line: entry.line, error: error)
            }
        }
        return out
    }
}
