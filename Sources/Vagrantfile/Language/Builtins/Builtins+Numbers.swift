import Foundation

/// Integer and Float methods.
extension Builtins {
    /// Integer and Float methods: one switch over the method name, a table of the Ruby methods boxer
    /// supports for this receiver; split, the table would be harder to read, not easier (over 80 lines
    /// on purpose).
    static func number(
        _ receiver: Value, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value? {
        if case .int(let value) = receiver {
            switch name {
            case "times":
                guard value < 1_000_000 else { throw interpreter.error("\(value).times is too many iterations", at: location) }
                guard let block else { return .array((0..<max(0, value)).map { .int($0) }) }
                return try iterate((0..<max(0, value)).map { .int($0) }, block, interpreter: interpreter, at: location) ?? receiver
            case "upto", "downto":
                guard case .int(let limit) = args.first ?? .null else { throw interpreter.error("\(name) needs an integer", at: location) }
                let (span, overflow) = limit.subtractingReportingOverflow(value)
                guard !overflow, span.magnitude < 1_000_000 else { throw interpreter.error("too many iterations", at: location) }
                let values =
                    name == "upto"
                    ? (value <= limit ? Array(value...limit) : []) : (value >= limit ? Array((limit...value).reversed()) : [])
                guard values.count < 1_000_000 else { throw interpreter.error("too many iterations", at: location) }
                guard let block else { return .array(values.map { .int($0) }) }
                return try iterate(values.map { .int($0) }, block, interpreter: interpreter, at: location) ?? receiver
            case "to_i", "to_int", "floor", "ceil", "round", "truncate": return receiver
            case "gcd", "lcm":
                guard case .int(let other) = args.first ?? .null else { return nil }
                var (a, b) = (value.magnitude, other.magnitude)
                while b != 0 { (a, b) = (b, a % b) }
                if name == "gcd" { return .int(Int(a)) }
                return .int(a == 0 ? 0 : Int(value.magnitude / a * other.magnitude))
            case "digits":
                guard value >= 0 else { throw interpreter.error("out of domain", at: location, className: "Math::DomainError") }
                return .array(String(value).reversed().map { .int(Int(String($0)) ?? 0) })
            case "step":
                // 1.step(10, 3) { |i| ... }
                guard case .int(let limit) = args.first ?? .null else { return nil }
                var stride = 1
                if args.count > 1, case .int(let given) = args[1] { stride = given }
                guard stride != 0, (limit - value) / stride < 1_000_000 else {
                    throw interpreter.error("too many iterations", at: location)
                }
                let values = Array(Swift.stride(from: value, through: limit, by: stride)).map { Value.int($0) }
                guard let block else { return .array(values) }
                return try iterate(values, block, interpreter: interpreter, at: location) ?? receiver
            case "to_f": return .float(Double(value))
            case "to_s":
                if case .int(let base)? = args.first, (2...36).contains(base) { return .string(String(value, radix: base)) }
                return .string(String(value))
            case "chr": return .string(String(UnicodeScalar(UInt8(truncatingIfNeeded: value))))
            case "even?": return .bool(value % 2 == 0)
            case "odd?": return .bool(value % 2 != 0)
            case "zero?": return .bool(value == 0)
            case "positive?": return .bool(value > 0)
            case "negative?": return .bool(value < 0)
            case "succ", "next":
                return .int(try checked(value.addingReportingOverflow(1), "\(value).\(name)", interpreter: interpreter, at: location))
            case "pred":
                return .int(try checked(value.subtractingReportingOverflow(1), "\(value).pred", interpreter: interpreter, at: location))
            case "abs":
                return .int(
                    try checked(
                        value == Int.min ? (value, true) : (abs(value), false), "\(value).abs", interpreter: interpreter, at: location))
            case "-@":
                return .int(try checked(Int(0).subtractingReportingOverflow(value), "-(\(value))", interpreter: interpreter, at: location))
            case "~": return .int(~value)
            case "&", "|", "^", "<<", ">>":
                guard case .int(let other) = args.first ?? .null else { return nil }
                switch name {
                case "&": return .int(value & other)
                case "|": return .int(value | other)
                case "^": return .int(value ^ other)
                case "<<":
                    guard other >= 0 else { return .int(other > -64 ? value >> -other : (value < 0 ? -1 : 0)) }
                    // Ruby grows into a Bignum; boxer's integers are 64-bit, so a lost bit is an error.
                    let shifted = other < 64 ? value << other : 0
                    return .int(
                        try checked(
                            (shifted, value != 0 && (other >= 64 || shifted >> other != value)), "\(value) << \(other)",
                            interpreter: interpreter, at: location))
                default: return .int(other >= 0 && other < 64 ? value >> other : 0)
                }
            default: break
            }
        }
        guard let left = numeric(receiver) else { return nil }
        switch name {
        case "to_f": return .float(left)
        case "to_i", "to_int", "truncate": return left.isFinite && abs(left) < 9e18 ? .int(Int(left)) : nil
        case "round", "floor", "ceil":
            let rounded = name == "round" ? left.rounded() : name == "floor" ? left.rounded(.down) : left.rounded(.up)
            if case .int(let digits)? = args.first, digits > 0 {
                let factor = pow(10.0, Double(min(digits, 15)))
                return .float((left * factor).rounded() / factor)
            }
            return rounded.isFinite && abs(rounded) < 9e18 ? .int(Int(rounded)) : .float(rounded)
        case "to_s": return .string(receiver.text)
        case "-@": return .float(-left)
        case "abs": return .float(abs(left))
        case "between?":
            guard args.count == 2, let low = numeric(args[0]), let high = numeric(args[1]) else { return nil }
            return .bool(left >= low && left <= high)
        case "clamp":
            guard args.count == 2, let low = numeric(args[0]), let high = numeric(args[1]) else { return nil }
            return left < low ? args[0] : left > high ? args[1] : receiver
        default: break
        }
        guard ["+", "-", "*", "/", "%", "**", "<", ">", "<=", ">=", "<=>", "divmod", "fdiv"].contains(name) else { return nil }
        guard let operand = args.first else {
            throw interpreter.error("\(name) needs an operand", at: location, className: "ArgumentError")
        }
        guard let right = numeric(operand) else {
            throw interpreter.error("\(operand.typeName) can't be coerced into \(receiver.typeName)", at: location, className: "TypeError")
        }
        switch name {
        case "<": return .bool(left < right)
        case ">": return .bool(left > right)
        case "<=": return .bool(left <= right)
        case ">=": return .bool(left >= right)
        case "<=>": return .int(left < right ? -1 : left == right ? 0 : 1)
        case "fdiv": return right == 0 ? .float(left / right) : .float(left / right)
        default: break
        }
        if case .int(let a) = receiver, case .int(let b) = operand {
            switch name {
            case "+": return .int(try checked(a.addingReportingOverflow(b), "\(a) + \(b)", interpreter: interpreter, at: location))
            case "-": return .int(try checked(a.subtractingReportingOverflow(b), "\(a) - \(b)", interpreter: interpreter, at: location))
            case "*": return .int(try checked(a.multipliedReportingOverflow(by: b), "\(a) * \(b)", interpreter: interpreter, at: location))
            case "/", "%", "divmod":
                guard b != 0 else { throw interpreter.error("divided by 0", at: location, className: "ZeroDivisionError") }
                guard !(a == Int.min && b == -1) else {
                    if name == "%" { return .int(0) }
                    _ = try checked((a, true), "\(a) / \(b)", interpreter: interpreter, at: location)
                    return nil
                }
                // Ruby rounds division toward minus infinity; the remainder takes the divisor's sign.
                let remainder = a % b
                let adjust = remainder != 0 && (remainder < 0) != (b < 0)
                let floorQuotient = adjust ? a / b - 1 : a / b
                let modulo = adjust ? remainder + b : remainder
                if name == "/" { return .int(floorQuotient) }
                if name == "%" { return .int(modulo) }
                return .array([.int(floorQuotient), .int(modulo)])
            case "**":
                // Ruby gives a Rational for a negative exponent; a Float is close enough here.
                guard b >= 0 else { return .float(pow(Double(a), Double(b))) }
                if a == 0 || a == 1 { return .int(b == 0 ? 1 : a) }
                if a == -1 { return .int(b % 2 == 0 ? 1 : -1) }
                var result = 1
                for _ in 0..<b {
                    let (product, overflow) = result.multipliedReportingOverflow(by: a)
                    result = try checked((product, overflow), "\(a) ** \(b)", interpreter: interpreter, at: location)
                }
                return .int(result)
            default: return nil
            }
        }
        switch name {
        case "+": return .float(left + right)
        case "-": return .float(left - right)
        case "*": return .float(left * right)
        case "/": return .float(left / right)
        case "%": return .float(left.truncatingRemainder(dividingBy: right))
        case "**": return .float(pow(left, right))
        default: return nil
        }
    }
}
