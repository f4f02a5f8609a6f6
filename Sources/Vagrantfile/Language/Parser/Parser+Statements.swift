/// Statements: assignments, definitions, modifiers (`if`/`unless`/`while` after an expression).
extension Parser {
    /// Statements up to one of the given keywords (not consumed) or the end of input.
    mutating func parseStatements(until terminators: Set<String>, closing: String? = nil) throws(VagrantfileError) -> [Node] {
        let savedList = assignmentTakesList
        assignmentTakesList = true
        defer { assignmentTakesList = savedList }
        var body: [Node] = []
        while true {
            skipNewlines()
            if case .eof = current.kind { break }
            if case .keyword(let word) = current.kind, terminators.contains(word) { break }
            if let closing, isOp(closing) { break }
            body.append(try parseStatement())
            guard
                current.kind == .newline || current.kind == .eof || isKeyword("end") || (closing.map(isOp) ?? false)
                    || { if case .keyword(let word) = current.kind { return terminators.contains(word) } else { return false } }()
            else {
                throw unexpected(expecting: "a new line")
            }
        }
        return body
    }

    mutating func parseStatement() throws(VagrantfileError) -> Node {
        var node = try parseExpressionStatement()
        while true {
            let location = current.location
            if acceptKeyword("if") {
                let condition = try parseExpressionStatement()
                node = Node(.conditional(condition, then: [node], otherwise: nil), at: location)
            } else if acceptKeyword("unless") {
                let condition = try parseExpressionStatement()
                node = Node(.conditional(Node(.not(condition), at: location), then: [node], otherwise: nil), at: location)
            } else if acceptKeyword("while") {
                node = Node(.loop(condition: try parseExpressionStatement(), body: [node], until: false), at: location)
            } else if acceptKeyword("until") {
                node = Node(.loop(condition: try parseExpressionStatement(), body: [node], until: true), at: location)
            } else if acceptKeyword("rescue") {
                let fallback = try parseExpressionStatement()
                func rescued(_ body: Node) -> Node {
                    Node(
                        .begin(
                            body: [body], rescue: [Node.Rescue(classes: [], variable: nil, body: [fallback])], otherwise: nil, ensure: nil),
                        at: location)
                }
                // `port = Integer(x) rescue 8080` assigns the fallback: the modifier binds to the value.
                switch node.kind {
                case .assign(let target, let value): node = Node(.assign(target, rescued(value)), at: node.location)
                case .operatorAssign(let target, let op, let value):
                    node = Node(.operatorAssign(target, op: op, rescued(value)), at: node.location)
                default: node = rescued(node)
                }
            } else {
                return node
            }
        }
    }

    /// `not`, `and`, `or` — the lowest precedence.
    mutating func parseExpressionStatement() throws(VagrantfileError) -> Node {
        var left = try parseNotExpression()
        while true {
            let location = current.location
            if acceptKeyword("and") {
                skipNewlines()
                left = Node(.and(left, try parseNotExpression()), at: location)
            } else if acceptKeyword("or") {
                skipNewlines()
                left = Node(.or(left, try parseNotExpression()), at: location)
            } else {
                return left
            }
        }
    }

    mutating func enterNesting() throws(VagrantfileError) {
        nesting += 1
        if nesting > Self.nestingLimit {
            throw VagrantfileError.nestedTooDeeply(limit: Self.nestingLimit, at: current.location)
        }
    }

    mutating func parseNotExpression() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let location = current.location
        if acceptKeyword("not") {
            return Node(.not(try parseNotExpression()), at: location)
        }
        return try parseExpression()
    }

    /// An expression with assignment (right-associative), `a, b = …` included.
    mutating func parseExpression() throws(VagrantfileError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.nestingLimit {
            throw VagrantfileError.nestedTooDeeply(limit: Self.nestingLimit, at: current.location)
        }
        let start = position
        let location = current.location
        // `a, b = 1, 2`
        if case .identifier = current.kind, peekToken().kind == .op(","), let targets = try? scanMultipleTargets() {
            let value = try parseMultipleValues()
            return Node(.multipleAssign(targets, value), at: location)
        } else {
            position = start
        }
        let left = try parseTernary()
        if case .op(let op) = current.kind, Self.isAssignment(op) {
            return try finishAssignment(to: try assignmentTarget(left), op: op, at: location, operand: false)
        }
        return left
    }

    static func isAssignment(_ op: String) -> Bool {
        op == "=" || (op.hasSuffix("=") && op.count >= 2 && !["==", "!=", ">=", "<=", "=>", "==="].contains(op))
    }

    /// `target op value`, the operator being the current token; as an `operand` the value ends
    /// where an operand does (at `:` of a `?:`, `)`, `and`), else it is a whole assigned value.
    mutating func finishAssignment(to target: Node.Target, op: String, at location: SourceLocation, operand: Bool) throws(VagrantfileError)
        -> Node
    {
        next()
        skipNewlines()
        if case .local(let name) = target { declare(name) }
        let value = operand ? try assignmentOperand(try parseTernary()) : try parseAssignedValue()
        if op == "=" { return Node(.assign(target, value), at: location) }
        return Node(.operatorAssign(target, op: String(op.dropLast()), value), at: location)
    }

    /// An operand that Ruby lets be an assignment: the right side of `&&`/`||` and the branches of
    /// `?:` (`ok ? A = 1 : A = 2`, `x.empty? && x = "default"`).
    mutating func assignmentOperand(_ operand: Node) throws(VagrantfileError) -> Node {
        guard case .op(let op) = current.kind, Self.isAssignment(op), let target = try? assignmentTarget(operand) else { return operand }
        return try finishAssignment(to: target, op: op, at: operand.location, operand: true)
    }

    /// The right side of `=`: another assignment, a command call, or `a, b` as an array.
    mutating func parseAssignedValue() throws(VagrantfileError) -> Node {
        let value = try parseExpression()
        if assignmentTakesList, isOp(",") {
            var items: [Node.Argument] = [.positional(value)]
            while accept(",") {
                skipNewlines()
                items.append(.positional(try parseTernary()))
            }
            return Node(.array(items), at: value.location)
        }
        return value
    }

    mutating func scanMultipleTargets() throws(VagrantfileError) -> [Node.Target]? {
        var names: [Node.Target] = []
        while true {
            if accept("*"), case .identifier(let name) = current.kind {
                next()
                names.append(.splat(name))
            } else if case .identifier(let name) = current.kind {
                next()
                names.append(.local(name))
            } else {
                return nil
            }
            if accept(",") { continue }
            if accept("=") { break }
            return nil
        }
        for case .local(let name) in names { declare(name) }
        for case .splat(let name) in names { declare(name) }
        return names
    }

    mutating func parseMultipleValues() throws(VagrantfileError) -> Node {
        let location = current.location
        let first = try parseTernary()
        guard isOp(",") else { return first }
        var items: [Node.Argument] = [.positional(first)]
        while accept(",") { items.append(.positional(try parseTernary())) }
        return Node(.array(items), at: location)
    }

    func assignmentTarget(_ node: Node) throws(VagrantfileError) -> Node.Target {
        switch node.kind {
        case .name(let name): return .local(name)
        case .call(nil, let name, let arguments, nil, _) where arguments.isEmpty: return .local(name)
        case .global(let name): return .global(name)
        case .instanceVariable(let name): return .instanceVariable(name)
        case .constant(nil, let name): return .constant(name)
        case .call(let receiver?, let name, let arguments, nil, _) where arguments.isEmpty: return .attribute(receiver, name)
        case .index(let receiver, let arguments): return .index(receiver, arguments)
        default:
            throw VagrantfileError.invalidAssignmentTarget(at: node.location)
        }
    }
}
