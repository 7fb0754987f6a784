import Age
import ArgumentParser
import Foundation

/// `media-router recordings`: encrypted recordings (gst.record with encrypt_to) on the machine
/// that holds the identity, not the recorder.
struct RecordingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recordings",
        abstract: "Check and recover encrypted recordings (NAME.mkv.age, NAME.ts.age).",
        discussion: """
        Finished segments are ordinary age files: `age -d -i identity.txt NAME.mkv.age > NAME.mkv`. \
        age refuses a file whose end is missing, such as the segment being written when the \
        recorder was killed; `recover` decrypts every chunk of it that authenticates and writes a \
        file that plays up to there. `verify` checks every chunk of every file it is given.
        """,
        subcommands: [Recover.self, Verify.self]
    )

    struct Identities: ParsableArguments {
        @Option(name: [.short, .long], help: "An age identity file (from age-keygen); may be given more than once.")
        var identity: [String] = []

        func load() throws -> [X25519Identity] {
            guard !identity.isEmpty else { throw ValidationError("give the identity that decrypts the recordings with --identity FILE") }
            var out: [X25519Identity] = []
            for path in identity {
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw ValidationError("cannot read the identity file \(path)")
                }
                do {
                    let found = try KeyFiles.identities(in: text)
                    if found.isEmpty { throw ValidationError("the identity file \(path) holds no identity") }
                    out += found
                } catch let error as KeyFiles.LineError {
                    throw ValidationError("identity file \(path) \(error)")
                }
            }
            return out
        }
    }

    /// What a payload outcome means, in words; `bytes` is the plaintext that authenticated.
    static func describe(_ outcome: PayloadOutcome, bytes: Int64) -> String {
        let amount = "\(outcome.authenticatedChunks) chunk\(outcome.authenticatedChunks == 1 ? "" : "s"), \(bytes) bytes"
        switch outcome {
        case .complete:
            return "complete (\(amount))"
        case .truncated(let n):
            return "truncated at chunk \(n): the file ends before its last chunk (cut short, e.g. the recorder was killed); "
                + "the first \(amount) authenticate and play"
        case .damaged(let n, let partial):
            return "tampered at chunk \(n)\(partial ? " (or cut short while that chunk was written)" : ""): "
                + "it does not authenticate; the \(amount) before it do and play"
        case .trailingData(let n):
            return "tampered after chunk \(n - 1): data follows the last chunk; the \(amount) before it authenticate and play"
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt every authenticated chunk of an encrypted recording, stopping at the first damaged or missing one.")

        @Argument(help: "The encrypted recording (NAME.mkv.age or NAME.ts.age).")
        var file: String

        @OptionGroup var identities: Identities

        @Option(name: [.short, .long], help: "Where to write the recording (default: FILE without .age). Never overwritten.")
        var output: String?

        func run() throws {
            let ids = try identities.load()
            let target = output ?? (file.hasSuffix(".age") ? String(file.dropLast(4)) : file + ".recovered")
            if FileManager.default.fileExists(atPath: target) { throw ValidationError("\(target) exists; give another --output") }
            let reader: AgeReader
            do {
                reader = try AgeReader(path: file, identities: ids)
            } catch {
                printError("\(file): \(error)")
                throw ExitCode(2)
            }
            let sink = try FileSink(path: target)
            var bytes: Int64 = 0
            let outcome = try reader.decrypt { plain in
                try sink.write(plain)
                bytes += Int64(plain.count)
            }
            try sink.close()
            print("\(file): \(RecordingsCommand.describe(outcome, bytes: bytes))")
            if bytes == 0 && !outcome.isComplete {
                // A segment killed before its first chunk filled holds only its header.
                try? FileManager.default.removeItem(atPath: target)
                print("nothing to recover: no chunk of it was written before it ended")
                throw ExitCode(1)
            }
            print(outcome.isComplete ? "wrote \(target)" : "wrote \(target) with everything up to there (\(bytes) bytes)")
            if case .damaged = outcome { throw ExitCode(1) }
            if case .trailingData = outcome { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every chunk of encrypted recordings: complete, truncated at chunk N, or tampered at chunk N.",
            discussion: "Exits 0 only when every file is complete.")

        @Argument(help: "Encrypted recordings.")
        var files: [String]

        @OptionGroup var identities: Identities

        func run() throws {
            let ids = try identities.load()
            var allComplete = true
            for file in files {
                do {
                    let reader = try AgeReader(path: file, identities: ids)
                    var bytes: Int64 = 0
                    let outcome = try reader.decrypt { bytes += Int64($0.count) }
                    print("\(file): \(RecordingsCommand.describe(outcome, bytes: bytes))")
                    allComplete = allComplete && outcome.isComplete
                } catch let error as AgeFormatError {
                    let label: String
                    switch error {
                    case .headerMACMismatch: label = "tampered at the header"
                    case .truncatedHeader: label = "truncated at the header: nothing plays"
                    case .noMatch: label = "not for these identities"
                    default: label = "unreadable"
                    }
                    print("\(file): \(label): \(error)")
                    allComplete = false
                }
            }
            if !allComplete { throw ExitCode(1) }
        }
    }
}

private func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
