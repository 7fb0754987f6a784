import Testing
@testable import ZeroMQ

@Suite("Z85")
struct Z85Tests {
    @Test("the ZeroMQ spec vector encodes to HelloWorld and back")
    func specVector() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
    }

    @Test("round trips random data of every multiple of 4 up to 64 bytes")
    func roundTrips() {
        for count in stride(from: 0, through: 64, by: 4) {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255) }
            let text = Z85.encode(bytes)
            #expect(text?.count == count / 4 * 5)
            #expect(text.flatMap(Z85.decode) == bytes)
        }
    }

    @Test("refuses lengths that are not multiples of 4 (encode) or 5 (decode)")
    func refusesBadLengths() {
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("Hello") != nil)
        #expect(Z85.decode("Hell") == nil)
        #expect(Z85.decode("HelloWorl") == nil)
    }

    @Test("refuses characters outside the alphabet and embedded NUL")
    func refusesBadCharacters() {
        #expect(Z85.decode("Hell\"World") == nil)
        #expect(Z85.decode("Hello Worl") == nil)
        #expect(Z85.decode("Hell\u{0}World") == nil)
        #expect(Z85.decode("HelloWörld") == nil)
    }

    @Test("a 32-byte key is 40 characters; CurveKey only accepts exactly that")
    func keyLengths() throws {
        let key = try #require(CurveKey(bytes: [UInt8](hex: KnownKeys.clientPublicHex)))
        #expect(key.z85 == KnownKeys.clientPublic)
        #expect(CurveKey(z85: KnownKeys.clientPublic) == key)
        #expect(CurveKey(z85: String(KnownKeys.clientPublic.dropLast(5))) == nil)
        #expect(CurveKey(z85: KnownKeys.clientPublic + "HelloWorld") == nil)
        #expect(CurveKey(bytes: [UInt8](repeating: 0, count: 31)) == nil)
    }
}
