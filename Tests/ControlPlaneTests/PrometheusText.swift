import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), for checking /metrics.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    var samples: [Sample] = []

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var text: String
        var problem: String
        var description: String { "line \(line): \(problem): \(text)" }
    }

    static var namePattern: Regex<Substring> { /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ }
    static var labelPattern: Regex<Substring> { /^[a-zA-Z_][a-zA-Z0-9_]*$/ }

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, text: "", problem: "does not end with a newline") }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let line = String(raw)
            let n = i + 1
            if line.isEmpty { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2, ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[1])) else {
                    throw ParseError(line: n, text: line, problem: "bad TYPE")
                }
                guard types[String(parts[0])] == nil else { throw ParseError(line: n, text: line, problem: "second TYPE for a family") }
                types[String(parts[0])] = String(parts[1])
                continue
            }
            if line.hasPrefix("# HELP ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                helps[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                continue
            }
            if line.hasPrefix("#") { continue }
            var name = ""
            var labels: [String: String] = [:]
            var rest: Substring
            if let brace = line.firstIndex(of: "{") {
                name = String(line[..<brace])
                guard let close = line.lastIndex(of: "}") else { throw ParseError(line: n, text: line, problem: "unclosed labels") }
                var body = line[line.index(after: brace)..<close]
                while !body.isEmpty {
                    guard let eq = body.firstIndex(of: "=") else { throw ParseError(line: n, text: line, problem: "label without '='") }
                    let key = String(body[..<eq])
                    guard key.wholeMatch(of: Self.labelPattern) != nil else { throw ParseError(line: n, text: line, problem: "bad label name '\(key)'") }
                    var j = body.index(after: eq)
                    guard j < body.endIndex, body[j] == "\"" else { throw ParseError(line: n, text: line, problem: "label value not quoted") }
                    j = body.index(after: j)
                    var value = ""
                    while j < body.endIndex, body[j] != "\"" {
                        if body[j] == "\\" {
                            j = body.index(after: j)
                            guard j < body.endIndex else { break }
                            value.append(body[j] == "n" ? "\n" : body[j])
                        } else {
                            value.append(body[j])
                        }
                        j = body.index(after: j)
                    }
                    guard j < body.endIndex else { throw ParseError(line: n, text: line, problem: "unterminated label value") }
                    labels[key] = value
                    body = body[body.index(after: j)...]
                    if body.hasPrefix(",") { body = body.dropFirst() }
                }
                rest = line[line.index(after: close)...]
            } else {
                guard let sp = line.firstIndex(of: " ") else { throw ParseError(line: n, text: line, problem: "no value") }
                name = String(line[..<sp])
                rest = line[sp...]
            }
            guard name.wholeMatch(of: Self.namePattern) != nil else { throw ParseError(line: n, text: line, problem: "bad metric name") }
            let fields = rest.split(separator: " ")
            guard fields.count == 1 || fields.count == 2, let value = Self.number(String(fields[0])) else {
                throw ParseError(line: n, text: line, problem: "bad value")
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        // Every sample belongs to a declared family.
        for s in samples {
            let family = types[s.name] != nil ? s.name
                : ["_bucket", "_sum", "_count"].compactMap { s.name.hasSuffix($0) ? String(s.name.dropLast($0.count)) : nil }.first { types[$0] == "histogram" }
            guard family != nil else { throw ParseError(line: 0, text: s.name, problem: "sample of no declared family") }
        }
    }

    static func number(_ s: String) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(s)
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { s in s.name == name && labels.allSatisfy { k, v in s.labels[k] == v } }?.value
    }

    func all(_ name: String) -> [Sample] { samples.filter { $0.name == name } }
}
