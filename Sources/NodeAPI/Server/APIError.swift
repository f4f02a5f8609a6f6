import Hummingbird

/// Every error the API answers: JSON `{"kind": …, "message": …}` with its status, so that a
/// client (the Libcloud driver) can tell a missing image from a bad token without parsing text.
public struct APIError: HTTPResponseError, Sendable {
    public enum Kind: String, Sendable {
        case unauthorized
        case notFound = "not_found"
        case badRequest = "bad_request"
        case conflict
        case tooLarge = "too_large"
        case serverError = "internal"
        /// A node operation that failed in the machine or on the host (boot, SSH, disk).
        case failed
        case methodNotAllowed = "method_not_allowed"
    }

    public let status: HTTPResponse.Status
    public let kind: Kind
    public let message: String
    /// The methods the path takes, for 405.
    public var allow: [String] = []

    public init(_ status: HTTPResponse.Status, _ kind: Kind, _ message: String) {
        self.status = status
        self.kind = kind
        self.message = message
    }

    /// A node operation's refusal or failure, with its status.
    public init(_ error: NodeError) {
        switch error.kind {
        case .badRequest: self.init(.badRequest, .badRequest, error.message)
        case .notFound: self.init(.notFound, .notFound, error.message)
        case .conflict: self.init(.conflict, .conflict, error.message)
        case .failed: self.init(.internalServerError, .failed, error.message)
        }
    }

    struct Body: Encodable {
        let kind: String
        let message: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(Body(kind: kind.rawValue, message: message), from: request, context: context)
        response.status = status
        if kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if !allow.isEmpty { response.headers[.allow] = allow.joined(separator: ", ") }
        return response
    }

    static let badToken = APIError(
        .unauthorized, .unauthorized, "This request needs the token of boxer serve: Authorization: Bearer <token>.")

    static func noRoute(_ method: HTTPRequest.Method, _ path: String) -> APIError {
        let allowed = OpenAPIDocument.methods(forPath: path)
        guard !allowed.isEmpty else { return APIError(.notFound, .notFound, "There is no \(method) \(path); see /v1/openapi.json.") }
        var error = APIError(
            .methodNotAllowed, .methodNotAllowed, "\(path) takes \(allowed.joined(separator: ", ")), not \(method); see /v1/openapi.json.")
        error.allow = allowed
        return error
    }
}

/// Requests over TCP carry the token; those over the unix socket (mode 0600, the user's own)
/// need none.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(String(header.dropFirst(7)), token)
        else { throw APIError.badToken }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so that timing tells nothing of the token.
    static func constantTimeEqual(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count { difference |= (index < a.count ? a[index] : 0) ^ b[index] }
        return difference == 0
    }
}

/// Unknown routes answer with the API's JSON error instead of an empty 404.
struct JSONNotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw APIError.noRoute(request.method, request.uri.path)
        }
    }
}
