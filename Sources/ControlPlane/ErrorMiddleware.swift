import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Every failure becomes a JSON answer `{"error": "..."}` with a 4xx status for the client's
/// mistakes; anything unexpected is a 500 whose details go to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            return try e.response(from: request, context: context)
        } catch let e as HTTPError {
            let message: String
            switch e.status {
            case .notFound: message = "no such resource: \(request.method) \(request.uri.path)"
            case .contentTooLarge: message = "the request body is larger than \(ControlPlane.maxBodySize) bytes"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            default: message = e.body ?? e.status.reasonPhrase
            }
            return try APIError(e.status, message, headers: e.headers).response(from: request, context: context)
        } catch let e as any HTTPResponseError {
            let message = e.status == .contentTooLarge ? "the request body is larger than \(ControlPlane.maxBodySize) bytes" : e.status.reasonPhrase
            return try APIError(e.status, message).response(from: request, context: context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error("control plane: \(request.method) \(request.uri.path) failed: \(error)")
            return try APIError(.internalServerError, "internal error; see the router's log").response(from: request, context: context)
        }
    }
}
