import Testing
@testable import ZeroMQ

@Suite("CURVE keys")
struct CurveKeyTests {
    @Test("the public key derived from a secret key matches libzmq's test vectors")
    func publicFromSecret() throws {
        let client = try #require(CurveSecretKey(z85: KnownKeys.clientSecret))
        #expect(client.publicKey.z85 == KnownKeys.clientPublic)
        let server = CurveKeyPair(secret: try #require(CurveSecretKey(z85: KnownKeys.serverSecret)))
        #expect(server.publicKey.z85 == KnownKeys.serverPublic)
    }

    @Test("generated pairs are consistent and distinct")
    func generate() throws {
        let first = try CurveKeyPair.generate()
        let second = try CurveKeyPair.generate()
        #expect(first.publicKey != second.publicKey)
        #expect(CurveKeyPair(secret: first.secretKey).publicKey == first.publicKey)
        let copy = try #require(CurveSecretKey(z85: first.secretKey.unsafeZ85ForWriting()))
        #expect(copy.constantTimeEquals(first.secretKey))
        #expect(!copy.constantTimeEquals(second.secretKey))
    }

    @Test("the fingerprint is BLAKE2b-256's first 8 bytes in four hex groups, and stable")
    func fingerprint() throws {
        let key = try #require(CurveKey(z85: KnownKeys.clientPublic))
        // python3: hashlib.blake2b(bytes.fromhex(...), digest_size=32).hexdigest()[:16]
        #expect(key.fingerprint == "598b:3f9e:645c:125f")
        #expect(key.fingerprint == CurveKey(bytes: key.bytes)?.fingerprint)
        let random = try CurveKeyPair.generate().publicKey.fingerprint
        #expect(random.count == 19)
        #expect(random.split(separator: ":").allSatisfy { $0.count == 4 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
    }

    @Test("constant-time comparison agrees with ==")
    func constantTimeEquals() throws {
        let a = try #require(CurveKey(z85: KnownKeys.clientPublic))
        let b = try #require(CurveKey(z85: KnownKeys.serverPublic))
        #expect(a.constantTimeEquals(a))
        #expect(!a.constantTimeEquals(b))
    }

    @Test("a secret key never shows its bytes in descriptions or dumps")
    func secretKeyDescriptions() throws {
        let secret = try #require(CurveSecretKey(z85: KnownKeys.clientSecret))
        let expected = "<secret key for \(secret.publicKey.fingerprint)>"
        #expect(secret.description == expected)
        #expect(secret.debugDescription == expected)
        #expect(String(describing: secret) == expected)
        #expect("\(secret)" == expected)
        var dumped = ""
        dump(secret, to: &dumped)
        let pair = CurveKeyPair(secret: secret)
        for text in [dumped, String(reflecting: secret), pair.description, String(reflecting: pair)] {
            #expect(!text.contains(KnownKeys.clientSecret))
            #expect(!text.contains("D:)Q"))
        }
    }

    @Test("secret keys refuse wrong sizes")
    func secretSizes() {
        #expect(CurveSecretKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(CurveSecretKey(z85: "HelloWorld") == nil)
        #expect(CurveSecretKey(bytes: [UInt8](repeating: 1, count: 32)) != nil)
    }
}
