/// gst-launch descriptions handled as text: where elements start and end, and how to give the
/// first or last one a name, so that `properties:` can find "the source" or "the sink" of a
/// description the user wrote without GStreamer telling us which element came first.
enum LaunchText {
    enum End { case first, last }

    /// A description with one of its end elements named, and that name; the name is nil when
    /// that end is not a plain element (caps, a pad reference, a bin in parentheses).
    struct Named: Sendable {
        var description: String
        var elementName: String?
    }

    /// Quotes a value for a description: paths and URIs may hold spaces, `!` or quotes.
    static func quote(_ value: String) -> String {
        var out = "\""
        for c in value {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    /// Names the element at one end after its factory (`videotestsrc name=videotestsrc`), unless
    /// the user named it already. GStreamer's own names always end in a number, so a factory name
    /// cannot clash with them, and it reads naturally in error messages and in `factory.prop` keys.
    static func nameElement(at end: End, of description: String) -> Named {
        let bounds = chunkBounds(description)
        guard let range = end == .first ? bounds.first : bounds.last else {
            return Named(description: description, elementName: nil)
        }
        let chunk = description[range]
        let tokens = tokenize(chunk)
        guard let factory = tokens.first, isFactoryName(factory.text) else {
            return Named(description: description, elementName: nil)
        }
        for token in tokens.dropFirst() where token.text.hasPrefix("name=") {
            return Named(description: description, elementName: unquote(String(token.text.dropFirst(5))))
        }
        var text = description
        text.insert(contentsOf: " name=\(factory.text)", at: factory.range.upperBound)
        return Named(description: text, elementName: String(factory.text))
    }

    /// The ranges between top-level `!` links (outside quotes and parentheses).
    static func chunkBounds(_ s: String) -> [Range<String.Index>] {
        var result: [Range<String.Index>] = []
        var start = s.startIndex
        var quote: Character?
        var depth = 0
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == "\\" {
                    i = s.index(after: i)
                    if i == s.endIndex { break }
                } else if c == q {
                    quote = nil
                }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth = max(0, depth - 1)
            } else if c == "!" && depth == 0 {
                result.append(start..<i)
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        result.append(start..<s.endIndex)
        return result.filter { !s[$0].allSatisfy(\.isWhitespace) }
    }

    struct Token {
        var text: Substring
        var range: Range<String.Index>
    }

    /// Whitespace-separated words of one element, quotes kept whole.
    static func tokenize(_ s: Substring) -> [Token] {
        var tokens: [Token] = []
        var i = s.startIndex
        while i < s.endIndex {
            while i < s.endIndex, s[i].isWhitespace { i = s.index(after: i) }
            guard i < s.endIndex else { break }
            let start = i
            var quote: Character?
            while i < s.endIndex {
                let c = s[i]
                if let q = quote {
                    if c == "\\" {
                        i = s.index(after: i)
                        if i == s.endIndex { break }
                    } else if c == q {
                        quote = nil
                    }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c.isWhitespace {
                    break
                }
                i = s.index(after: i)
            }
            tokens.append(Token(text: s[start..<i], range: start..<i))
        }
        return tokens
    }

    static func isFactoryName(_ s: Substring) -> Bool {
        guard let first = s.first, first.isLetter else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    static func unquote(_ s: String) -> String {
        guard s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f else { return s }
        var out = ""
        var escaped = false
        for c in s.dropFirst().dropLast() {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}
