import BoxerSupport
import Foundation
import Yams

/// A problem with a capability file: the file, the line and the field.
public struct CapabilityError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension CapabilityError: BoxerError {
    public var kindName: String { "CapabilityError" }
}
