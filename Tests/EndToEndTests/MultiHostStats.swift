import Foundation
import MediaRouter
import TestSupport

/// One reading of a `run --stats-file`: when the process wrote it, and one node's counter.
struct MultiHostStatsSample: Sendable {
    /// Wall-clock seconds (CLOCK_REALTIME) at which the process wrote the file.
    var time: Double
    /// Seconds the process had been running: it goes back only when the process is new.
    var elapsed: Double
    var frames: Int
}

/// The versions of several stats files seen so far, by name, and what they tell. Each file
/// carries the time it was written (every 250 ms), so when a counter moved is known to that
/// precision however late the file was read.
struct MultiHostStatsHistory: Sendable {
    var samples: [String: [MultiHostStatsSample]] = [:]

    /// The counter as last written at or before `time` (0 before the first file).
    func frames(_ name: String, at time: Double) -> Int {
        samples[name]?.last(where: { $0.time <= time })?.frames ?? 0
    }

    func latest(_ name: String) -> Int { samples[name]?.last?.frames ?? 0 }

    /// Seconds from `time` to the first file written after it whose counter is higher than at
    /// `time`; nil if it has not grown since.
    func resumed(_ name: String, after time: Double) -> Double? {
        let before = frames(name, at: time)
        return samples[name]?.first(where: { $0.time > time && $0.frames > before }).map { $0.time - time }
    }

    /// Seconds from `time` to the first file written by a process started after `time` that
    /// shows the counter above zero: when a restarted process got going.
    func startedCounting(_ name: String, after time: Double) -> Double? {
        samples[name]?.first(where: { $0.time > time && $0.time - $0.elapsed > time - 0.5 && $0.frames > 0 }).map { $0.time - time }
    }

    /// The longest time in `start...end` during which the counter did not grow, measured
    /// between the files that show it growing (and the window's ends).
    func longestStall(_ name: String, from start: Double, to end: Double) -> Double {
        var last = start
        var longest = 0.0
        var previous = frames(name, at: start)
        for s in samples[name] ?? [] where s.time > start && s.time <= end {
            if s.frames > previous {
                longest = max(longest, s.time - last)
                last = s.time
                previous = s.frames
            }
        }
        let lastWrite = samples[name]?.last(where: { $0.time <= end })?.time ?? start
        return max(longest, lastWrite - last)
    }

    /// True if the process behind the file was replaced: its running time went back.
    func restarted(_ name: String) -> Bool {
        let s = samples[name] ?? []
        return zip(s, s.dropFirst()).contains { $1.elapsed < $0.elapsed }
    }

    /// The counter's history in `start...end`, as "+seconds:value" from `start`, for failure messages.
    func trace(_ name: String, from start: Double, to end: Double) -> String {
        (samples[name] ?? []).filter { $0.time >= start && $0.time <= end }
            .map { String(format: "%+.2f:%d", $0.time - start, $0.frames) }.joined(separator: " ")
    }
}

/// Follows the stats files of several processes, reading them every 100 ms while the caller
/// waits. It blocks its thread: use it on a thread of its own, so that a busy cooperative pool
/// (other tests) cannot leave seconds between readings.
final class MultiHostStatsWatch {
    struct Source {
        var path: String
        var node: String
        var counter: String
    }

    private var sources: [String: Source] = [:]
    private(set) var history = MultiHostStatsHistory()

    func follow(_ name: String, path: String, node: String, counter: String) {
        sources[name] = Source(path: path, node: node, counter: counter)
    }

    /// Reads every file once, keeping the versions not seen yet.
    func sample() {
        for (name, source) in sources {
            guard let doc = readStatsFile(source.path),
                  let time = doc["time"]?.intValue, let elapsed = doc["elapsed"]?.doubleValue,
                  let value = doc["nodes"]?[source.node]?[source.counter]?.intValue else { continue }
            let s = MultiHostStatsSample(time: Double(time) / 1e9, elapsed: elapsed, frames: Int(value))
            if let last = history.samples[name]?.last, last.time == s.time { continue }
            history.samples[name, default: []].append(s)
        }
    }

    /// Samples every 100 ms for `seconds`.
    func watch(for seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            sample()
            Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow)))
        }
        sample()
    }

    /// Samples every 100 ms until `condition` holds or `timeout` passes; returns whether it held.
    func watch(until timeout: Double, _ condition: (MultiHostStatsHistory) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            sample()
            if condition(history) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        sample()
        return condition(history)
    }
}
