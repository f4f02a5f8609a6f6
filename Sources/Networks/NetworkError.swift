import BoxerSupport

/// What goes wrong with environment networks, with what to do about it.
public struct NetworkError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension NetworkError: BoxerError {
    public var kindName: String { "NetworkError" }
}
