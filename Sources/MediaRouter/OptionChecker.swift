import Foundation

/// Checks YAML values against option types.
enum OptionChecker {
    /// Checks `value` against `type`; returns the value or a message saying what was expected.
    static func check(_ value: ConfigValue, as type: OptionType) -> Result<OptionValue, CheckFailure> {
        switch type {
        case .bool:
            if let s = value.scalarText, let b = ConfigValue.parseBool(s) { return .success(.bool(b)) }
            return .failure(.init("expected true or false, got \(value.shortDescription)"))
        case .int(let range):
            guard let s = value.scalarText, let i = Int(s.replacingOccurrences(of: "_", with: "")) else {
                if let s = value.scalarText, let d = Double(s), d.rounded() != d {
                    return .failure(.init("expected a whole number, got \(value.shortDescription)"))
                }
                return .failure(.init("expected an integer, got \(value.shortDescription)"))
            }
            if let r = range, !r.contains(i) {
                return .failure(.init("\(i) is out of range (\(r.lowerBound)...\(r.upperBound))", outOfRange: true))
            }
            return .success(.int(i))
        case .double(let range):
            guard let s = value.scalarText, let d = Double(s), d.isFinite else {
                return .failure(.init("expected a number, got \(value.shortDescription)"))
            }
            if let r = range, !r.contains(d) {
                return .failure(.init("\(OptionType.fmt(d)) is out of range (\(OptionType.fmt(r.lowerBound))...\(OptionType.fmt(r.upperBound)))", outOfRange: true))
            }
            return .success(.double(d))
        case .string:
            guard let s = value.scalarText, !value.isNullScalar || s.isEmpty == false else {
                return .failure(.init("expected a string, got \(value.shortDescription)"))
            }
            return .success(.string(s))
        case .path:
            guard let s = value.scalarText else {
                return .failure(.init("expected a path, got \(value.shortDescription)"))
            }
            if s.trimmingCharacters(in: .whitespaces).isEmpty {
                return .failure(.init("expected a path, got an empty string"))
            }
            return .success(.string(s))
        case .choice(let choices, let aliases):
            guard let s = value.scalarText else {
                return .failure(.init("expected one of \(choices.joined(separator: ", ")), got \(value.shortDescription)"))
            }
            let key = s.lowercased()
            if let c = choices.first(where: { $0.lowercased() == key }) { return .success(.string(c)) }
            if let a = aliases.first(where: { $0.key.lowercased() == key }) { return .success(.string(a.value)) }
            let all = choices + aliases.keys.sorted()
            return .failure(.init("'\(s)' is not one of \(choices.joined(separator: ", "))\(didYouMean(s, in: all))"))
        case .duration:
            guard let s = value.scalarText, let d = parseDuration(s) else {
                return .failure(.init("expected a duration such as 500ms, 10s, 5m or 1h, got \(value.shortDescription)"))
            }
            if d < 0 { return .failure(.init("a duration cannot be negative", outOfRange: true)) }
            return .success(.duration(d))
        case .byteSize:
            guard let s = value.scalarText, let b = parseByteSize(s) else {
                return .failure(.init("expected a size such as 500MB or 2GiB, got \(value.shortDescription)"))
            }
            return .success(.bytes(b))
        case .framerate:
            guard let s = value.scalarText, let (n, d) = parseFramerate(s) else {
                return .failure(.init("expected a frame rate such as 30, 29.97 or 30000/1001, got \(value.shortDescription)"))
            }
            if n <= 0 || d <= 0 || Double(n) / Double(d) > 1000 {
                return .failure(.init("frame rate \(s) is out of range (more than 0, at most 1000)", outOfRange: true))
            }
            return .success(.framerate(num: n, den: d))
        case .list(let element):
            let items: [ConfigValue]
            if case .sequence(let i, _) = value { items = i } else { items = [value] }
            var out: [OptionValue] = []
            for item in items {
                switch check(item, as: element) {
                case .success(let v): out.append(v)
                case .failure(var f):
                    f.location = f.location ?? item.location
                    return .failure(f)
                }
            }
            return .success(.list(out))
        case .stringMap:
            guard case .mapping(let entries, _) = value else {
                return .failure(.init("expected a mapping of names to values, got \(value.shortDescription)"))
            }
            var m: [String: String] = [:]
            var order: [String] = []
            for e in entries {
                guard let s = e.value.scalarText else {
                    return .failure(.init("value of '\(e.key)' must be a scalar, got \(e.value.shortDescription)", location: e.value.location))
                }
                if m[e.key] == nil { order.append(e.key) }
                m[e.key] = s
            }
            return .success(.map(m, order: order))
        case .json:
            return .success(.json(value.json))
        case .named(_, let t):
            return check(value, as: t)
        case .oneOf(let types):
            var rangeFailure: CheckFailure?
            for t in types {
                switch check(value, as: t) {
                case .success(let v): return .success(v)
                case .failure(let f):
                    if f.outOfRange && rangeFailure == nil { rangeFailure = f }
                }
            }
            if let rangeFailure, types.count == 1 { return .failure(rangeFailure) }
            return .failure(.init("expected \(type), got \(value.shortDescription)", outOfRange: rangeFailure != nil))
        }
    }

    struct CheckFailure: Error {
        var message: String
        var outOfRange = false
        var location: SourceLocation?
        init(_ message: String, outOfRange: Bool = false, location: SourceLocation? = nil) {
            self.message = message
            self.outOfRange = outOfRange
            self.location = location
        }
    }
}
