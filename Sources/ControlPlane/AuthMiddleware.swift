import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MediaRouter

/// Checks every request's token: `Authorization: Bearer TOKEN`, a `token` query parameter, or
/// the dashboard's cookie. No token or an unknown one is 401; a read token on an admin route
/// is 403. A token given in the query of a page sets the cookie, so that the page's own
/// requests (images, the events stream) need no token in their address.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let tokens: ControlTokens
    let logger: Logger
    let refusals: RefusalCounter

    static let cookieName = "media_router_token"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let problem = tokens.refresh() {
            logger.error("control tokens file \(tokens.path) is invalid; keeping the previous tokens: \(problem)")
        }
        var given: Substring?
        var source = "header"
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                refusals.count(.unauthorized)
                throw APIError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'", headers: [.wwwAuthenticate: "Bearer"])
            }
            given = parts[1].drop { $0 == " " }
        } else if let q = request.uri.queryParameters["token"] {
            given = q
            source = "query"
        } else if let c = request.cookies[Self.cookieName] {
            given = Substring(c.value)
            source = "cookie"
        }
        guard let token = given, !token.isEmpty else {
            refusals.count(.unauthorized)
            throw APIError(.unauthorized, "a token is required: send 'Authorization: Bearer TOKEN' or ?token=TOKEN (the tokens are in \(tokens.path))",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let role = tokens.role(of: token) else {
            refusals.count(.unauthorized)
            if let held = refusals.throttle.withLock({ $0.admit() }) {
                // At most one line every few seconds: a client guessing tokens cannot flood the log.
                logger.notice("control plane: refused an unknown token from the \(source) for \(request.method) \(request.uri.path)\(held > 0 ? " (and \(held) more since the last such line)" : "")")
            }
            throw APIError(.unauthorized, "unknown token", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        // A cookie is sent by the browser on its own: a page from another site must not use it
        // to change anything.
        if source == "cookie", request.method != .get, request.method != .head,
           let origin = request.headers[.origin], !Self.sameOrigin(origin, host: request.head.authority) {
            refusals.count(.forbidden)
            throw APIError(.forbidden, "a cross-site request cannot use the dashboard's cookie; send an Authorization header")
        }
        var context = context
        context.role = role
        context.authenticatedByCookie = source == "cookie"
        var response = try await next(request, context)
        if source == "query", request.method == .get, request.uri.path == "/" {
            var cookie = "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
            if request.head.scheme == "https" { cookie += "; Secure" }
            response.headers[.setCookie] = cookie
        }
        return response
    }

    static func sameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let url = URL(string: origin), let oh = url.host else { return false }
        let originHost = url.port.map { "\(oh):\($0)" } ?? oh
        return originHost == host || oh == host
    }
}

/// Requires the admin role.
func requireAdmin(_ context: ControlRequestContext) throws {
    guard context.role == .admin else {
        throw APIError(.forbidden, "this needs an admin token; the token given is a read token")
    }
}

/// Requests refused for authentication, for `/metrics`.
final class RefusalCounter: Sendable {
    enum Reason: String, Sendable { case unauthorized, forbidden }
    private let counts = Locked<[Reason: Int]>([:])
    let throttle = Locked(LogThrottle())
    func count(_ r: Reason) { counts.withLock { $0[r, default: 0] += 1 } }
    var all: [Reason: Int] { counts.value }
}
