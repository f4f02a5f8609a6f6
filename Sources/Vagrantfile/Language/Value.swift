import Foundation

/// A Ruby value while a Vagrantfile runs. Arrays and hashes are references, as in Ruby, so
/// `nodes << x` is seen by every holder of `nodes`.
enum Value {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case symbol(String)
    case array(ArrayBox)
    case hash(HashBox)
    case range(Int?, Int?, exclusive: Bool)
    case proc(Closure)
    case regex(RegexBox)
    case object(any RubyObject)

    var isTruthy: Bool {
        switch self {
        case .null, .bool(false): return false
        default: return true
        }
    }

    static func array(_ items: [Value]) -> Value { .array(ArrayBox(items)) }

    /// Ruby's class name, for messages and `is_a?`.
    var typeName: String {
        switch self {
        case .null: return "NilClass"
        case .bool(let value): return value ? "TrueClass" : "FalseClass"
        case .int: return "Integer"
        case .float: return "Float"
        case .string: return "String"
        case .symbol: return "Symbol"
        case .array: return "Array"
        case .hash: return "Hash"
        case .range: return "Range"
        case .proc: return "Proc"
        case .regex: return "Regexp"
        case .object(let object): return object.typeName
        }
    }

    /// `to_s`.
    var text: String {
        switch self {
        case .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .float(let value): return Self.formatFloat(value)
        case .string(let value): return value
        case .symbol(let value): return value
        // A Pathname stands for its path wherever a path is taken (`File.join(dir, "x")`).
        case .object(let path as PathnameObject) where path.path != nil: return path.path ?? ""
        case .array, .hash, .range, .proc, .regex, .object: return inspect
        }
    }

    /// `inspect`. Self-containing arrays and hashes print `[...]` as in Ruby, and very deep
    /// nesting is cut short instead of exhausting the stack.
    var inspect: String {
        var budget = 100_000
        return inspect(seen: [], depth: 0, budget: &budget)
    }

    /// `budget` bounds the nodes printed: `a = [a, a]` sixty times over shares nodes and would
    /// otherwise print 2^60 of them.
    private func inspect(seen: Set<ObjectIdentifier>, depth: Int, budget: inout Int) -> String {
        budget -= 1
        guard depth < 64, budget > 0 else { return "..." }
        switch self {
        case .null: return "nil"
        case .string(let value): return Self.inspectString(value)
        case .symbol(let value): return ":" + value
        case .array(let box):
            let id = ObjectIdentifier(box)
            if seen.contains(id) { return "[...]" }
            var parts: [String] = []
            for item in box.items.prefix(10_000) { parts.append(item.inspect(seen: seen.union([id]), depth: depth + 1, budget: &budget)) }
            return "[" + parts.joined(separator: ", ") + "]"
        case .hash(let box):
            let id = ObjectIdentifier(box)
            if seen.contains(id) { return "{...}" }
            var parts: [String] = []
            for pair in box.pairs.prefix(10_000) {
                let key = pair.key.inspect(seen: seen.union([id]), depth: depth + 1, budget: &budget)
                parts.append(key + "=>" + pair.value.inspect(seen: seen.union([id]), depth: depth + 1, budget: &budget))
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .range(let low, let high, let exclusive):
            return "\(low.map(String.init) ?? "")\(exclusive ? "..." : "..")\(high.map(String.init) ?? "")"
        case .proc: return "#<Proc>"
        case .regex(let box): return "/\(box.pattern)/"
        case .object(let type as TypeObject): return type.name
        case .object(let type as RubyClass): return type.name
        case .object(let type as StandardLibraryModule): return type.name
        case .object(let object): return "#<\(object.typeName)>"
        default: return text
        }
    }

    /// A string as Ruby's `inspect` writes it: quotes, backslashes, control characters and a `#`
    /// that would start an interpolation escaped.
    static func inspectString(_ value: String) -> String {
        var result = "\""
        let scalars = Array(value.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\u{1B}": result += "\\e"
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{0B}": result += "\\v"
            case "#" where offset + 1 < scalars.count && ["{", "$", "@"].contains(scalars[offset + 1]): result += "\\#"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += String(format: "\\u%04X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func formatFloat(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        if value == value.rounded(), abs(value) < 1e16 { return String(format: "%.1f", value) }
        return String(value)
    }

    /// Ruby's `==` (nesting deeper than 64 compares unequal rather than recursing forever).
    func equals(_ other: Value, depth: Int = 0) -> Bool {
        var budget = 100_000
        return equals(other, depth: depth, budget: &budget)
    }

    private func equals(_ other: Value, depth: Int, budget: inout Int) -> Bool {
        budget -= 1
        guard depth < 64, budget > 0 else { return false }
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.symbol(let a), .symbol(let b)): return a == b
        case (.array(let a), .array(let b)):
            return a === b
                || (a.items.count == b.items.count
                    && {
                        for (left, right) in zip(a.items, b.items) where !left.equals(right, depth: depth + 1, budget: &budget) {
                            return false
                        }
                        return true
                    }())
        case (.hash(let a), .hash(let b)):
            return a === b
                || (a.count == b.count
                    && {
                        for pair in a.pairs {
                            guard let value = b[pair.key], value.equals(pair.value, depth: depth + 1, budget: &budget) else { return false }
                        }
                        return true
                    }())
        case (.range(let a1, let a2, let ae), .range(let b1, let b2, let be)): return a1 == b1 && a2 == b2 && ae == be
        // `value.class == Hash`: a built-in class is one object however it was reached.
        case (.object(let a as TypeObject), .object(let b as TypeObject)): return a.name == b.name
        case (.object(let a), .object(let b)): return a === b
        case (.proc(let a), .proc(let b)): return a === b
        default: return false
        }
    }
}

/// Equality for hash keys: strings, symbols, numbers, booleans and nil by value, others by identity.
enum HashKey: Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case symbol(String)
    case array([HashKey])
    case identity(ObjectIdentifier)

    /// At most 256 nodes of nested arrays become a key by value; beyond that (an array that
    /// holds itself 64 times would be 64^4 nodes) the rest is keyed by identity.
    init(_ value: Value) {
        var budget = 256
        self.init(value, depth: 0, budget: &budget)
    }

    private init(_ value: Value, depth: Int, budget: inout Int) {
        budget -= 1
        switch value {
        case .null: self = .null
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(v)
        case .float(let v): self = v == v.rounded() && abs(v) < 1e18 ? .int(Int(v)) : .float(v)
        case .string(let v): self = .string(v)
        case .symbol(let v): self = .symbol(v)
        case .array(let box):
            guard depth < 4, box.items.count <= 64, budget >= box.items.count else {
                self = .identity(ObjectIdentifier(box))
                return
            }
            var keys: [HashKey] = []
            keys.reserveCapacity(box.items.count)
            for item in box.items { keys.append(HashKey(item, depth: depth + 1, budget: &budget)) }
            self = .array(keys)
        case .hash(let box): self = .identity(ObjectIdentifier(box))
        case .range(let a, let b, let e): self = .string("\(a ?? Int.min)\(e ? "..." : "..")\(b ?? Int.max)")
        case .proc(let closure): self = .identity(ObjectIdentifier(closure))
        case .regex(let box): self = .identity(ObjectIdentifier(box))
        case .object(let object): self = .identity(ObjectIdentifier(object))
        }
    }
}

/// A block, proc or lambda with the scope it closes over.
final class Closure {
    let parameters: [Parameter]
    let body: [Node]
    let scope: Scope
    let selfValue: Value
    let isLambda: Bool
    let location: SourceLocation
    unowned let interpreter: Interpreter

    init(_ literal: BlockLiteral, scope: Scope, selfValue: Value, isLambda: Bool, interpreter: Interpreter) {
        interpreter.capturedScopes.append(scope)
        parameters = literal.parameters
        body = literal.body
        self.scope = scope
        self.selfValue = selfValue
        self.isLambda = isLambda
        location = literal.location
        self.interpreter = interpreter
    }

    var arity: Int {
        parameters.filter {
            if case .required = $0.kind { return true } else if case .destructure = $0.kind { return true } else { return false }
        }.count
    }

    func call(_ arguments: [Value], block: Closure? = nil, at location: SourceLocation) throws -> Value {
        try interpreter.callClosure(self, arguments, block: block, at: location)
    }
}

/// Variables of one method body or block; blocks see (and assign) their enclosing scope's.
final class Scope {
    private var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope? = nil) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        if let value = variables[name] { return value }
        return parent?.lookup(name)
    }

    func has(_ name: String) -> Bool { variables[name] != nil || parent?.has(name) == true }

    /// Assigns where the variable already lives, else here.
    func assign(_ name: String, _ value: Value) {
        var scope: Scope? = self
        while let current = scope {
            if current.variables[name] != nil {
                current.variables[name] = value
                return
            }
            scope = current.parent
        }
        variables[name] = value
    }

    /// Declares in this scope (block parameters shadow outer variables).
    func declare(_ name: String, _ value: Value) { variables[name] = value }

    /// Drops every variable: breaks closure → scope → closure cycles once evaluation is over.
    func clear() { variables.removeAll() }
}

/// Arguments of a call as Ruby passes them: positional values, keyword pairs, a block.
struct Arguments {
    var positional: [Value] = []
    var keywords: HashBox?
    var block: Closure?

    /// Positional values with a trailing keyword hash folded in as the last argument.
    var all: [Value] {
        guard let keywords else { return positional }
        return positional + [.hash(keywords)]
    }

    func keyword(_ name: String) -> Value? {
        keywords?[.symbol(name)] ?? keywords?[.string(name)]
    }
}

/// A host object whose methods are implemented in Swift: config objects, ENV, File, YAML, …
protocol RubyObject: AnyObject {
    var typeName: String { get }
    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value
}

/// A raised Ruby error (`raise`, a failed builtin), caught by `rescue` or reported with its place.
struct RubyError: Error {
    let message: String
    let location: SourceLocation
    let className: String
    /// For an error of the file's own classes: its classes, nearest first (what `rescue` matches).
    var ancestors: [String] = []
    /// The raised object itself when it is one of the file's (what `rescue => e` binds).
    var exception: Value?

    init(_ message: String, at location: SourceLocation, className: String = "RuntimeError") {
        self.message = message
        self.location = location
        self.className = className
    }
}

/// Values live on the one thread that runs the interpreter; they only cross into `Error` (which
/// must be Sendable) to unwind `return`, `next` and `break` on that same thread.
extension Value: @unchecked Sendable {}

/// `return`, `next` and `break` travel as errors to the method or block they leave.
enum ControlFlow: Error {
    case returnValue(Value)
    case nextValue(Value)
    case breakValue(Value)
}

extension StringProtocol {
    /// Without leading and trailing whitespace as Ruby's `strip` sees it (space, \t \n \v \f \r and
    /// NUL), in the standard library alone: Foundation's CharacterSet costs every `boxer status`.
    func rubyStripped() -> String {
        let isBlank: (Character) -> Bool = { ($0.isWhitespace && $0.isASCII) || $0 == "\0" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }

    /// Without leading and trailing `character`s.
    func trimming(_ character: Character) -> String {
        guard let first = firstIndex(where: { $0 != character }), let last = lastIndex(where: { $0 != character }) else { return "" }
        return String(self[first...last])
    }
}
