/// What `map`, `select`, `each_slice` and friends return without a block: the items and the method
/// still to run, so that `servers.map.with_index(1) { |s, i| ... }` numbers from 1 as in Ruby.
final class EnumeratorObject: RubyObject {
    /// The values the method runs over (for a hash, its [key, value] pairs).
    let items: [Value]
    /// each, map, collect, flat_map, select, filter, reject or filter_map.
    let method: String
    /// What `each` answers when done: the receiver it was called on.
    let receiver: Value

    static let methods: Set<String> = ["each", "map", "collect", "flat_map", "select", "filter", "reject", "filter_map"]

    init(items: [Value], method: String, receiver: Value) {
        self.items = items
        self.method = method
        self.receiver = receiver
    }

    var typeName: String { "Enumerator" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "with_index", "each_with_index":
            var offset = 0
            if name == "with_index", let first = arguments.positional.first {
                switch first {
                case .null: break
                case .int(let given): offset = given
                default:
                    throw interpreter.error(
                        "no implicit conversion of \(first.typeName) into Integer", at: location, className: "TypeError")
                }
            }
            guard let block = arguments.block else {
                return .array(items.enumerated().map { .array([$0.element, .int($0.offset + offset)]) })
            }
            return try run { item, index in try interpreter.callClosure(block, [item, .int(index + offset)], at: location) }
        case "with_object", "each_with_object":
            let memo = arguments.positional.first ?? .null
            guard let block = arguments.block else { throw interpreter.error("\(name) needs a block", at: location) }
            _ = try run { item, _ in try interpreter.callClosure(block, [item, memo], at: location) }
            return memo
        case "to_a", "entries", "force": return .array(items)
        case "size",
            "count" where arguments.block == nil && arguments.positional.isEmpty:
            return .int(items.count)
        case "inspect", "to_s": return .string("#<Enumerator: ...>")
        default:
            // `each_slice(2).map { ... }`, `each.select`: the items, as an array.
            return try Builtins.call(.array(items), name, arguments, interpreter: interpreter, at: location)
        }
    }

    /// Runs the method with `body` as its block (called with each item and its index).
    func run(_ body: (Value, Int) throws -> Value) throws -> Value {
        var results: [Value] = []
        var kept: [Value] = []
        do {
            for (index, item) in items.enumerated() {
                let result = try body(item, index)
                switch method {
                case "map", "collect": results.append(result)
                case "flat_map":
                    if case .array(let inner) = result { results += inner.items } else { results.append(result) }
                case "select", "filter": if result.isTruthy { kept.append(item) }
                case "reject": if !result.isTruthy { kept.append(item) }
                case "filter_map": if result.isTruthy { results.append(result) }
                default: break
                }
            }
        } catch ControlFlow.breakValue(let value) { return value }
        switch method {
        case "map", "collect", "flat_map", "filter_map": return .array(results)
        case "select", "filter", "reject": return .array(kept)
        default: return receiver
        }
    }
}
