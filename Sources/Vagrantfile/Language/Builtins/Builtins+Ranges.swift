import Foundation

/// Range methods.
extension Builtins {
    static func range(
        _ low: Int?, _ high: Int?, _ exclusive: Bool, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter,
        at location: SourceLocation
    ) throws -> Value? {
        switch name {
        case "first", "begin", "min":
            if case .int(let count) = args.first ?? .null, let low {
                return .array((0..<Swift.max(0, Swift.min(count, 1_000_000))).map { .int(low &+ $0) })
            }
            return low.map { .int($0) } ?? .null
        case "last", "end", "max":
            guard let high else { return .null }
            return .int(exclusive && name != "end" ? high &- 1 : high)
        case "include?", "member?", "cover?", "===":
            guard let number = numeric(args.first ?? .null) else { return .bool(false) }
            return .bool(inRange(number, low, high, exclusive))
        case "exclude_end?": return .bool(exclusive)
        case "size", "count", "length":
            guard let low, let high else { return .null }
            let (span, overflow) = (exclusive ? high &- 1 : high).subtractingReportingOverflow(low)
            return overflow ? .null : .int(Swift.max(0, span &+ 1))
        case "step":
            guard case .int(let step) = args.first ?? .null, step > 0, let low, let high else {
                throw interpreter.error("step needs a positive integer", at: location, className: "ArgumentError")
            }
            let values = stride(from: low, through: exclusive ? high &- 1 : high, by: step).prefix(1_000_000).map { Value.int($0) }
            return try iterate(values, block, interpreter: interpreter, at: location) ?? .range(low, high, exclusive: exclusive)
        default:
            let items = try elements(of: .range(low, high, exclusive: exclusive), interpreter: interpreter, at: location)
            if name == "each" {
                return try iterate(items, block, interpreter: interpreter, at: location) ?? .range(low, high, exclusive: exclusive)
            }
            if name == "to_a" || name == "entries" { return .array(items) }
            return try array(ArrayBox(items), name, args, block, interpreter: interpreter, at: location)
        }
    }
}
