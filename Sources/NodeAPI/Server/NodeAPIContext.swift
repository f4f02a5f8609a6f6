import Foundation
import Hummingbird

/// The request context of the API: Hummingbird's basic one with a small body limit, since no
/// request carries more than a node's user data.
public struct NodeAPIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The largest request body taken: user data (64 KiB) and the rest of a create, with room.
    public static let maximumBody = 128 * 1024

    public var maxUploadSize: Int { Self.maximumBody }
}

extension Request {
    /// The body as `T`: 413 past the limit, 400 naming the field for JSON that does not fit
    /// (malformed, a missing or unknown field, a wrong type).
    func decodeStrictly<T: Decodable>(_ type: T.Type, context: NodeAPIContext) async throws -> T {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, .tooLarge, "The request body is over \(NodeAPIContext.maximumBody) bytes.")
        }
        // An empty body is an empty object, for the requests whose fields are all optional.
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, .badRequest, "The request body: " + Self.describe(error))
        } catch {
            throw APIError(.badRequest, .badRequest, "The request body is not JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : "field \(keys.joined(separator: ".")): "
        }
        switch error {
        case .keyNotFound(let key, let context): return path(context) + "the field \"\(key.stringValue)\" is required"
        case .typeMismatch(let type, let context): return path(context) + "expected \(type == String.self ? "a string" : "\(type)")"
        case .valueNotFound(_, let context): return path(context) + "a value is required (not null)"
        case .dataCorrupted(let context):
            return path(context) + (context.underlyingError.map { _ in "it is not valid JSON" } ?? context.debugDescription)
        @unknown default: return "\(error)"
        }
    }

    /// A query flag (`?wait=true`, `?wait=1`, `?wait`).
    func flag(_ name: String) -> Bool {
        guard let value = uri.queryParameters[Substring(name)] else { return false }
        return value.isEmpty || value == "true" || value == "1" || value == "yes"
    }
}
