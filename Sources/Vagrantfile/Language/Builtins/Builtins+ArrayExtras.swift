/// The less common Array methods real Vagrantfiles and their helpers use: counting, pairing,
/// sorting in place, and `min`/`max` with a count.
extension Builtins {
    static func arrayExtras(
        _ box: ArrayBox, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value? {
        let items = box.items
        func sorted() throws -> [Value] { try items.sorted { try compare($0, $1, interpreter: interpreter, at: location) } }
        switch name {
        case "tally":
            let counts = HashBox()
            for item in items {
                if case .int(let count) = counts[item] ?? .int(0) { counts[item] = .int(count + 1) }
            }
            return .hash(counts)
        case "minmax":
            let order = try sorted()
            return .array([order.first ?? .null, order.last ?? .null])
        case "min", "max":
            // min(2), max(2): the smallest or largest few.
            guard case .int(let count) = args.first ?? .null, block == nil else { return nil }
            let order = try sorted()
            return .array(Array((name == "min" ? order : order.reversed()).prefix(Swift.max(0, count))))
        case "sort!", "sort_by!", "uniq!", "compact!", "flatten!", "reverse!", "shuffle!":
            guard case .array(let result) = try array(box, String(name.dropLast()), args, block, interpreter: interpreter, at: location)
            else { return nil }
            let changed = !Value.array(result).equals(.array(box))
            box.items = result.items
            // As in Ruby: uniq!, compact! and flatten! answer nil when nothing changed.
            return !changed && ["uniq!", "compact!", "flatten!"].contains(name) ? .null : .array(box)
        case "values_at":
            return .array(
                args.map { argument in
                    guard case .int(var position) = argument else { return .null }
                    if position < 0 { position += items.count }
                    return items.indices.contains(position) ? items[position] : .null
                })
        case "product":
            var combinations: [[Value]] = items.map { [$0] }
            for case .array(let other) in args {
                try checkSize(combinations.count * Swift.max(1, other.items.count), "array", interpreter: interpreter, at: location)
                combinations = combinations.flatMap { prefix in other.items.map { prefix + [$0] } }
            }
            return .array(combinations.map { .array($0) })
        case "transpose":
            let rows = items.compactMap { if case .array(let row) = $0 { return row.items } else { return nil } }
            guard rows.count == items.count, let width = rows.first?.count else { return .array([]) }
            guard rows.allSatisfy({ $0.count == width }) else {
                throw interpreter.error("element size differs", at: location, className: "IndexError")
            }
            return .array((0..<width).map { column in .array(rows.map { $0[column] }) })
        case "one?":
            let count = try items.filter { item in
                if let block { return try interpreter.callClosure(block, [item], at: location).isTruthy }
                return item.isTruthy
            }.count
            return .bool(count == 1)
        case "rindex":
            for (offset, item) in items.enumerated().reversed() {
                let found =
                    if let block { try interpreter.callClosure(block, [item], at: location).isTruthy } else {
                        item.equals(args.first ?? .null)
                    }
                if found { return .int(offset) }
            }
            return .null
        default:
            return nil
        }
    }
}
