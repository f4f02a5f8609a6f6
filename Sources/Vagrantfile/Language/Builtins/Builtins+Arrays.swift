import Foundation

/// Array methods, and the iteration helpers the other receivers share.
extension Builtins {
    /// Calls `block` for each item; nil when it ran to the end, the value when it was broken out of.
    static func iterate(_ items: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        guard let block else { return .array(items) }
        do {
            for item in items { _ = try interpreter.callClosure(block, [item], at: location) }
        } catch ControlFlow.breakValue(let value) {
            return value
        }
        return nil
    }

    static func mapItems(_ items: [Value], _ block: Closure?, method: String, interpreter: Interpreter, at location: SourceLocation) throws
        -> [Value]
    {
        guard let block else { throw interpreter.error("\(method) needs a block", at: location, className: "LocalJumpError") }
        var results: [Value] = []
        for item in items { results.append(try interpreter.callClosure(block, [item], at: location)) }
        return results
    }

    static func index(_ items: [Value], _ args: [Value], interpreter: Interpreter, at location: SourceLocation, joinStrings: Bool = false)
        throws -> Value
    {
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
            throw interpreter.error(
                "this \(what) grew past boxer's limit of \(what == "string" ? "16 MiB" : "1,000,000 elements")", at: location,
                className: "NoMemoryError")
        }
    }

    /// Methods that change the array in place; handled before anything copies `box.items`, so an
    /// append stays O(1).
    static func mutateArray(_ box: ArrayBox, _ name: String, _ args: [Value], interpreter: Interpreter, at location: SourceLocation) throws
        -> Value?
    {
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

    /// Array methods (the mutating ones are in `mutateArray`, the filters in `filtering`): one switch
    /// over the method name, a table of the Ruby methods boxer supports for this receiver; split, the
    /// table would be harder to read, not easier (over 80 lines on purpose).
    static func array(
        _ box: ArrayBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value? {
        if let result = try mutateArray(box, name, args, interpreter: interpreter, at: location) { return result }
        let items = box.items
        if block == nil, args.isEmpty, EnumeratorObject.methods.contains(name) {
            return .object(EnumeratorObject(items: items, method: name, receiver: .array(box)))
        }
        switch name {
        case "each":
            return try iterate(items, block, interpreter: interpreter, at: location) ?? .array(box)
        case "each_with_index":
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
            guard case .int(let size) = args.first ?? .null, size > 0 else {
                throw interpreter.error("each_slice needs a positive size", at: location, className: "ArgumentError")
            }
            let slices = stride(from: 0, to: items.count, by: size).map {
                Value.array(Array(items[$0..<Swift.min($0 + size, items.count)]))
            }
            guard block != nil else { return .object(EnumeratorObject(items: slices, method: "each", receiver: .null)) }
            return try iterate(slices, block, interpreter: interpreter, at: location) ?? .null
        case "map", "collect", "flat_map":
            let mapped = try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            if name == "flat_map" {
                return .array(mapped.flatMap { if case .array(let inner) = $0 { return inner.items } else { return [$0] } })
            }
            return .array(mapped)
        case "map!", "collect!":
            box.items = try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            return .array(box)
        case "each_index":
            return .array(items.indices.map { .int($0) })
        case "uniq" where block == nil: return .array(uniq(items))
        case "select", "filter", "reject", "find", "detect", "find_index", "index", "partition", "any?", "all?", "none?", "count", "sum",
            "min_by", "max_by", "sort_by", "group_by", "uniq", "take_while", "drop_while", "find_all", "select!", "reject!", "delete_if",
            "keep_if":
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
            guard args.count == 2, case .int(var position) = args[0] else {
                throw interpreter.error("[]= takes an index and a value", at: location, className: "TypeError")
            }
            if position < 0 { position += items.count }
            guard position >= 0, position < 1_000_000 else {
                throw interpreter.error("index \(position) out of range", at: location, className: "IndexError")
            }
            while box.items.count <= position { box.items.append(.null) }
            box.items[position] = args[1]
            return args[1]
        case "dig":
            var current = Value.array(box)
            for key in args {
                current = (try? call(current, "[]", Arguments(positional: [key]), interpreter: interpreter, at: location)) ?? .null
            }
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
            guard case .array(let other) = args.first ?? .null else {
                throw interpreter.error(
                    "no implicit conversion of \((args.first ?? .null).typeName) into Array", at: location, className: "TypeError")
            }
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
            guard case .int(let count) = args.first ?? .null, count >= 0, count < 1_000_000, items.count * count < 1_000_000 else {
                return nil
            }
            return .array(Array([[Value]](repeating: items, count: count).joined()))
        case "include?", "member?": return .bool(items.contains { $0.equals(args.first ?? .null) })
        case "join":
            let separator = (args.first.map(\.text)) ?? ""
            var budget = 100_000
            return .string(
                try join(
                    items, separator: separator, seen: [ObjectIdentifier(box)], budget: &budget, interpreter: interpreter, at: location))
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
            if case .int(let depth) = args.first ?? .null {
                try flatten(items, depth: min(depth, 64))
            } else {
                try flatten(items, depth: 64)
            }
            return .array(flat)
        case "sort":
            if let block {
                return .array(
                    try items.sorted { a, b in
                        guard case .int(let order) = try interpreter.callClosure(block, [a, b], at: location) else { return false }
                        return order < 0
                    })
            }
            return .array(try items.sorted { try compare($0, $1, interpreter: interpreter, at: location) })
        case "min" where args.isEmpty, "max" where args.isEmpty:
            guard !items.isEmpty else { return .null }
            let sorted = try items.sorted { try compare($0, $1, interpreter: interpreter, at: location) }
            return name == "min" ? sorted[0] : sorted[sorted.count - 1]
        case "sum" where block == nil:
            var total: Value = args.first ?? .int(0)
            for item in items { total = try call(total, "+", Arguments(positional: [item]), interpreter: interpreter, at: location) }
            return total
        case "take":
            if case .int(let count) = args.first ?? .null { return .array(Array(items.prefix(Swift.max(0, count)))) }
            return nil
        case "drop":
            if case .int(let count) = args.first ?? .null { return .array(Array(items.dropFirst(Swift.max(0, count)))) }
            return nil
        case "zip":
            let others = args.compactMap { if case .array(let other) = $0 { return other.items } else { return nil } }
            return .array(items.enumerated().map { offset, item in .array([item] + others.map { offset < $0.count ? $0[offset] : .null }) })
        case "to_a", "entries": return .array(box)
        case "to_h":
            let hash = HashBox()
            for item in items {
                guard case .array(let pair) = item, pair.items.count == 2 else {
                    throw interpreter.error(
                        "wrong element type \(item.typeName) (expected array of 2)", at: location, className: "TypeError")
                }
                hash[pair.items[0]] = pair.items[1]
            }
            return .hash(hash)
        case "each_cons":
            guard case .int(let size) = args.first ?? .null, size > 0 else { return nil }
            let windows = items.count >= size ? (0...(items.count - size)).map { Value.array(Array(items[$0..<$0 + size])) } : []
            guard block != nil else { return .object(EnumeratorObject(items: windows, method: "each", receiver: .null)) }
            return try iterate(windows, block, interpreter: interpreter, at: location) ?? .null
        case "with_index":
            return try EnumeratorObject(items: items, method: "each", receiver: .array(box)).call(
                name, Arguments(positional: args, block: block), interpreter: interpreter, at: location)
        case "filter_map":
            guard let block else { return nil }
            return try EnumeratorObject(items: items, method: name, receiver: .array(box)).run { item, _ in
                try interpreter.callClosure(block, [item], at: location)
            }
        case "each_entry": return try array(box, "each", args, block, interpreter: interpreter, at: location)
        case "inject", "reduce":
            guard let block else {
                // inject(:+) and inject(1, :*)
                guard case .symbol(let op) = args.last ?? .null else { return nil }
                var rest = items[...]
                guard var total = args.count > 1 ? args[0] : rest.popFirst() else { return .null }
                for item in rest {
                    total = try call(total, op, Arguments(positional: [item]), interpreter: interpreter, at: location)
                }
                return total
            }
            var memo = args.first ?? items.first ?? .null
            for item in args.isEmpty ? Array(items.dropFirst()) : items {
                memo = try interpreter.callClosure(block, [memo, item], at: location)
            }
            return memo
        case "shuffle": return .array(items.shuffled())
        case "sample":
            if case .int(let count) = args.first ?? .null { return .array(Array(items.shuffled().prefix(Swift.max(0, count)))) }
            return items.randomElement() ?? .null
        case "==": return .bool(Value.array(box).equals(args.first ?? .null))
        case "<=>": return nil
        default: return try arrayExtras(box, name, args, block, interpreter: interpreter, at: location)
        }
    }

    static func uniq(_ items: [Value]) -> [Value] {
        var seen = Set<HashKey>()
        return items.filter { seen.insert(HashKey($0)).inserted }
    }

    static func filtering(
        _ box: ArrayBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value {
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
        case "select!", "keep_if":
            box.items = try items.filter(test)
            return .array(box)
        case "reject!", "delete_if":
            box.items = try items.filter { !(try test($0)) }
            return .array(box)
        case "find", "detect": return try items.first(where: test) ?? .null
        case "find_index", "index": return try items.firstIndex(where: test).map { .int($0) } ?? .null
        case "partition":
            var yes: [Value] = []
            var no: [Value] = []
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
            let keys =
                block == nil && name == "sum" ? items : try mapItems(items, block, method: name, interpreter: interpreter, at: location)
            switch name {
            case "sum":
                var total: Value = args.first ?? .int(0)
                for key in keys { total = try call(total, "+", Arguments(positional: [key]), interpreter: interpreter, at: location) }
                return total
            case "min_by", "max_by":
                guard !items.isEmpty else { return .null }
                var best = 0
                for index in keys.indices.dropFirst() {
                    let better =
                        name == "min_by"
                        ? try compare(keys[index], keys[best], interpreter: interpreter, at: location)
                        : try compare(keys[best], keys[index], interpreter: interpreter, at: location)
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
}
