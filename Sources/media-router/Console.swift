import Foundation
import Logging
import MediaRouter

/// Serialises everything written to the terminal, so log lines and the live status line do not
/// tear each other.
final class Console: @unchecked Sendable {
    // Safe: all state is guarded by `lock`.
    static let shared = Console()

    private let lock = NSLock()
    private var statusShown = false
    let stderrIsTerminal = isatty(STDERR_FILENO) != 0

    func writeLog(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        clearStatusLocked()
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Shows a one-line status that the next status or log line replaces (terminals only).
    func showStatus(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        if stderrIsTerminal {
            let width = Console.terminalWidth()
            let shown = line.count > width - 1 ? String(line.prefix(width - 2)) + "…" : line
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + shown).utf8))
            statusShown = true
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func clearStatus() {
        lock.lock(); defer { lock.unlock() }
        clearStatusLocked()
    }

    private func clearStatusLocked() {
        if statusShown {
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
            statusShown = false
        }
    }

    func printOut(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        clearStatusLocked()
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    func printErr(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        clearStatusLocked()
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func terminalWidth() -> Int {
        var ws = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 10 { return Int(ws.ws_col) }
        return 120
    }
}

/// swift-log handler that writes `time level [node] message key=value` lines to stderr.
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let node = all.removeValue(forKey: "node")
        var line = ConsoleLogHandler.timestamp() + " " + event.level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
        if let node { line += " [\(node)]" }
        line += " " + event.message.description
        if !all.isEmpty {
            line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        Console.shared.writeLog(line)
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tmv = tm()
        localtime_r(&t, &tmv)
        return String(format: "%02d:%02d:%02d.%03d", tmv.tm_hour, tmv.tm_min, tmv.tm_sec, ts.tv_nsec / 1_000_000)
    }
}
