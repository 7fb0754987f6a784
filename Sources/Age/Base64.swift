import Foundation

/// Base64 as age's header writes it: the standard alphabet without padding, and only in its
/// canonical form (unused bits zero), so that every header has exactly one encoding.
enum Base64 {
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of unpadded canonical base64, or nil for anything else (padding, other
    /// characters, non-zero unused bits, an impossible length).
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        if text.count % 4 == 1 { return nil }
        for c in text {
            let ok = (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            if !ok { return nil }
        }
        var padded = String(decoding: text, as: UTF8.self)
        while padded.utf8.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = [UInt8](data)
        // Re-encoding tells a canonical text from one whose unused bits were set.
        guard encode(bytes).utf8.elementsEqual(text) else { return nil }
        return bytes
    }
}
