import Foundation

/// Methods of Ruby's core values as Vagrantfiles use them.
enum Builtins {
    /// Calls `name` on `receiver`: the methods every value has, then the receiver type's table
    /// (over 80 lines on purpose: it is the dispatch, one line per shared method).
    static func call(_ receiver: Value, _ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation)
        throws -> Value
    {
        let args = arguments.all
        let block = arguments.block
        func arg(_ index: Int) throws -> Value {
            guard index < args.count else {
                throw interpreter.error(
                    "\(name) needs \(index + 1) argument\(index == 0 ? "" : "s")", at: location, className: "ArgumentError")
            }
            return args[index]
        }
        func fail() -> RubyError {
            interpreter.error(
                "undefined method '\(name)' for \(receiver.typeName) (boxer supports the String, Array, Hash, Integer and Range methods Vagrantfiles commonly use)",
                at: location, className: "NoMethodError")
        }

        // The file's own objects and classes answer everything themselves (`is_a?` by their ancestors).
        if case .object(let object) = receiver, object is RubyInstance || object is RubyClass || object is ExceptionObject {
            return try object.call(name, arguments, interpreter: interpreter, at: location)
        }

        // Methods every value has.
        switch name {
        case "==", "eql?", "equal?": return .bool(receiver.equals(try arg(0)))
        case "!=": return .bool(!receiver.equals(try arg(0)))
        case "!": return .bool(!receiver.isTruthy)
        case "nil?": if case .null = receiver { return .bool(true) } else { return .bool(false) }
        case "inspect": return .string(receiver.inspect)
        case "class": return .object(TypeObject(receiver.typeName))
        case "is_a?", "kind_of?", "instance_of?":
            let wanted = try arg(0)
            let wantedName: String
            if case .object(let type as TypeObject) = wanted { wantedName = type.name } else { wantedName = wanted.text }
            let ancestors: [String: [String]] = ["Integer": ["Numeric"], "Float": ["Numeric"], "TrueClass": [], "FalseClass": []]
            return .bool(
                receiver.typeName == wantedName || wantedName == "Object" || (ancestors[receiver.typeName] ?? []).contains(wantedName))
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
            case "<=>":
                if case .symbol(let other) = try arg(0) { return .int(symbol < other ? -1 : symbol == other ? 0 : 1) }
                return .null
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
            guard let result = try range(low, high, exclusive, name, args, block, interpreter: interpreter, at: location) else {
                throw fail()
            }
            return result
        case .proc(let closure):
            switch name {
            case "call", "()", "yield", "[]":
                return try interpreter.callClosure(closure, arguments.positional, keywords: arguments.keywords, at: location)
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

    static func isObject(_ value: Value) -> Bool {
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
        case .object(let type as RubyClass):
            return ClassBodyMethods.isKind(value, of: type)
        case .proc(let closure):
            return try interpreter.callClosure(closure, [value], at: location).isTruthy
        default:
            return pattern.equals(value)
        }
    }

    static func matchResult(_ regex: RegexBox, _ text: String, name: String, interpreter: Interpreter) -> Value {
        guard let match = regex.firstMatch(in: text) else {
            if name != "match?" { clearMatch(interpreter: interpreter) }
            return name == "match?" ? .bool(false) : .null
        }
        if name == "match?" { return .bool(true) }
        let data = recordMatch(match, in: text, interpreter: interpreter)
        return name == "=~" ? .int(data.offset) : .object(data)
    }

    /// The match as Ruby's `MatchData`, also left in `$~`, `$1`, `$2`, … as Ruby leaves it.
    @discardableResult
    static func recordMatch(_ match: RegexBox.Match, in text: String, interpreter: Interpreter) -> MatchDataObject {
        func value(_ range: Range<String.Index>?) -> Value { range.map { .string(String(text[$0])) } ?? .null }
        let groups = match.ranges.map(value)
        for (index, group) in groups.enumerated() where index > 0 { interpreter.host.globals["$\(index)"] = group }
        let whole = match.ranges[0] ?? text.startIndex..<text.startIndex
        let offset = text.unicodeScalars.distance(from: text.startIndex, to: whole.lowerBound)
        let data = MatchDataObject(
            groups: groups, names: match.names.map { ($0.name, value($0.range)) }, preMatch: String(text[..<whole.lowerBound]),
            postMatch: String(text[whole.upperBound...]), offset: offset)
        interpreter.host.globals["$~"] = .object(data)
        interpreter.host.globals["$&"] = groups.first ?? .null
        interpreter.host.globals["$`"] = .string(data.preMatch)
        interpreter.host.globals["$'"] = .string(data.postMatch)
        for index in groups.count..<10 where index > 0 { interpreter.host.globals["$\(index)"] = nil }
        return data
    }

    /// A failed match leaves no match behind: `$~`, `$1`, … are nil again, as in Ruby.
    static func clearMatch(interpreter: Interpreter) {
        for name in ["$~", "$&", "$`", "$'"] + (1..<10).map({ "$\($0)" }) { interpreter.host.globals[name] = nil }
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

}

/// A class name used as a value (`Integer`, `String`, `Hash`) for `is_a?` and `case`.
final class TypeObject: RubyObject {
    let name: String
    init(_ name: String) { self.name = name }
    var typeName: String { "Class" }
    var isErrorClass: Bool { name.hasSuffix("Error") || name.hasSuffix("Exception") }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "name", "to_s", "inspect": return .string(name)
        case "new" where name == "Hash":
            let box = HashBox()
            box.defaultValue = arguments.positional.first ?? .null
            box.defaultBlock = arguments.block
            return .hash(box)
        case "new" where name == "Array":
            guard case .int(let count) = arguments.positional.first ?? .int(0), count >= 0, count < 1_000_000 else {
                throw interpreter.error("Array.new needs a small size", at: location)
            }
            return .array(Array(repeating: arguments.positional.count > 1 ? arguments.positional[1] : .null, count: count))
        case "new" where name == "String":
            return .string(arguments.positional.first?.text ?? "")
        case "new" where isErrorClass, "exception" where isErrorClass:
            let message = try arguments.positional.first.map { try interpreter.stringify($0, at: location) } ?? name
            return .object(ExceptionObject(RubyError(message, at: location, className: name)))
        case _ where method.first?.isUppercase == true && arguments.positional.isEmpty:
            // Object::RUBY_PLATFORM, Object::Helper: the program's constants.
            if let value = interpreter.constants[method] ?? interpreter.host.userConstants[method]
                ?? interpreter.host.constant(method, interpreter: interpreter)
            {
                return value
            }
            throw interpreter.error("uninitialized constant \(name)::\(method)", at: location, className: "NameError")
        case "new":
            throw VagrantfileError.objectCreation(name, at: location)
        case "===":
            return .bool(
                try Builtins.caseEquals(.object(self), arguments.positional.first ?? .null, interpreter: interpreter, at: location))
        default:
            throw interpreter.error("undefined method '\(method)' for \(name)", at: location, className: "NoMethodError")
        }
    }
}

extension Builtins {
    /// `Array#join`: nested arrays are joined with the same separator. An array that contains
    /// itself is Ruby's ArgumentError ("recursive array join"), and shared nesting is bounded by
    /// a budget of elements, so neither can exhaust the stack or the memory.
    static func join(
        _ items: [Value], separator: String, seen: Set<ObjectIdentifier>, budget: inout Int, interpreter: Interpreter,
        at location: SourceLocation
    ) throws -> String {
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
                parts.append(
                    try join(
                        inner.items, separator: separator, seen: seen.union([id]), budget: &budget, interpreter: interpreter, at: location))
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
    static func checked(
        _ result: (partialValue: Int, overflow: Bool), _ expression: String, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Int {
        guard !result.overflow else {
            throw interpreter.error(
                "\(expression) does not fit in a 64-bit integer (Ruby would make a Bignum, which boxer does not have; numbers in a Vagrantfile stay far below 2**63)",
                at: location, className: "RangeError")
        }
        return result.partialValue
    }
}
