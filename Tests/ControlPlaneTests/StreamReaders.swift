import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads parts of a `multipart/x-mixed-replace` body as they arrive.
struct MultipartReader {
    var buffer = [UInt8]()
    let boundary: [UInt8]

    init(boundary: String) { self.boundary = Array("--\(boundary)\r\n".utf8) }

    struct Part {
        var headers: [String: String]
        var body: [UInt8]
        var arrived: ContinuousClock.Instant
    }

    /// Takes new bytes; returns the parts now complete (a part is complete once the next boundary arrived).
    mutating func feed(_ bytes: ByteBuffer) -> [Part] {
        buffer += bytes.readableBytesView
        var parts: [Part] = []
        while true {
            guard let first = find(boundary, from: 0) else { return parts }
            let start = first + boundary.count
            guard let headerEnd = find(Array("\r\n\r\n".utf8), from: start) else { return parts }
            var headers: [String: String] = [:]
            for line in String(decoding: buffer[start..<headerEnd], as: UTF8.self).split(separator: "\r\n") {
                let kv = line.split(separator: ":", maxSplits: 1)
                if kv.count == 2 { headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces) }
            }
            let bodyStart = headerEnd + 4
            guard let length = headers["content-length"].flatMap(Int.init) else { return parts }
            // The part ends with CRLF and then the next boundary follows at once.
            guard buffer.count >= bodyStart + length + 2 + boundary.count else { return parts }
            let body = Array(buffer[bodyStart..<(bodyStart + length)])
            let tail = Array(buffer[(bodyStart + length)..<(bodyStart + length + 2 + boundary.count)])
            precondition(tail == Array("\r\n".utf8) + boundary, "a part does not end with CRLF and the next boundary")
            parts.append(Part(headers: headers, body: body, arrived: .now))
            buffer.removeFirst(bodyStart + length + 2)
        }
    }

    func find(_ needle: [UInt8], from: Int) -> Int? {
        guard buffer.count >= needle.count, from <= buffer.count - needle.count else { return nil }
        var i = from
        while i <= buffer.count - needle.count {
            if buffer[i] == needle[0] && Array(buffer[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// Reads server-sent events as they arrive.
struct SSEReader {
    var text = ""
    struct Event { var id: String?; var event: String; var data: String }

    mutating func feed(_ bytes: ByteBuffer) -> [Event] {
        text += String(decoding: bytes.readableBytesView, as: UTF8.self)
        var out: [Event] = []
        while let r = text.range(of: "\n\n") {
            let block = text[..<r.lowerBound]
            text.removeSubrange(..<r.upperBound)
            var e = Event(id: nil, event: "message", data: "")
            var hasData = false
            for line in block.split(separator: "\n") {
                if line.hasPrefix(":") { continue }
                if line.hasPrefix("id: ") { e.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { e.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { e.data += String(line.dropFirst(6)); hasData = true }
            }
            if hasData { out.append(e) }
        }
        return out
    }
}
