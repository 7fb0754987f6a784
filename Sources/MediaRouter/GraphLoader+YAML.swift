import Foundation
import Yams

extension GraphLoader {
    /// libyaml's limit on nesting: its default, which Yams keeps.
    static let yamlNestingLimit = 1000

    /// Turns composed YAML into `ConfigValue`s. Applies merge keys (`<<: *base`, `<<: [*a, *b]`)
    /// as YAML 1.1 defines them, marks what was reached through an alias with where the alias
    /// was used, and bounds the work a file full of aliases can cause.
    ///
    /// Yams resolves an alias to the anchored node itself, marks included, so an alias is
    /// recognised by its place: an anchor always comes before its aliases, so a value whose
    /// mark is before its key's (or an item's before its list's) was reached through one.
    struct YAMLConverter {
        let file: String
        var budget: Int
        var diagnostics = Diagnostics()

        init(file: String, budget: Int) {
            self.file = file
            self.budget = budget
        }

        typealias Via = SourceLocation.Via

        func place(_ mark: Mark?, _ via: Via?, else fallback: SourceLocation? = nil) -> SourceLocation {
            guard let mark else { return fallback ?? SourceLocation(file: file, line: 1, column: 1, via: via) }
            return SourceLocation(file: file, line: mark.line, column: mark.column, via: via)
        }

        static func isBefore(_ a: Mark?, _ b: Mark?, orSame: Bool = false) -> Bool {
            guard let a, let b else { return false }
            if a.line != b.line { return a.line < b.line }
            return orSame ? a.column <= b.column : a.column < b.column
        }

        static func isMergeKey(_ key: Yams.Node) -> Bool {
            if case .scalar(let s) = key { return s.string == "<<" && s.style == .plain }
            return false
        }

        /// Nil when the budget ran out.
        mutating func convert(_ node: Yams.Node, via: Via? = nil) -> ConfigValue? {
            budget -= 1
            if budget < 0 { return nil }
            let loc = place(node.mark, via)
            switch node {
            case .scalar(let s):
                let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
                return .scalar(s.string, quoted: quoted, loc)
            case .sequence(let seq):
                var items: [ConfigValue] = []
                var floor = node.mark
                for n in seq {
                    let aliased = Self.isBefore(n.mark, floor, orSame: true)
                    guard let v = convert(n, via: via ?? (aliased ? Via(.alias, line: loc.line, column: loc.column) : nil)) else { return nil }
                    items.append(v)
                    if !aliased { floor = n.mark ?? floor }
                }
                return .sequence(items, loc)
            case .mapping(let map):
                var own: [ConfigEntry] = []
                var merged: [(position: Int, entries: [ConfigEntry])] = []
                for (k, v) in map {
                    let keyLoc = place(k.mark, via, else: loc)
                    if Self.isMergeKey(k) {
                        guard let entries = mergedEntries(v, mergeKey: k, at: keyLoc, via: via) else { return nil }
                        merged.append((own.count, entries))
                        continue
                    }
                    let keyText: String
                    switch k {
                    case .scalar(let s): keyText = s.string
                    default: keyText = GraphLoader.describeNonScalarKey(k)
                    }
                    let aliased = Self.isBefore(v.mark, k.mark)
                    guard let value = convert(v, via: via ?? (aliased ? Via(.alias, line: keyLoc.line, column: keyLoc.column) : nil)) else { return nil }
                    own.append(ConfigEntry(key: keyText, keyLocation: keyLoc, value: value, keyIsScalar: k.scalar != nil))
                }
                if merged.isEmpty { return .mapping(own, loc) }
                // YAML 1.1: the mapping's own keys win over merged ones, and of several merged
                // mappings the earlier wins. Merged entries take the place of their `<<`.
                var taken = Set(own.map(\.key))
                var entries: [ConfigEntry] = []
                var next = 0
                for m in merged {
                    entries += own[next..<m.position]
                    next = m.position
                    for e in m.entries where taken.insert(e.key).inserted { entries.append(e) }
                }
                entries += own[next...]
                return .mapping(entries, loc)
            case .alias:
                return .scalar("", quoted: false, loc)
            }
        }

        /// The entries a merge key brings in, in order of precedence; nil when the budget ran out.
        mutating func mergedEntries(_ value: Yams.Node, mergeKey: Yams.Node, at keyLoc: SourceLocation, via: Via?) -> [ConfigEntry]? {
            let sources: [Yams.Node]
            if case .sequence(let seq) = value { sources = Array(seq) } else { sources = [value] }
            var out: [ConfigEntry] = []
            for source in sources {
                let aliased = Self.isBefore(source.mark, mergeKey.mark)
                let sourceVia = via ?? (aliased ? Via(.merge, line: keyLoc.line, column: keyLoc.column) : nil)
                guard case .mapping = source else {
                    let what: String
                    switch source {
                    case .scalar(let s): what = s.string.isEmpty ? "nothing" : "'\(s.string.prefix(40))'"
                    case .sequence: what = "a list"
                    default: what = "an alias"
                    }
                    diagnostics.error("'<<' merges mappings: give it an alias of a mapping (<<: *base) or a list of them (<<: [*a, *b]), not \(what)",
                                      at: place(source.mark, sourceVia, else: keyLoc))
                    budget -= 1
                    if budget < 0 { return nil }
                    continue
                }
                guard let converted = convert(source, via: sourceVia) else { return nil }
                out += converted.entries ?? []
            }
            return out
        }
    }

    // MARK: YAML errors in plain words

    /// libyaml's wording for the problems users actually meet, said plainly; nil for the others.
    static func plainYAMLProblem(_ problem: String, line: Int, column: Int, in yaml: String) -> String? {
        if problem.contains("Maximum nesting level") {
            return "nesting is deeper than \(yamlNestingLimit) levels; a graph needs only a few"
        }
        if problem.contains("found a tab character") {
            return "a tab cannot indent YAML; use spaces"
        }
        if problem.contains("cannot start any token") {
            let c = character(atLine: line, column: column, in: yaml)
            if c == "\t" { return "a tab cannot indent YAML; use spaces" }
            if let c, !c.properties.isWhitespace {
                return "'\(c)' cannot start an unquoted value in YAML (it is reserved); put the text in quotes"
            }
        }
        return nil
    }

    static func character(atLine line: Int, column: Int, in yaml: String) -> Unicode.Scalar? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count, column >= 1 else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars)
        return column <= scalars.count ? scalars[column - 1] : nil
    }

    /// Yams reports a duplicate key at its first occurrence; users need the second, the one to
    /// delete or rename. Found by hiding the earlier occurrences under keys of the same length
    /// (so no mark moves) and composing again, until the mapping holding the first occurrence
    /// composes and its other key of that name shows.
    static func duplicateKeyDiagnostic(_ duplicates: [String], first: Mark, yaml: String, file: String) -> Diagnostic {
        let key = duplicates.first ?? ""
        var others = ""
        if duplicates.count > 1 { others = "; also given twice: " + duplicates.dropFirst().map { "'\($0)'" }.joined(separator: ", ") }
        let firstText = "first given at line \(first.line), column \(first.column)"
        if let second = secondOccurrence(of: key, first: (first.line, first.column), yaml: yaml) {
            return Diagnostic(.error, at: SourceLocation(file: file, line: second.line, column: second.column),
                              "duplicate key '\(key)' (\(firstText))\(others)")
        }
        return Diagnostic(.error, at: SourceLocation(file: file, line: first.line, column: first.column),
                          "duplicate key '\(key)' in one mapping (this is the first of them)\(others)")
    }

    static func secondOccurrence(of key: String, first: (line: Int, column: Int), yaml: String) -> (line: Int, column: Int)? {
        var text = yaml
        var hidden: [(line: Int, column: Int, key: String)] = []
        var next: (line: Int, column: Int, key: String) = (first.line, first.column, key)
        for round in 0..<32 {
            guard let masked = hide(next.key, atLine: next.line, column: next.column, in: text, round: round) else { return nil }
            text = masked
            hidden.append(next)
            do {
                guard let root = try Yams.compose(yaml: text) else { return nil }
                return sibling(of: first, named: key, hidden: hidden, in: root)
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                next = (context.mark.line, context.mark.column, duplicates.first ?? "")
            } catch {
                return nil
            }
        }
        return nil
    }

    /// The text with the key at a place replaced by private-use characters of the same count.
    static func hide(_ key: String, atLine line: Int, column: Int, in text: String, round: Int) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard line >= 1, line <= lines.count, column >= 1, !key.isEmpty else { return nil }
        var scalars = lines[line - 1]
        let keyScalars = Array(key.unicodeScalars)
        var start = column - 1
        if start < scalars.count, scalars[start] == "\"" || scalars[start] == "'" { start += 1 }
        guard start + keyScalars.count <= scalars.count, Array(scalars[start..<(start + keyScalars.count)]) == keyScalars,
              let mask = Unicode.Scalar(0xE000 + UInt32(round)) else { return nil }
        for i in start..<(start + keyScalars.count) { scalars[i] = mask }
        lines[line - 1] = scalars
        return lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
    }

    /// In the mapping whose key sits at `first`, the next key after it with the same name.
    static func sibling(of first: (line: Int, column: Int), named key: String, hidden: [(line: Int, column: Int, key: String)],
                        in root: Yams.Node) -> (line: Int, column: Int)? {
        func at(_ m: Mark?, _ p: (line: Int, column: Int)) -> Bool { m?.line == p.line && m?.column == p.column }
        func after(_ m: Mark) -> Bool { (m.line, m.column) > first }
        // Aliases can make a small text a huge tree; the mapping is near the top in practice.
        var visits = GraphLoader.maxValues
        func search(_ node: Yams.Node) -> (line: Int, column: Int)? {
            visits -= 1
            if visits < 0 { return nil }
            switch node {
            case .mapping(let map):
                let keys = map.map(\.key)
                if keys.contains(where: { at($0.mark, first) }) {
                    let same = keys.compactMap { k -> Mark? in
                        guard let m = k.mark, after(m) else { return nil }
                        if k.string == key || hidden.contains(where: { $0.key == key && at(m, ($0.line, $0.column)) }) { return m }
                        return nil
                    }
                    if let m = same.min(by: { ($0.line, $0.column) < ($1.line, $1.column) }) { return (m.line, m.column) }
                    return nil
                }
                for (_, v) in map { if let found = search(v) { return found } }
                return nil
            case .sequence(let seq):
                for n in seq { if let found = search(n) { return found } }
                return nil
            default:
                return nil
            }
        }
        return search(root)
    }
}
