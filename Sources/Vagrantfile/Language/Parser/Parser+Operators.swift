/// Operators, by precedence.
extension Parser {
    mutating func parseTernary() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let condition = try parseRange()
        let location = current.location
        guard accept("?") else { return condition }
        skipNewlines()
        let then = try assignmentOperand(try parseTernary())
        skipNewlines()
        try expect(":", "':' of a ?: expression")
        skipNewlines()
        let otherwise = try assignmentOperand(try parseTernary())
        return Node(.conditional(condition, then: [then], otherwise: [otherwise]), at: location)
    }

    mutating func parseRange() throws(VagrantfileError) -> Node {
        let left = try parseBinary(level: 0)
        let location = current.location
        if isOp("..") || isOp("...") {
            let exclusive = isOp("...")
            next()
            if current.kind == .newline || isOp(")") || isOp("]") || isKeyword("then") {
                return Node(.range(left, nil, exclusive: exclusive), at: location)
            }
            return Node(.range(left, try parseBinary(level: 0), exclusive: exclusive), at: location)
        }
        return left
    }

    /// Binary operators from lowest to highest precedence.
    static let levels: [[String]] = [
        ["||"], ["&&"], ["<=>", "==", "===", "!=", "=~", "!~"], ["<", "<=", ">", ">="],
        ["|", "^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ]

    mutating func parseBinary(level: Int) throws(VagrantfileError) -> Node {
        guard level < Self.levels.count else { return try parseUnaryMinus() }
        var left = try parseBinary(level: level + 1)
        while case .op(let op) = current.kind, Self.levels[level].contains(op) {
            // `foo -1` in a command argument list is unary; here we are past that decision.
            let location = current.location
            next()
            skipNewlines()
            var right = try parseBinary(level: level + 1)
            if op == "&&" || op == "||" { right = try assignmentOperand(right) }
            switch op {
            case "&&": left = Node(.and(left, right), at: location)
            case "||": left = Node(.or(left, right), at: location)
            case "!=":
                left = Node(
                    .not(Node(.call(receiver: left, name: "==", arguments: [.positional(right)], block: nil, safe: false), at: location)),
                    at: location)
            case "!~":
                left = Node(
                    .not(Node(.call(receiver: left, name: "=~", arguments: [.positional(right)], block: nil, safe: false), at: location)),
                    at: location)
            default: left = Node(.call(receiver: left, name: op, arguments: [.positional(right)], block: nil, safe: false), at: location)
            }
        }
        return left
    }

    mutating func parseUnaryMinus() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let location = current.location
        // `-7.divmod(2)` is (-7).divmod(2): a minus touching a number is part of the literal, though
        // `-2 ** 2` is still -(2 ** 2).
        if isOp("-"), !peekToken().spaceBefore, peekToken(2).kind != .op("**") {
            switch peekToken().kind {
            case .integer(let value):
                next()
                next()
                return try parsePostfix(Node(.integer(-value), at: location))
            case .float(let value):
                next()
                next()
                return try parsePostfix(Node(.float(-value), at: location))
            default: break
            }
        }
        if isOp("-") {
            next()
            let operand = try parseUnaryMinus()
            switch operand.kind {
            case .integer(let value): return Node(.integer(-value), at: location)
            case .float(let value): return Node(.float(-value), at: location)
            default: return Node(.call(receiver: operand, name: "-@", arguments: [], block: nil, safe: false), at: location)
            }
        }
        return try parsePower()
    }

    mutating func parsePower() throws(VagrantfileError) -> Node {
        let base = try parseUnary()
        let location = current.location
        if accept("**") {
            let exponent = try parseUnaryMinus()
            return Node(.call(receiver: base, name: "**", arguments: [.positional(exponent)], block: nil, safe: false), at: location)
        }
        return base
    }

    mutating func parseUnary() throws(VagrantfileError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.nestingLimit {
            throw VagrantfileError.nestedTooDeeply(limit: Self.nestingLimit, at: current.location)
        }
        let location = current.location
        if accept("!") { return Node(.not(try parseUnary()), at: location) }
        if accept("+") { return try parseUnary() }
        if accept("~") { return Node(.call(receiver: try parseUnary(), name: "~", arguments: [], block: nil, safe: false), at: location) }
        if acceptKeyword("defined?") {
            let parenthesized = accept("(")
            let operand = try parseExpression()
            if parenthesized { try expect(")", "')'") }
            return try parsePostfix(Node(.defined(operand), at: location))
        }
        return try parsePostfix(try parsePrimary())
    }
}
