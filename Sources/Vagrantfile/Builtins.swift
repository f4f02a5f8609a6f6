import Foundation

/// Methods of Ruby's core values as Vagrantfiles use them.
enum Builtins {
    static func call(_ receiver: Value, _ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.all
        let block = arguments.block
        func arg(_ index: Int) throws -> Value {
            guard index < args.count else {
                throw interpreter.error("\(name) needs \(index + 1) argument\(index == 0 ? "" : "s")", at: location, className: "ArgumentError")
            }
            return args[index]
        }
        func fail() -> RubyError {
            interpreter.error("undefined method '\(name)' for \(receiver.typeName) (boxer supports the String, Array, Hash, Integer and Range methods Vagrantfiles commonly use)", at: location, className: "NoMethodError")
        }

        // Methods every value has.
        switch name {
        case "==", "eql?", "equal?": return .bool(receiver.equals(try arg(0)))
        case "!=": return .bool(!receiver.equals(try arg(0)))
        case "!": return .bool(!receiver.isTruthy)
        case "nil?": if case .null = receiver { return .bool(true) } else { return .bool(false) }
        case "inspect": return .string(receiver.inspect)
        case "class": return .string(receiver.typeName)
        case "is_a?", "kind_of?", "instance_of?":
            let wanted = try arg(0)
            let wantedName: String
            if case .object(let type as TypeObject) = wanted { wantedName = type.name } else { wantedName = wanted.text }
            let ancestors: [String: [String]] = ["Integer": ["Numeric"], "Float": ["Numeric"], "TrueClass": [], "FalseClass": []]
            return .bool(receiver.typeName == wantedName || wantedName == "Object" || (ancestors[receiver.typeName] ?? []).contains(wantedName))
        case "respond_to?":
            return .bool(true)
        case "frozen?": return .bool(false)
        case "freeze", "dup", "clone", "itself", "then":
            if name == "then", let block { return try interpreter.callClosure(block, [receiver], at: location) }
            if case .array(let box) = receiver, name != "freeze" { return .array(box.items) }
            if case .hash(let box) = receiver, name != "freeze" { return .hash(box.copy()) }
            return receiver
        case "tap":
            _ = try interpreter.yieldTo(block, [receiver], method: name, at: location)
            return receiver
        case "to_s" where !isObject(receiver): return .string(receiver.text)
        case "===": return .bool(try caseEquals(receiver, try arg(0), interpreter: interpreter, at: location))
        default: break
        }

        switch receiver {
        case .null:
            switch name {
            case "to_a": return .array([])
            case "to_i": return .int(0)
            case "to_h": return .hash(HashBox())
            case "empty?": throw fail()
            default: throw interpreter.error("undefined method '\(name)' for nil", at: location, className: "NoMethodError")
            }
        case .bool(let value):
            switch name {
            case "&", "|", "^":
                let other = try arg(0).isTruthy
                return .bool(name == "&" ? value && other : name == "|" ? value || other : value != other)
            default: throw fail()
            }
        case .int, .float:
            guard let result = try number(receiver, name, args, block, interpreter: interpreter, at: location) else { throw fail() }
            return result
        case .string(let text):
            guard let result = try string(text, name, args, block, interpreter: interpreter, at: location) else { throw fail() }
            return result
        case .symbol(let symbol):
            switch name {
            case "to_sym": return receiver
            case "to_proc": return receiver
            case "length", "size": return .int(symbol.count)
            case "<=>": if case .symbol(let other) = try arg(0) { return .int(symbol < other ? -1 : symbol == other ? 0 : 1) }; return .null
            case "upcase", "downcase", "capitalize", "start_with?", "end_with?", "empty?", "[]", "succ":
                let result = try string(symbol, name, args, block, interpreter: interpreter, at: location) ?? .null
                if case .string(let text) = result { return .symbol(text) }
                return result
            default: throw fail()
            }
        case .array(let box):
            guard let result = try array(box, name, args, block, interpreter: interpreter, at: location) else { throw fail() }
            return result
        case .hash(let box):
            guard let result = try hash(box, name, args, block, interpreter: interpreter, at: location) else { throw fail() }
            return result
        case .range(let low, let high, let exclusive):
            guard let result = try range(low, high, exclusive, name, args, block, interpreter: interpreter, at: location) else { throw fail() }
            return result
        case .proc(let closure):
            switch name {
            case "call", "()", "yield", "[]": return try interpreter.callClosure(closure, arguments.positional, keywords: arguments.keywords, at: location)
            case "arity": return .int(closure.arity)
            case "lambda?": return .bool(closure.isLambda)
            case "to_proc": return receiver
            default: throw fail()
            }
        case .regex(let regex):
            switch name {
            case "=~", "match", "match?":
                guard case .string(let text) = try arg(0) else { return name == "match?" ? .bool(false) : .null }
                return matchResult(regex, text, name: name, interpreter: interpreter)
            case "source": return .string(regex.pattern)
            default: throw fail()
            }
        case .object(let object):
            return try object.call(name, arguments, interpreter: interpreter, at: location)
        }
    }

    private static func isObject(_ value: Value) -> Bool {
        if case .object = value { return true }
        return false
    }

    /// `pattern === value`, as `case`/`when` uses it.
    static func caseEquals(_ pattern: Value, _ value: Value, interpreter: Interpreter, at location: SourceLocation) throws -> Bool {
        switch pattern {
        case .range(let low, let high, let exclusive):
            guard let number = numeric(value) else { return false }
            return inRange(number, low, high, exclusive)
        case .regex(let regex):
            guard case .string(let text) = value else { return false }
            return matchResult(regex, text, name: "match", interpreter: interpreter).isTruthy
        case .object(let type as TypeObject):
            return value.typeName == type.name || (type.name == "Numeric" && numeric(value) != nil)
        case .proc(let closure):
            return try interpreter.callClosure(closure, [value], at: location).isTruthy
        default:
            return pattern.equals(value)
        }
    }

    static func matchResult(_ regex: RegexBox, _ text: String, name: String, interpreter: Interpreter) -> Value {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.expression.firstMatch(in: text, range: range) else {
            return name == "match?" ? .bool(false) : .null
        }
        if name == "match?" { return .bool(true) }
        let groups: [Value] = (0..<match.numberOfRanges).map { index in
            guard let range = Range(match.range(at: index), in: text) else { return .null }
            return .string(String(text[range]))
        }
        for (index, group) in groups.enumerated() where index > 0 { interpreter.host.globals["$\(index)"] = group }
        if name == "=~" { return .int(text.distance(from: text.startIndex, to: Range(match.range, in: text)?.lowerBound ?? text.startIndex)) }
        return .array(groups)
    }

    static func numeric(_ value: Value) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .float(let number): return number
        default: return nil
        }
    }

    static func inRange(_ number: Double, _ low: Int?, _ high: Int?, _ exclusive: Bool) -> Bool {
        if let low, number < Double(low) { return false }
        if let high { return exclusive ? number < Double(high) : number <= Double(high) }
        return true
    }

    /// The elements a value iterates over: arrays, hashes (as pairs), ranges.
    static func elements(of value: Value, interpreter: Interpreter, at location: SourceLocation) throws -> [Value] {
        switch value {
        case .array(let box): return box.items
        case .hash(let box): return box.pairs.map { .array([$0.key, $0.value]) }
        case .range(let low, let high, let exclusive):
            guard let low, let high else { throw interpreter.error("cannot iterate an endless range", at: location) }
            guard !(exclusive && high == Int.min) else { return [] }
            let end = exclusive ? high - 1 : high
            guard end >= low else { return [] }
            let (span, overflow) = end.subtractingReportingOverflow(low)
            guard !overflow, span < 1_000_000 else { throw interpreter.error("the range \(low)..\(high) is too large", at: location) }
            return (low...end).map { .int($0) }
        case .null: return []
        default: return [value]
        }
    }

    // MARK: - Numbers

    private static func number(_ receiver: Value, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
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
                let values = name == "upto" ? (value <= limit ? Array(value...limit) : []) : (value >= limit ? Array((limit...value).reversed()) : [])
                guard values.count < 1_000_000 else { throw interpreter.error("too many iterations", at: location) }
                guard let block else { return .array(values.map { .int($0) }) }
                return try iterate(values.map { .int($0) }, block, interpreter: interpreter, at: location) ?? receiver
            case "to_i", "to_int", "floor", "ceil", "round", "truncate": return receiver
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
            case "succ", "next": return .int(try checked(value.addingReportingOverflow(1), "\(value).\(name)", interpreter: interpreter, at: location))
            case "pred": return .int(try checked(value.subtractingReportingOverflow(1), "\(value).pred", interpreter: interpreter, at: location))
            case "abs": return .int(try checked(value == Int.min ? (value, true) : (abs(value), false), "\(value).abs", interpreter: interpreter, at: location))
            case "-@": return .int(try checked(Int(0).subtractingReportingOverflow(value), "-(\(value))", interpreter: interpreter, at: location))
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
                    return .int(try checked((shifted, value != 0 && (other >= 64 || shifted >> other != value)), "\(value) << \(other)", interpreter: interpreter, at: location))
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
        guard let operand = args.first else { throw interpreter.error("\(name) needs an operand", at: location, className: "ArgumentError") }
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

    // MARK: - Strings

    private static func string(_ text: String, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        func stringArg(_ index: Int) throws -> String {
            guard index < args.count else { throw interpreter.error("\(name) needs an argument", at: location, className: "ArgumentError") }
            switch args[index] {
            case .string(let value), .symbol(let value): return value
            default: throw interpreter.error("no implicit conversion of \(args[index].typeName) into String", at: location, className: "TypeError")
            }
        }
        switch name {
        case "+", "<<", "concat":
            let other = try stringArg(0)
            try checkSize(text.utf8.count + other.utf8.count, "string", interpreter: interpreter, at: location)
            return .string(text + other)
        case "*":
            guard case .int(let count) = args.first ?? .null, count >= 0, count < 1_000_000, text.utf8.count * count <= maximumStringBytes else {
                throw interpreter.error("String#* needs a small non-negative integer", at: location, className: "ArgumentError")
            }
            return .string(String(repeating: text, count: count))
        case "%":
            let values: [Value]
            if case .array(let box) = args.first ?? .null { values = box.items } else { values = args }
            return .string(try Format.format(text, values, interpreter: interpreter, at: location))
        case "to_s", "to_str": return .string(text)
        case "to_sym", "intern": return .symbol(text)
        case "to_i":
            let trimmed = text.rubyStripped()
            let digits = trimmed.prefix { $0.isNumber || $0 == "-" || $0 == "+" || $0 == "_" }.filter { $0 != "_" }
            return .int(Int(digits) ?? Int(digits.prefix(18)) ?? 0)
        case "to_f":
            let trimmed = text.rubyStripped()
            let prefix = trimmed.prefix { $0.isNumber || "-+.eE".contains($0) }
            return .float(Double(prefix) ?? 0)
        case "length", "size": return .int(text.count)
        case "bytesize": return .int(text.utf8.count)
        case "empty?": return .bool(text.isEmpty)
        case "upcase": return .string(text.uppercased())
        case "downcase": return .string(text.lowercased())
        case "capitalize": return .string(text.prefix(1).uppercased() + text.dropFirst().lowercased())
        case "swapcase": return .string(String(text.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
        case "strip": return .string(text.rubyStripped())
        case "lstrip": return .string(String(text.drop { $0.isWhitespace }))
        case "rstrip": return .string(String(text.reversed().drop { $0.isWhitespace }.reversed()))
        case "chomp":
            if let suffix = args.first { let s = try stringArg(0); _ = suffix; return .string(text.hasSuffix(s) ? String(text.dropLast(s.count)) : text) }
            if text.hasSuffix("\r\n") { return .string(String(text.dropLast(2))) }
            return .string(text.hasSuffix("\n") || text.hasSuffix("\r") ? String(text.dropLast()) : text)
        case "chop": return .string(String(text.dropLast()))
        case "chars": return .array(text.map { .string(String($0)) })
        case "bytes": return .array(text.utf8.map { .int(Int($0)) })
        case "lines":
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return .array(lines.enumerated().compactMap { index, line in
                let isLast = index == lines.count - 1
                if isLast && line.isEmpty { return nil }
                return .string(String(line) + (isLast ? "" : "\n"))
            })
        case "reverse": return .string(String(text.reversed()))
        case "include?": return .bool(text.contains(try stringArg(0)))
        case "start_with?": return .bool(try args.indices.contains { text.hasPrefix(try stringArg($0)) })
        case "end_with?": return .bool(try args.indices.contains { text.hasSuffix(try stringArg($0)) })
        case "index":
            guard let range = text.range(of: try stringArg(0)) else { return .null }
            return .int(text.distance(from: text.startIndex, to: range.lowerBound))
        case "count": return .int(text.filter { (try? stringArg(0))?.contains($0) == true }.count)
        case "split":
            if args.isEmpty || (try? stringArg(0)) == " " {
                return .array(text.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            }
            if case .regex(let regex) = args[0] {
                let range = NSRange(text.startIndex..., in: text)
                var pieces: [Value] = []
                var start = text.startIndex
                for match in regex.expression.matches(in: text, range: range) {
                    guard let found = Range(match.range, in: text) else { continue }
                    pieces.append(.string(String(text[start..<found.lowerBound])))
                    start = found.upperBound
                }
                pieces.append(.string(String(text[start...])))
                while case .string("")? = pieces.last { pieces.removeLast() }
                return .array(pieces)
            }
            let separator = try stringArg(0)
            if separator.isEmpty { return .array(text.map { .string(String($0)) }) }
            var pieces = text.components(separatedBy: separator).map { Value.string($0) }
            while case .string("")? = pieces.last { pieces.removeLast() }
            return .array(pieces)
        case "sub", "gsub", "sub!", "gsub!":
            guard args.count >= 2 || block != nil else { throw interpreter.error("\(name) needs a pattern and a replacement", at: location, className: "ArgumentError") }
            let replacement = args.count >= 2 ? try stringArg(1) : ""
            let global = name.hasPrefix("g")
            if case .regex(let regex) = args[0] {
                let range = NSRange(text.startIndex..., in: text)
                let template = replacement.replacingOccurrences(of: "\\\\(\\d)", with: "\\$$1", options: .regularExpression)
                if global {
                    return .string(regex.expression.stringByReplacingMatches(in: text, range: range, withTemplate: template))
                }
                guard let match = regex.expression.firstMatch(in: text, range: range) else { return .string(text) }
                let replaced = regex.expression.replacementString(for: match, in: text, offset: 0, template: template)
                return .string((text as NSString).replacingCharacters(in: match.range, with: replaced))
            }
            let pattern = try stringArg(0)
            if global { return .string(text.replacingOccurrences(of: pattern, with: replacement)) }
            guard let found = text.range(of: pattern) else { return .string(text) }
            return .string(text.replacingCharacters(in: found, with: replacement))
        case "tr":
            let from = Array(try stringArg(0))
            let to = Array(try stringArg(1))
            return .string(String(text.map { character in
                guard let index = from.firstIndex(of: character) else { return character }
                return to.isEmpty ? character : to[Swift.min(index, to.count - 1)]
            }))
        case "delete":
            let remove = try stringArg(0)
            return .string(text.filter { !remove.contains($0) })
        case "squeeze":
            var result = ""
            for character in text where result.last != character { result.append(character) }
            return .string(result)
        case "center", "ljust", "rjust":
            guard case .int(let width) = args.first ?? .null, width < 100_000, width > text.count else { return .string(text) }
            let pad = args.count > 1 ? try stringArg(1) : " "
            let missing = Swift.max(0, width - text.count)
            guard missing > 0, !pad.isEmpty else { return .string(text) }
            let padding = String(String(repeating: pad, count: missing / pad.count + 1).prefix(missing))
            if name == "ljust" { return .string(text + padding) }
            if name == "rjust" { return .string(padding + text) }
            let left = missing / 2
            return .string(String(padding.prefix(left)) + text + String(padding.prefix(missing - left)))
        case "=~", "match", "match?":
            guard case .regex(let regex) = args.first ?? .null else {
                if case .string(let pattern) = args.first ?? .null, name != "=~" {
                    return name == "match?" ? .bool(text.contains(pattern)) : (text.contains(pattern) ? .array([.string(pattern)]) : .null)
                }
                return .null
            }
            return matchResult(regex, text, name: name, interpreter: interpreter)
        case "scan":
            guard case .regex(let regex) = args.first ?? .null else { return .array([]) }
            let range = NSRange(text.startIndex..., in: text)
            return .array(regex.expression.matches(in: text, range: range).compactMap { match in
                Range(match.range, in: text).map { .string(String(text[$0])) }
            })
        case "[]", "slice":
            return try index(Array(text).map { Value.string(String($0)) }, args, interpreter: interpreter, at: location, joinStrings: true)
        case "==", "eql?": return .bool(Value.string(text).equals(args.first ?? .null))
        case "<", ">", "<=", ">=", "<=>":
            let other = try stringArg(0)
            switch name {
            case "<": return .bool(text < other)
            case ">": return .bool(text > other)
            case "<=": return .bool(text <= other)
            case ">=": return .bool(text >= other)
            default: return .int(text < other ? -1 : text == other ? 0 : 1)
            }
        case "each_line", "each_char":
            let items: [Value] = name == "each_char" ? text.map { .string(String($0)) } : text.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0) + "\n") }
            return try iterate(items, block, interpreter: interpreter, at: location) ?? .string(text)
        case "hex": return .int(Int(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16) ?? 0)
        case "ord": return .int(Int(text.unicodeScalars.first?.value ?? 0))
        case "succ", "next": return .string(text.isEmpty ? "" : String(text.dropLast()) + String(UnicodeScalar((text.unicodeScalars.last?.value ?? 0) + 1) ?? " "))
        case "format": return .string(try Format.format(text, args, interpreter: interpreter, at: location))
        case "freeze", "dup", "+@", "-@", "force_encoding", "encode", "unicode_normalize", "b": return .string(text)
        case "encoding": return .string("UTF-8")
        default: return nil
        }
    }

    // MARK: - Arrays

    /// Calls `block` for each item; nil when it ran to the end, the value when it was broken out of.
    private static func iterate(_ items: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        guard let block else { return .array(items) }
        do {
            for item in items { _ = try interpreter.callClosure(block, [item], at: location) }
        } catch ControlFlow.breakValue(let value) {
            return value
        }
        return nil
    }

    private static func mapItems(_ items: [Value], _ block: Closure?, method: String, interpreter: Interpreter, at location: SourceLocation) throws -> [Value] {
        guard let block else { throw interpreter.error("\(method) needs a block", at: location, className: "LocalJumpError") }
        var results: [Value] = []
        for item in items { results.append(try interpreter.callClosure(block, [item], at: location)) }
        return results
    }

    private static func index(_ items: [Value], _ args: [Value], interpreter: Interpreter, at location: SourceLocation, joinStrings: Bool = false) throws -> Value {
        func result(_ slice: [Value]) -> Value {
            joinStrings ? .string(slice.map(\.text).joined()) : .array(slice)
        }
        switch (args.first ?? .null, args.count) {
        case (.int(var position), 1):
            if position < 0 { position += items.count }
            guard position >= 0, position < items.count else { return .null }
            return items[position]
        case (.int(var start), 2):
            guard case .int(let length) = args[1], length >= 0 else { return .null }
            if start < 0 { start += items.count }
            guard start >= 0, start <= items.count else { return .null }
            return result(Array(items[start..<(length > items.count - start ? items.count : start + length)]))
        case (.range(let low, let high, let exclusive), 1):
            var start = low ?? 0
            if start < 0 { start += items.count }
            var end = high ?? (items.count - 1)
            if high != nil, end < 0 { end += items.count }
            if exclusive, high != nil { end = end &- 1 }
            guard start >= 0, start <= items.count else { return .null }
            end = Swift.min(end, items.count - 1)
            return result(end < start ? [] : Array(items[start...end]))
        case (.string(let needle), 1) where joinStrings:
            return items.map(\.text).joined().contains(needle) ? .string(needle) : .null
        default:
            throw interpreter.error("[] takes an index, a start and length, or a range", at: location, className: "TypeError")
        }
    }

    /// Ruby's `<` for sorting. Arrays nested deeper than 64 (two arrays that each hold
    /// themselves never compare equal) fail as Ruby's recursive `<=>` does.
    static func compare(_ a: Value, _ b: Value, depth: Int = 0, interpreter: Interpreter, at location: SourceLocation) throws -> Bool {
        if let x = numeric(a), let y = numeric(b) { return x < y }
        if case .string(let x) = a, case .string(let y) = b { return x < y }
        if case .symbol(let x) = a, case .symbol(let y) = b { return x < y }
        if case .array(let x) = a, case .array(let y) = b, depth < 64 {
            for (left, right) in zip(x.items, y.items) where !left.equals(right) {
                return try compare(left, right, depth: depth + 1, interpreter: interpreter, at: location)
            }
            return x.items.count < y.items.count
        }
        throw interpreter.error("comparison of \(a.typeName) with \(b.typeName) failed", at: location, className: "ArgumentError")
    }

    /// Largest array or string a Vagrantfile may build; far above any real configuration.
    static let maximumElements = 1_000_000
    static let maximumStringBytes = 16 << 20

    static func checkSize(_ count: Int, _ what: String, interpreter: Interpreter, at location: SourceLocation) throws {
        if count > (what == "string" ? maximumStringBytes : maximumElements) {
            throw interpreter.error("this \(what) grew past boxer's limit of \(what == "string" ? "16 MiB" : "1,000,000 elements")", at: location, className: "NoMemoryError")
        }
    }

    /// Methods that change the array in place; handled before anything copies `box.items`, so an
    /// append stays O(1).
    private static func mutateArray(_ box: ArrayBox, _ name: String, _ args: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        switch name {
        case "<<", "push", "append":
            try checkSize(box.items.count + max(1, args.count), "array", interpreter: interpreter, at: location)
            if name == "<<" { box.items.append(args.first ?? .null) } else { box.items.append(contentsOf: args) }
            return .array(box)
        case "unshift", "prepend":
            try checkSize(box.items.count + args.count, "array", interpreter: interpreter, at: location)
            box.items.insert(contentsOf: args, at: 0)
            return .array(box)
        case "pop": return box.items.popLast() ?? .null
        case "shift": return box.items.isEmpty ? .null : box.items.removeFirst()
        case "concat":
            for arg in args {
                guard case .array(let other) = arg else { continue }
                try checkSize(box.items.count + other.items.count, "array", interpreter: interpreter, at: location)
                box.items += other.items
            }
            return .array(box)
        case "clear":
            box.items.removeAll()
            return .array(box)
        default:
            return nil
        }
    }

    private static func array(_ box: ArrayBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        if let result = try mutateArray(box, name, args, interpreter: interpreter, at: location) { return result }
        let items = box.items
        switch name {
        case "each":
            return try iterate(items, block, interpreter: interpreter, at: location) ?? .array(box)
        case "each_with_index", "each.with_index":
            guard let block else { return .array(items.enumerated().map { .array([$0.element, .int($0.offset)]) }) }
            do {
                for (offset, item) in items.enumerated() { _ = try interpreter.callClosure(block, [item, .int(offset)], at: location) }
            } catch ControlFlow.breakValue(let value) { return value }
            return .array(box)
        case "each_with_object":
            let memo = args.first ?? .null
            guard let block else { throw interpreter.error("each_with_object needs a block", at: location) }
            for item in items { _ = try interpreter.callClosure(block, [item, memo], at: location) }
            return memo
        case "each_slice":
            guard case .int(let size) = args.first ?? .null, size > 0 else { throw interpreter.error("each_slice needs a positive size", at: location, className: "ArgumentError") }
            let slices = stride(from: 0, to: items.count, by: size).map { Value.array(Array(items[$0..<Swift.min($0 + size, items.count)])) }
            return try iterate(slices, block, interpreter: interpreter, at: location) ?? .null
        case "map", "collect", "flat_map":
            let mapped = try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            if name == "flat_map" { return .array(mapped.flatMap { if case .array(let inner) = $0 { return inner.items } else { return [$0] } }) }
            return .array(mapped)
        case "map!", "collect!":
            box.items = try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            return .array(box)
        case "map.with_index", "each_index":
            return .array(items.indices.map { .int($0) })
        case "uniq" where block == nil: return .array(uniq(items))
        case "select", "filter", "reject", "find", "detect", "find_index", "index", "partition", "any?", "all?", "none?", "count", "sum", "min_by", "max_by", "sort_by", "group_by", "uniq", "take_while", "drop_while", "find_all", "select!", "reject!", "delete_if", "keep_if":
            return try filtering(box, name, args, block, interpreter: interpreter, at: location)
        case "length", "size": return .int(items.count)
        case "empty?": return .bool(items.isEmpty)
        case "any?" where block == nil: return .bool(items.contains { $0.isTruthy })
        case "first":
            if case .int(let count) = args.first ?? .null { return .array(Array(items.prefix(Swift.max(0, count)))) }
            return items.first ?? .null
        case "last":
            if case .int(let count) = args.first ?? .null { return .array(Array(items.suffix(Swift.max(0, count)))) }
            return items.last ?? .null
        case "[]", "slice": return try index(items, args, interpreter: interpreter, at: location)
        case "[]=":
            guard args.count == 2, case .int(var position) = args[0] else { throw interpreter.error("[]= takes an index and a value", at: location, className: "TypeError") }
            if position < 0 { position += items.count }
            guard position >= 0, position < 1_000_000 else { throw interpreter.error("index \(position) out of range", at: location, className: "IndexError") }
            while box.items.count <= position { box.items.append(.null) }
            box.items[position] = args[1]
            return args[1]
        case "dig":
            var current = Value.array(box)
            for key in args { current = (try? call(current, "[]", Arguments(positional: [key]), interpreter: interpreter, at: location)) ?? .null }
            return current
        case "fetch":
            guard case .int(var position) = args.first ?? .null else { return nil }
            if position < 0 { position += items.count }
            if position >= 0, position < items.count { return items[position] }
            if args.count > 1 { return args[1] }
            throw interpreter.error("index \(position) outside of array bounds", at: location, className: "IndexError")
        case "insert":
            guard case .int(let position) = args.first ?? .null, position >= 0, position <= items.count else { return nil }
            box.items.insert(contentsOf: args.dropFirst(), at: position)
            return .array(box)
        case "delete":
            let target = args.first ?? .null
            let before = box.items.count
            box.items.removeAll { $0.equals(target) }
            return before == box.items.count ? .null : target
        case "delete_at":
            guard case .int(let position) = args.first ?? .null, position >= 0, position < items.count else { return .null }
            return box.items.remove(at: position)
        case "+":
            guard case .array(let other) = args.first ?? .null else { throw interpreter.error("no implicit conversion of \((args.first ?? .null).typeName) into Array", at: location, className: "TypeError") }
            try checkSize(items.count + other.items.count, "array", interpreter: interpreter, at: location)
            return .array(items + other.items)
        case "-":
            guard case .array(let other) = args.first ?? .null else { return nil }
            return .array(items.filter { item in !other.items.contains { $0.equals(item) } })
        case "&":
            guard case .array(let other) = args.first ?? .null else { return nil }
            return .array(uniq(items.filter { item in other.items.contains { $0.equals(item) } }))
        case "|":
            guard case .array(let other) = args.first ?? .null else { return nil }
            return .array(uniq(items + other.items))
        case "*":
            if case .string(let separator) = args.first ?? .null { return .string(items.map(\.text).joined(separator: separator)) }
            guard case .int(let count) = args.first ?? .null, count >= 0, count < 1_000_000, items.count * count < 1_000_000 else { return nil }
            return .array(Array([[Value]](repeating: items, count: count).joined()))
        case "include?", "member?": return .bool(items.contains { $0.equals(args.first ?? .null) })
        case "join":
            let separator = (args.first.map(\.text)) ?? ""
            var budget = 100_000
            return .string(try join(items, separator: separator, seen: [ObjectIdentifier(box)], budget: &budget, interpreter: interpreter, at: location))
        case "reverse": return .array(items.reversed())
        case "rotate": return .array(items.isEmpty ? [] : Array(items[1...] + items[..<1]))
        case "compact": return .array(items.filter { if case .null = $0 { return false } else { return true } })
        case "flatten":
            var flat: [Value] = []
            func flatten(_ values: [Value], depth: Int) throws {
                for value in values {
                    if case .array(let inner) = value, depth > 0 {
                        try flatten(inner.items, depth: depth - 1)
                    } else {
                        flat.append(value)
                        try checkSize(flat.count, "array", interpreter: interpreter, at: location)
                    }
                }
            }
            if case .int(let depth) = args.first ?? .null { try flatten(items, depth: min(depth, 64)) } else { try flatten(items, depth: 64) }
            return .array(flat)
        case "sort":
            if let block {
                return .array(try items.sorted { a, b in
                    guard case .int(let order) = try interpreter.callClosure(block, [a, b], at: location) else { return false }
                    return order < 0
                })
            }
            return .array(try items.sorted { try compare($0, $1, interpreter: interpreter, at: location) })
        case "min", "max":
            guard !items.isEmpty else { return .null }
            let sorted = try items.sorted { try compare($0, $1, interpreter: interpreter, at: location) }
            return name == "min" ? sorted[0] : sorted[sorted.count - 1]
        case "sum" where block == nil:
            var total: Value = args.first ?? .int(0)
            for item in items { total = try call(total, "+", Arguments(positional: [item]), interpreter: interpreter, at: location) }
            return total
        case "take": if case .int(let count) = args.first ?? .null { return .array(Array(items.prefix(Swift.max(0, count)))) }; return nil
        case "drop": if case .int(let count) = args.first ?? .null { return .array(Array(items.dropFirst(Swift.max(0, count)))) }; return nil
        case "zip":
            let others = args.compactMap { if case .array(let other) = $0 { return other.items } else { return nil } }
            return .array(items.enumerated().map { offset, item in .array([item] + others.map { offset < $0.count ? $0[offset] : .null }) })
        case "to_a", "entries": return .array(box)
        case "to_h":
            let hash = HashBox()
            for item in items {
                guard case .array(let pair) = item, pair.items.count == 2 else { throw interpreter.error("wrong element type \(item.typeName) (expected array of 2)", at: location, className: "TypeError") }
                hash[pair.items[0]] = pair.items[1]
            }
            return .hash(hash)
        case "each_cons":
            guard case .int(let size) = args.first ?? .null, size > 0 else { return nil }
            let windows = items.count >= size ? (0...(items.count - size)).map { Value.array(Array(items[$0..<$0 + size])) } : []
            return try iterate(windows, block, interpreter: interpreter, at: location) ?? .null
        case "with_index", "each_entry": return try array(box, "each_with_index", args, block, interpreter: interpreter, at: location)
        case "inject", "reduce":
            guard let block else {
                if case .symbol(let op) = args.first ?? .null, var total = items.first {
                    for item in items.dropFirst() { total = try call(total, op, Arguments(positional: [item]), interpreter: interpreter, at: location) }
                    return total
                }
                return nil
            }
            var memo = args.first ?? items.first ?? .null
            for item in args.isEmpty ? Array(items.dropFirst()) : items { memo = try interpreter.callClosure(block, [memo, item], at: location) }
            return memo
        case "sample", "shuffle":
            throw interpreter.error("\(name) is random; boxer reads Vagrantfiles deterministically", at: location)
        case "==": return .bool(Value.array(box).equals(args.first ?? .null))
        case "<=>": return nil
        default: return nil
        }
    }

    private static func uniq(_ items: [Value]) -> [Value] {
        var seen = Set<HashKey>()
        return items.filter { seen.insert(HashKey($0)).inserted }
    }

    private static func filtering(_ box: ArrayBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let items = box.items
        func test(_ item: Value) throws -> Bool {
            guard let block else {
                if let wanted = args.first { return item.equals(wanted) }
                return item.isTruthy
            }
            return try interpreter.callClosure(block, [item], at: location).isTruthy
        }
        switch name {
        case "select", "filter", "find_all": return .array(try items.filter(test))
        case "reject": return .array(try items.filter { !(try test($0)) })
        case "select!", "keep_if": box.items = try items.filter(test); return .array(box)
        case "reject!", "delete_if": box.items = try items.filter { !(try test($0)) }; return .array(box)
        case "find", "detect": return try items.first(where: test) ?? .null
        case "find_index", "index": return try items.firstIndex(where: test).map { .int($0) } ?? .null
        case "partition":
            var yes: [Value] = [], no: [Value] = []
            for item in items { if try test(item) { yes.append(item) } else { no.append(item) } }
            return .array([.array(yes), .array(no)])
        case "any?": return .bool(try items.contains(where: test))
        case "all?": return .bool(try items.allSatisfy(test))
        case "none?": return .bool(!(try items.contains(where: test)))
        case "count":
            if block == nil && args.isEmpty { return .int(items.count) }
            return .int(try items.filter(test).count)
        case "take_while": return .array(Array(try items.prefix(while: test)))
        case "drop_while": return .array(Array(try items.drop(while: test)))
        default:
            let keys = block == nil && name == "sum" ? items : try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            switch name {
            case "sum":
                var total: Value = args.first ?? .int(0)
                for key in keys { total = try call(total, "+", Arguments(positional: [key]), interpreter: interpreter, at: location) }
                return total
            case "min_by", "max_by":
                guard !items.isEmpty else { return .null }
                var best = 0
                for index in keys.indices.dropFirst() {
                    let better = name == "min_by" ? try compare(keys[index], keys[best], interpreter: interpreter, at: location) : try compare(keys[best], keys[index], interpreter: interpreter, at: location)
                    if better { best = index }
                }
                return items[best]
            case "sort_by":
                let order = try keys.indices.sorted { try compare(keys[$0], keys[$1], interpreter: interpreter, at: location) }
                return .array(order.map { items[$0] })
            case "group_by":
                let hash = HashBox()
                for (key, item) in zip(keys, items) {
                    if case .array(let group)? = hash[key] { group.items.append(item) } else { hash[key] = .array([item]) }
                }
                return .hash(hash)
            case "uniq":
                var seen = Set<HashKey>()
                return .array(zip(keys, items).filter { seen.insert(HashKey($0.0)).inserted }.map(\.1))
            default:
                throw interpreter.error("undefined method '\(name)' for Array", at: location, className: "NoMethodError")
            }
        }
    }

    // MARK: - Hashes

    private static func hash(_ box: HashBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        // Built only by the methods that walk the entries: `h[k] = v` must not copy the hash.
        func pairs() -> [Value] { box.pairs.map { Value.array([$0.key, $0.value]) } }
        switch name {
        case "[]": return box[args.first ?? .null] ?? box.defaultValue
        case "[]=", "store":
            guard args.count == 2 else { throw interpreter.error("[]= takes a key and a value", at: location, className: "ArgumentError") }
            box[args[0]] = args[1]
            return args[1]
        case "fetch":
            if let value = box[args.first ?? .null] { return value }
            if args.count > 1 { return args[1] }
            if let block { return try interpreter.callClosure(block, [args.first ?? .null], at: location) }
            throw interpreter.error("key not found: \((args.first ?? .null).inspect)", at: location, className: "KeyError")
        case "dig":
            var current = Value.hash(box)
            for key in args {
                switch current {
                case .hash(let inner): current = inner[key] ?? .null
                case .array: current = (try? call(current, "[]", Arguments(positional: [key]), interpreter: interpreter, at: location)) ?? .null
                default: return .null
                }
            }
            return current
        case "key?", "has_key?", "include?", "member?": return .bool(box[args.first ?? .null] != nil)
        case "value?", "has_value?": return .bool(box.pairs.contains { $0.value.equals(args.first ?? .null) })
        case "keys": return .array(box.pairs.map(\.key))
        case "values": return .array(box.pairs.map(\.value))
        case "values_at": return .array(args.map { box[$0] ?? .null })
        case "length", "size": return .int(box.count)
        case "count" where block == nil: return .int(box.count)
        case "empty?": return .bool(box.count == 0)
        case "to_h", "to_hash": return .hash(box)
        case "to_a": return .array(pairs())
        case "delete":
            let value = box[args.first ?? .null]
            box[args.first ?? .null] = nil
            return value ?? .null
        case "merge", "update", "merge!":
            let target = name == "merge" ? box.copy() : box
            for arg in args {
                guard case .hash(let other) = arg else { throw interpreter.error("no implicit conversion of \(arg.typeName) into Hash", at: location, className: "TypeError") }
                for pair in other.pairs {
                    if let block, let existing = target[pair.key] {
                        target[pair.key] = try interpreter.callClosure(block, [pair.key, existing, pair.value], at: location)
                    } else {
                        target[pair.key] = pair.value
                    }
                }
            }
            return .hash(target)
        case "each", "each_pair":
            guard let block else { return .array(pairs()) }
            do {
                for pair in box.pairs { _ = try interpreter.callClosure(block, [pair.key, pair.value], at: location) }
            } catch ControlFlow.breakValue(let value) { return value }
            return .hash(box)
        case "each_with_index":
            guard let block else { return nil }
            for (offset, pair) in pairs().enumerated() { _ = try interpreter.callClosure(block, [pair, .int(offset)], at: location) }
            return .hash(box)
        case "each_key": return try iterate(box.pairs.map(\.key), block, interpreter: interpreter, at: location) ?? .hash(box)
        case "each_value": return try iterate(box.pairs.map(\.value), block, interpreter: interpreter, at: location) ?? .hash(box)
        case "map", "collect", "flat_map":
            guard let block else { throw interpreter.error("\(name) needs a block", at: location) }
            let mapped = try box.pairs.map { try interpreter.callClosure(block, [$0.key, $0.value], at: location) }
            if name == "flat_map" { return .array(mapped.flatMap { if case .array(let inner) = $0 { return inner.items } else { return [$0] } }) }
            return .array(mapped)
        case "select", "filter", "reject", "find", "detect", "any?", "all?", "count", "partition", "sort_by", "min_by", "max_by", "sum", "none?", "group_by":
            guard let block else {
                if name == "any?" { return .bool(box.count > 0) }
                return nil
            }
            let test = { (pair: (key: Value, value: Value)) throws -> Bool in try interpreter.callClosure(block, [pair.key, pair.value], at: location).isTruthy }
            switch name {
            case "select", "filter": return .hash(HashBox(try box.pairs.filter(test).map { ($0.key, $0.value) }))
            case "reject": return .hash(HashBox(try box.pairs.filter { !(try test($0)) }.map { ($0.key, $0.value) }))
            case "find", "detect": return try box.pairs.first(where: test).map { .array([$0.key, $0.value]) } ?? .null
            case "any?": return .bool(try box.pairs.contains(where: test))
            case "all?": return .bool(try box.pairs.allSatisfy(test))
            case "none?": return .bool(!(try box.pairs.contains(where: test)))
            case "count": return .int(try box.pairs.filter(test).count)
            default: return try filtering(ArrayBox(pairs()), name, args, block, interpreter: interpreter, at: location)
            }
        case "transform_values":
            guard let block else { return nil }
            return .hash(HashBox(try box.pairs.map { ($0.key, try interpreter.callClosure(block, [$0.value], at: location)) }))
        case "transform_keys":
            guard let block else { return nil }
            return .hash(HashBox(try box.pairs.map { (try interpreter.callClosure(block, [$0.key], at: location), $0.value) }))
        case "key": return box.pairs.first { $0.value.equals(args.first ?? .null) }?.key ?? .null
        case "invert": return .hash(HashBox(box.pairs.map { ($0.value, $0.key) }))
        case "sort": return .array(try pairs().sorted { try compare($0, $1, interpreter: interpreter, at: location) })
        case "first": return pairs().first ?? .null
        case "default=": box.defaultValue = args.first ?? .null; return box.defaultValue
        case "each_with_object":
            let memo = args.first ?? .null
            guard let block else { return nil }
            for pair in pairs() { _ = try interpreter.callClosure(block, [pair, memo], at: location) }
            return memo
        case "inject", "reduce":
            return try array(ArrayBox(pairs()), name, args, block, interpreter: interpreter, at: location)
        case "clear":
            box.removeAll()
            return .hash(box)
        default: return nil
        }
    }

    // MARK: - Ranges

    private static func range(_ low: Int?, _ high: Int?, _ exclusive: Bool, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        switch name {
        case "first", "begin", "min":
            if case .int(let count) = args.first ?? .null, let low { return .array((0..<Swift.max(0, Swift.min(count, 1_000_000))).map { .int(low &+ $0) }) }
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
            guard case .int(let step) = args.first ?? .null, step > 0, let low, let high else { throw interpreter.error("step needs a positive integer", at: location, className: "ArgumentError") }
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

/// A class name used as a value (`Integer`, `String`, `Hash`) for `is_a?` and `case`.
final class TypeObject: RubyObject {
    let name: String
    init(_ name: String) { self.name = name }
    var typeName: String { "Class" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "name", "to_s": return .string(name)
        case "new" where name == "Hash":
            let box = HashBox()
            box.defaultValue = arguments.positional.first ?? .null
            return .hash(box)
        case "new" where name == "Array":
            guard case .int(let count) = arguments.positional.first ?? .int(0), count >= 0, count < 1_000_000 else { throw interpreter.error("Array.new needs a small size", at: location) }
            return .array(Array(repeating: arguments.positional.count > 1 ? arguments.positional[1] : .null, count: count))
        case "new" where name == "String":
            return .string(arguments.positional.first?.text ?? "")
        case "new":
            throw VagrantfileError(.unsupported, at: location, "\(name).new is not supported by boxer", hint: "a Vagrantfile read by boxer uses literals, arrays and hashes, not objects")
        case "===": return .bool(try Builtins.caseEquals(.object(self), arguments.positional.first ?? .null, interpreter: interpreter, at: location))
        default:
            throw interpreter.error("undefined method '\(method)' for \(name)", at: location, className: "NoMethodError")
        }
    }
}

extension Builtins {
    /// `Array#join`: nested arrays are joined with the same separator. An array that contains
    /// itself is Ruby's ArgumentError ("recursive array join"), and shared nesting is bounded by
    /// a budget of elements, so neither can exhaust the stack or the memory.
    static func join(_ items: [Value], separator: String, seen: Set<ObjectIdentifier>, budget: inout Int, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        var parts: [String] = []
        parts.reserveCapacity(items.count)
        for item in items {
            budget -= 1
            guard budget > 0, seen.count < 64 else {
                throw interpreter.error("join of too large or too deeply nested an array", at: location, className: "ArgumentError")
            }
            if case .array(let inner) = item {
                let id = ObjectIdentifier(inner)
                guard !seen.contains(id) else { throw interpreter.error("recursive array join", at: location, className: "ArgumentError") }
                parts.append(try join(inner.items, separator: separator, seen: seen.union([id]), budget: &budget, interpreter: interpreter, at: location))
            } else {
                parts.append(try interpreter.stringify(item, at: location))
            }
        }
        return parts.joined(separator: separator)
    }
}

extension Builtins {
    /// An Integer result, or Ruby's RangeError where Ruby would grow a Bignum: boxer's integers
    /// are 64-bit, and wrapping around silently would give a Vagrantfile a wrong number.
    static func checked(_ result: (partialValue: Int, overflow: Bool), _ expression: String, interpreter: Interpreter, at location: SourceLocation) throws -> Int {
        guard !result.overflow else {
            throw interpreter.error("\(expression) does not fit in a 64-bit integer (Ruby would make a Bignum, which boxer does not have; numbers in a Vagrantfile stay far below 2**63)", at: location, className: "RangeError")
        }
        return result.partialValue
    }
}
