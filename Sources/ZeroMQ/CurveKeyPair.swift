internal import CZeroMQ

/// A CURVE public key and its secret key.
public struct CurveKeyPair: Sendable, CustomStringConvertible {
    /// The half to hand out.
    public let publicKey: CurveKey
    /// The half to keep; see ``CurveSecretKey``.
    public let secretKey: CurveSecretKey

    /// The pair of `secret`, with the public key derived from it.
    /// The corresponding C function is `zmq_curve_public`.
    public init(secret: CurveSecretKey) {
        self.secretKey = secret
        self.publicKey = secret.publicKey
    }

    /// A new random key pair.
    ///
    /// Throws ``ZMQError/Code/notSupported`` if libzmq was built without CURVE.
    /// The corresponding C function is `zmq_curve_keypair`.
    public static func generate() throws -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        var secretText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        defer { secretText.withUnsafeMutableBytes { Sodium.wipe($0) } }
        try zmqCall("zmq_curve_keypair") {
            publicText.withUnsafeMutableBufferPointer { publicBuffer in
                secretText.withUnsafeMutableBufferPointer { zmq_curve_keypair(publicBuffer.baseAddress, $0.baseAddress) }
            }
        }
        var secret = [UInt8](repeating: 0, count: CurveKey.byteCount)
        defer { secret.withUnsafeMutableBytes { Sodium.wipe($0) } }
        let decoded = secret.withUnsafeMutableBufferPointer { bytes in
            secretText.withUnsafeBufferPointer { zmq_z85_decode(bytes.baseAddress, $0.baseAddress) }
        }
        guard decoded != nil, let secretKey = CurveSecretKey(bytes: secret) else {
            throw ZMQError(code: .invalidArgument, operation: "zmq_curve_keypair returned an undecodable key")
        }
        return CurveKeyPair(secret: secretKey)
    }

    public var description: String { "CurveKeyPair(public \(publicKey.z85), \(secretKey))" }
}
