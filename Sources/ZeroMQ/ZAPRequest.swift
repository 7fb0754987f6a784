/// A ZAP 1.0 request as libzmq sends it (RFC 27): version, request id, domain, address,
/// routing id, mechanism, then the mechanism's credentials.
internal struct ZAPRequest {
    let requestID: [UInt8]
    let domain: String
    let address: String
    let mechanism: String
    /// The client's public key for CURVE requests with well-formed credentials.
    let clientKey: CurveKey?

    init?(_ message: ZMQMultipartMessage) {
        guard !message.isTruncated, message.count >= 6, message[0].string == "1.0" else { return nil }
        requestID = message[1].array
        domain = message[2].string
        address = message[3].string
        mechanism = message[5].string
        if mechanism == "CURVE", message.count == 7 {
            clientKey = CurveKey(bytes: message[6].bytes)
        } else {
            clientKey = nil
        }
    }
}

/// A ZAP 1.0 reply: version, request id, status code, status text, user id, metadata.
internal struct ZAPReply {
    let requestID: [UInt8]
    let statusCode: Int
    let statusText: String
    /// The client's Z85 key, which libzmq attaches to the client's messages as `User-Id`.
    let userID: String

    init(requestID: [UInt8], decision: ZAPDecision) {
        self.requestID = requestID
        self.statusCode = decision.statusCode
        // The reason can name server folders; libzmq sends peers only the status code, but the
        // text is kept generic in case a handler chain ever forwards it.
        self.statusText = decision.accepted ? "OK" : "Access denied"
        self.userID = decision.accepted ? decision.clientKey?.z85 ?? "" : ""
    }

    private init(requestID: [UInt8], statusCode: Int, statusText: String) {
        self.requestID = requestID
        self.statusCode = statusCode
        self.statusText = statusText
        self.userID = ""
    }

    static func malformed(requestID: [UInt8]) -> ZAPReply {
        ZAPReply(requestID: requestID, statusCode: 500, statusText: "malformed ZAP request")
    }

    func send(on socket: ZMQSocket) throws {
        try socket.send("1.0", more: true)
        try socket.send(requestID, more: true)
        try socket.send(String(statusCode), more: true)
        try socket.send(statusText, more: true)
        try socket.send(userID, more: true)
        try socket.send([UInt8](), more: false)
    }
}
