import Age
import Foundation
import MediaRouter

/// `encrypt_to:` / `encrypt_to_file:` of `gst.record`: the age recipients every segment is
/// encrypted to. Only public keys are accepted: the recording machine never holds a key that
/// can decrypt what it wrote.
struct RecordEncryption: Sendable {
    static let fileSuffix = ".age"

    /// The recipients written in the graph file, in order.
    var inline: [String]
    /// The recipients file, resolved against the graph file's folder.
    var file: String?
    /// Close a segment early once plaintext waited this long (seconds) for its chunk.
    var maxUnwritten: Double?

    /// A problem with one of the two options, for a located error.
    struct Problem: Error, CustomStringConvertible {
        var option: String
        var message: String
        var description: String { "option '\(option)' of \(GStreamerRecordPlugin.kind): \(message)" }
    }

    static let options: [OptionSpec] = [
        OptionSpec("encrypt_to", .oneOf([.named("recipient", .string), .list(.named("recipient", .string))]),
                   doc: "encrypt every segment to these age recipients (age1… public keys from age-keygen): files become NAME.mkv.age / NAME.ts.age, readable with `age -d` and the matching identity; needs container mkv or ts"),
        OptionSpec("encrypt_to_file", .path,
                   doc: "like encrypt_to, from a recipients file (one age1… key a line, # comments), as `age -R` reads it"),
        OptionSpec("max_unwritten", .duration,
                   doc: "when encrypting: close the segment early (at the next keyframe) once video has waited this long for its 64 KiB chunk to fill, bounding what a crash loses at low bitrates (e.g. 1s); default: never, a crash loses under 64 KiB of the stream"),
    ]

    init?(_ o: NodeOptions) {
        guard o.isSet("encrypt_to") || o.isSet("encrypt_to_file") else { return nil }
        inline = o.list("encrypt_to").map(\.description)
        file = o.path("encrypt_to_file")
        maxUnwritten = o.duration("max_unwritten").flatMap { $0 > 0 ? $0 : nil }
    }

    /// Parses the recipients (reading the file now).
    func recipients(bothSet: Bool = false) throws(Problem) -> [X25519Recipient] {
        if bothSet { throw Problem(option: "encrypt_to_file", message: "give either encrypt_to or encrypt_to_file, not both") }
        var out: [X25519Recipient] = []
        for (index, text) in inline.enumerated() {
            do {
                out.append(try X25519Recipient(text))
            } catch {
                let which = inline.count > 1 ? "entry \(index + 1)\(Self.quoted(text)): " : Self.quoted(text).isEmpty ? "" : "\(Self.quoted(text).dropFirst()): "
                throw Problem(option: "encrypt_to", message: which + "\(error)")
            }
        }
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                let reason = access(file, F_OK) != 0 ? "no such file" : access(file, R_OK) != 0 ? "permission denied" : "not readable UTF-8 text"
                throw Problem(option: "encrypt_to_file", message: "cannot read the recipients file \(file): \(reason)")
            }
            do {
                out += try KeyFiles.recipients(in: text)
            } catch {
                throw Problem(option: "encrypt_to_file", message: "recipients file \(file) \(error)")
            }
            if out.isEmpty { throw Problem(option: "encrypt_to_file", message: "the recipients file \(file) holds no recipient") }
        }
        if out.isEmpty { throw Problem(option: "encrypt_to", message: "no recipient given") }
        var seen = Set<X25519Recipient>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The value as the user wrote it, unless it is (or looks like) a secret key, which is
    /// never repeated.
    static func quoted(_ text: String) -> String {
        if text.uppercased().contains("AGE-SECRET-KEY") { return "" }
        let shown = text.count > 80 ? String(text.prefix(77)) + "..." : text
        return " '\(shown)'"
    }

    /// Why a container cannot be encrypted as it is written: the encryption is append-only.
    static func problem(with container: RecordContainer) -> String? {
        switch container {
        case .mkv, .ts: return nil
        case .mp4:
            return "encrypted recordings must be written strictly forward, and mp4mux goes back to rewrite its index; use container: mkv (written as streamable Matroska) or ts"
        }
    }
}
