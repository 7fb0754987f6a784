import Foundation
import HTTPTypes
import Hummingbird
import MediaRouter

/// An error the API answers with: a status and a JSON body `{"error": "...", "errors": [...]}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Located problems (a graph that did not validate).
    public var errors: [LocatedError]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, errors: [LocatedError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers
    }

    struct Body: Encodable {
        var error: String
        var errors: [LocatedError]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        h[.cacheControl] = "no-store"
        let body = Body(error: message, errors: errors.isEmpty ? nil : errors)
        let data = (try? JSONEncoder.api.encode(body)) ?? Data("{\"error\":\"internal error\"}".utf8)
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// One located problem, as `validate` prints it and as a structure.
public struct LocatedError: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var severity: String
    public var message: String
    /// `file:line:column: message`.
    public var text: String

    public init(_ d: Diagnostic) {
        file = d.location.file
        line = d.location.line
        column = d.location.column
        severity = d.severity.rawValue
        message = d.message + d.location.viaNote
        text = d.description
    }
}

extension JSONEncoder {
    /// The API's JSON: snake_case keys, ISO 8601 dates, sorted keys (stable for tests and diffs).
    static var api: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return e
    }
}
