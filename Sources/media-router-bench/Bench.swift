import ArgumentParser
import Foundation
import MediaRouter

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-router-bench",
        abstract: "Benchmarks that print figures (they are not tests): NetGear transport, fan-out, recording.",
        discussion: "Build with -c release for meaningful numbers: swift run -c release media-router-bench netgear",
        subcommands: [NetGearBench.self, FanoutBench.self, RecordBench.self, MetricsBench.self, RawPub.self, RawSubs.self]
    )

    static func main() {
        // The same allocator settings media-router runs with, for every path measured here.
        MemoryTuning.configureForVideo()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Percentiles and rates from samples.
struct Stats {
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let i = min(sorted.count - 1, max(0, Int((Double(sorted.count - 1) * p).rounded())))
        return sorted[i]
    }
}

func fmt(_ v: Double?, _ digits: Int = 1) -> String {
    guard let v, v.isFinite else { return "-" }
    return String(format: "%.\(digits)f", v)
}

/// CPU time (user + system) of this process, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Resident memory of this process, in MB.
func residentMegabytes(pid: Int32 = getpid()) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// CPU seconds used so far by another process (user + system), from /proc.
func childCPUSeconds(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // Fields after the command: state is [0]; utime [11], stime [12] (clock ticks).
    guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (u + s) / hz
}

/// This tool's own path, symlinks resolved (for starting its helper subcommands).
func benchExecutable() -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
}

/// The media-router binary built next to this tool.
func routerExecutable() throws -> String {
    let router = (benchExecutable() as NSString).deletingLastPathComponent + "/media-router"
    guard FileManager.default.isExecutableFile(atPath: router) else {
        throw ValidationError("media-router not found next to this tool (\(router)); build it: swift build -c release")
    }
    return router
}

/// The repository root: where bench/ and .test-venv live.
func repositoryRoot() -> String {
    var dir = FileManager.default.currentDirectoryPath
    for _ in 0..<6 {
        if FileManager.default.fileExists(atPath: dir + "/bench/vidgear_bench.py") { return dir }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return FileManager.default.currentDirectoryPath
}

/// A table printed with aligned columns, also kept as Markdown.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) {
        rows.append(row)
        print(row.joined(separator: "\t"))
        fflush(nil)
    }

    var text: String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return all.map { r in r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }.joined(separator: "\n")
    }

    var markdown: String {
        "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n"
    }
}
