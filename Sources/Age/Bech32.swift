/// Bech32 (BIP 173, the original checksum, not Bech32m) as age uses it for its keys: no length
/// limit, and one case per string (age1… lower case for recipients, AGE-SECRET-KEY-1… upper case
/// for identities).
enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    enum Failure: Error, Equatable, CustomStringConvertible {
        case mixedCase
        case noSeparator
        case invalidCharacter(Character)
        case badChecksum
        case badPadding

        var description: String {
            switch self {
            case .mixedCase: return "it mixes upper and lower case"
            case .noSeparator: return "it has no '1' separating the prefix from the data"
            case .invalidCharacter(let c): return "'\(c)' is not a Bech32 character"
            case .badChecksum: return "its checksum is wrong (a character is mistyped or missing)"
            case .badPadding: return "its data does not decode to whole bytes"
            }
        }
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits: 8-bit bytes to 5-bit groups (`pad` true) or back (`pad` false, where
    /// leftover bits must be zero and fewer than 5).
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var acc = 0, bits = 0
        var out: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            acc = (acc << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxValue)) }
        } else if bits >= from || ((acc << (to - bits)) & maxValue) != 0 {
            return nil
        }
        return out
    }

    /// Encodes `data` under the human-readable part `hrp`; the result is lower case.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let h = Array(hrp.lowercased().utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true) ?? []
        let mod = polymod(expand(h) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        let checksum = (0..<6).map { UInt8((mod >> UInt32(5 * (5 - $0))) & 31) }
        return String(decoding: h + [UInt8(ascii: "1")] + (values + checksum).map { charset[Int($0)] }, as: UTF8.self)
    }

    /// Decodes a Bech32 string into its (lower-cased) human-readable part and data bytes.
    static func decode(_ text: String) throws(Failure) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        let hasLower = bytes.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        if hasLower && hasUpper { throw .mixedCase }
        let lower = Array(text.lowercased().utf8)
        for c in lower where c < 33 || c > 126 { throw .invalidCharacter(Character(Unicode.Scalar(c))) }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1, lower.count - separator - 1 >= 6 else {
            throw .noSeparator
        }
        let hrp = Array(lower[..<separator])
        var values: [UInt8] = []
        for c in lower[(separator + 1)...] {
            guard let index = charset.firstIndex(of: c) else { throw .invalidCharacter(Character(Unicode.Scalar(c))) }
            values.append(UInt8(index))
        }
        guard polymod(expand(hrp) + values) == 1 else { throw .badChecksum }
        guard let data = convertBits(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else { throw .badPadding }
        return (String(decoding: hrp, as: UTF8.self), data)
    }
}
