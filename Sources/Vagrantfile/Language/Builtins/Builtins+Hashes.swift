import Foundation

/// Hash methods.
extension Builtins {
    /// Hash methods: one switch over the method name, a table of the Ruby methods boxer supports for
    /// this receiver; split, the table would be harder to read, not easier (over 80 lines on purpose).
    static func hash(
        _ box: HashBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value? {
        // Built only by the methods that walk the entries: `h[k] = v` must not copy the hash.
        func pairs() -> [Value] { box.pairs.map { Value.array([$0.key, $0.value]) } }
        switch name {
        case "[]":
            let key = args.first ?? .null
            if let found = box[key] { return found }
            if let defaultBlock = box.defaultBlock { return try interpreter.callClosure(defaultBlock, [.hash(box), key], at: location) }
            return box.defaultValue
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
                case .array:
                    current = (try? call(current, "[]", Arguments(positional: [key]), interpreter: interpreter, at: location)) ?? .null
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
        case "to_h" where block != nil:
            // to_h { |k, v| [v, k] }
            guard let block else { return nil }
            let result = HashBox()
            for pair in pairs() {
                guard case .array(let entry) = try interpreter.callClosure(block, [pair], at: location), entry.items.count == 2 else {
                    throw interpreter.error("wrong element type (expected array of 2)", at: location, className: "TypeError")
                }
                result[entry.items[0]] = entry.items[1]
            }
            return .hash(result)
        case "to_h", "to_hash": return .hash(box)
        case "to_a": return .array(pairs())
        case "delete":
            let value = box[args.first ?? .null]
            box[args.first ?? .null] = nil
            if value == nil, let block { return try interpreter.callClosure(block, [args.first ?? .null], at: location) }
            return value ?? .null
        case "compact": return .hash(HashBox(box.pairs.filter { if case .null = $0.value { return false } else { return true } }))
        case "slice": return .hash(HashBox(args.compactMap { key in box[key].map { (key, $0) } }))
        case "except": return .hash(HashBox(box.pairs.filter { pair in !args.contains { $0.equals(pair.key) } }))
        case "merge", "update", "merge!":
            let target = name == "merge" ? box.copy() : box
            for arg in args {
                guard case .hash(let other) = arg else {
                    throw interpreter.error("no implicit conversion of \(arg.typeName) into Hash", at: location, className: "TypeError")
                }
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
            guard let block else { return .object(EnumeratorObject(items: pairs(), method: "each", receiver: .hash(box))) }
            do {
                // One argument, the [key, value] pair, as Ruby yields it: `|node|` gets the pair, `|k, v|` splats it.
                for pair in pairs() { _ = try interpreter.callClosure(block, [pair], at: location) }
            } catch ControlFlow.breakValue(let value) { return value }
            return .hash(box)
        case "each_with_index":
            guard let block else { return nil }
            for (offset, pair) in pairs().enumerated() { _ = try interpreter.callClosure(block, [pair, .int(offset)], at: location) }
            return .hash(box)
        case "each_key": return try iterate(box.pairs.map(\.key), block, interpreter: interpreter, at: location) ?? .hash(box)
        case "each_value": return try iterate(box.pairs.map(\.value), block, interpreter: interpreter, at: location) ?? .hash(box)
        case "map", "collect", "flat_map", "filter_map":
            guard let block else { return .object(EnumeratorObject(items: pairs(), method: name, receiver: .hash(box))) }
            if name == "filter_map" {
                return try EnumeratorObject(items: pairs(), method: name, receiver: .hash(box)).run { pair, _ in
                    try interpreter.callClosure(block, [pair], at: location)
                }
            }
            let mapped = try pairs().map { try interpreter.callClosure(block, [$0], at: location) }
            if name == "flat_map" {
                return .array(mapped.flatMap { if case .array(let inner) = $0 { return inner.items } else { return [$0] } })
            }
            return .array(mapped)
        case "delete_if", "reject!", "keep_if", "select!", "filter!":
            // In place, as Ruby's; reject!/select! answer nil when nothing changed.
            guard let block else { return nil }
            let removing = name == "delete_if" || name == "reject!"
            var removed = 0
            for pair in box.pairs where try interpreter.callClosure(block, [pair.key, pair.value], at: location).isTruthy == removing {
                box[pair.key] = nil
                removed += 1
            }
            return removed == 0 && name.hasSuffix("!") ? .null : .hash(box)
        case "select", "filter", "reject", "find", "detect", "any?", "all?", "count", "partition", "sort_by", "min_by", "max_by", "sum",
            "none?", "group_by":
            guard let block else {
                if name == "any?" { return .bool(box.count > 0) }
                return nil
            }
            // Hash's own select/filter/reject yield key and value apart (`|n|` gets the key); the
            // Enumerable ones yield the pair.
            let apart = ["select", "filter", "reject"].contains(name)
            let test = { (pair: (key: Value, value: Value)) throws -> Bool in
                let arguments: [Value] = apart ? [pair.key, pair.value] : [.array([pair.key, pair.value])]
                return try interpreter.callClosure(block, arguments, at: location).isTruthy
            }
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
        case "default=":
            box.defaultValue = args.first ?? .null
            return box.defaultValue
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
}
