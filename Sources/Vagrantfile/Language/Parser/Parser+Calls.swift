/// Calls, indexing and blocks, with and without parentheses.
extension Parser {
    mutating func parsePostfix(_ start: Node) throws(VagrantfileError) -> Node {
        var node = start
        while true {
            let location = current.location
            if isOp(".") || isOp("&.") || (current.kind == .newline && (peekToken().kind == .op(".") || peekToken().kind == .op("&."))) {
                if current.kind == .newline { next() }
                let safe = isOp("&.")
                next()
                skipNewlines()
                let location = current.location
                let name: String
                switch current.kind {
                case .identifier(let text), .constant(let text): name = text
                case .keyword(let word): name = word
                case .label(let text):
                    // `obj.key: value` cannot happen; `x.y:` is a label mis-read — put the ':' back.
                    throw VagrantfileError.unexpectedLabel(text, at: current.location)
                case .op("("):
                    name = "call"
                    node = try finishCall(receiver: node, name: name, location: location, safe: safe)
                    continue
                default:
                    throw unexpected(expecting: "a method name after '.'")
                }
                next()
                if !["system", "open", "exec", "load", "sleep", "exit"].contains(name) { try refuseForbidden(name, at: location) }
                node = try finishCall(receiver: node, name: name, location: location, safe: safe)
            } else if isOp("::") {
                next()
                guard case .constant(let name) = current.kind else {
                    if case .identifier(let name) = current.kind {
                        next()
                        node = try finishCall(receiver: node, name: name, location: location, safe: false)
                        continue
                    }
                    throw unexpected(expecting: "a constant after '::'")
                }
                next()
                if isOp("("), !current.spaceBefore {
                    node = try finishCall(receiver: node, name: name, location: location, safe: false)
                } else {
                    node = Node(.constant(scope: node, name: name), at: location)
                }
            } else if isOp("["), !current.spaceBefore || isIndexable(node) {
                next()
                skipNewlines()
                let arguments = try parseArgumentList(closing: "]")
                node = Node(.index(node, arguments), at: location)
            } else {
                return node
            }
        }
    }

    /// `x [0]` indexes a variable; `foo [0]` passes an array to a method.
    func isIndexable(_ node: Node) -> Bool {
        switch node.kind {
        case .name(let name): return isLocal(name)
        case .index, .string, .array, .hash, .global, .instanceVariable: return true
        default: return false
        }
    }

    /// After a method name: parenthesised arguments, command arguments, then a block.
    mutating func finishCall(receiver: Node?, name: String, location: SourceLocation, safe: Bool) throws(VagrantfileError) -> Node {
        var arguments: [Node.Argument] = []
        var block: BlockLiteral?
        if isOp("("), !current.spaceBefore {
            next()
            skipNewlines()
            arguments = try parseArgumentList(closing: ")")
        } else if canStartCommandArgument() {
            noDoBlock += 1
            defer { noDoBlock -= 1 }
            arguments = try parseCommandArguments()
        }
        if isOp("{") {
            block = try parseBraceBlock()
        } else if isKeyword("do"), noDoBlock == 0 {
            // Inside command arguments (noDoBlock > 0) a `do` is left for the command itself.
            block = try parseDoBlock()
        }
        if let blockPass = arguments.last, case .blockPass = blockPass, block != nil {
            throw VagrantfileError.blockArgumentAndBlock(at: location)
        }
        return Node(.call(receiver: receiver, name: name, arguments: arguments, block: block, safe: safe), at: location)
    }

    /// Whether the current token begins an argument of a call written without parentheses.
    func canStartCommandArgument() -> Bool {
        let token = current
        guard token.spaceBefore else { return false }
        switch token.kind {
        case .integer, .float, .string, .symbol, .words, .regex, .identifier, .constant, .globalVariable, .instanceVariable, .label:
            return true
        case .keyword(let word):
            return ["nil", "true", "false", "self", "__FILE__", "__dir__", "__LINE__", "lambda", "proc", "not", "defined?"].contains(word)
        case .op(let op):
            let glued = !peekToken().spaceBefore
            switch op {
            case "[", "->", "!", "::", "(": return true
            case "-", "*", "&", "**", ":": return glued
            default: return false
            }
        case .command:
            return true
        default:
            return false
        }
    }

    mutating func parseCommandArguments() throws(VagrantfileError) -> [Node.Argument] {
        var arguments: [Node.Argument] = []
        repeat {
            skipNewlines()
            arguments.append(try parseArgument())
        } while accept(",")
        return arguments
    }

    mutating func parseArgumentList(closing: String) throws(VagrantfileError) -> [Node.Argument] {
        // Inside brackets a `do` belongs to the call it follows again (`f(x.map do ... end)`); in
        // command arguments (`define node.name do`) it is left for the command.
        let saved = noDoBlock
        noDoBlock = 0
        defer { noDoBlock = saved }
        var arguments: [Node.Argument] = []
        skipNewlines()
        if accept(closing) { return arguments }
        repeat {
            skipNewlines()
            if isOp(closing) { break }  // trailing comma
            arguments.append(try parseArgument())
            skipNewlines()
        } while accept(",")
        skipNewlines()
        try expect(closing, "'\(closing)'")
        return arguments
    }

    mutating func parseArgument() throws(VagrantfileError) -> Node.Argument {
        let location = current.location
        if case .label(let key) = current.kind {
            next()
            skipNewlines()
            return .pair(Node(.symbol(key), at: location), try parseArgumentValue())
        }
        if accept("**") { return .doubleSplat(try parseTernary()) }
        if accept("*") { return .splat(try parseTernary()) }
        if accept("&") { return .blockPass(try parseTernary()) }
        let value = try parseArgumentValue()
        if accept("=>") {
            skipNewlines()
            return .pair(value, try parseArgumentValue())
        }
        return .positional(value)
    }

    /// An argument: an expression without `and`/`or`, assignments allowed (`x = 1` in a call is rare).
    mutating func parseArgumentValue() throws(VagrantfileError) -> Node {
        if isKeyword("not") { return try parseNotExpression() }
        let savedList = assignmentTakesList
        assignmentTakesList = false
        defer { assignmentTakesList = savedList }
        return try parseExpression()
    }

    mutating func parseBraceBlock() throws(VagrantfileError) -> BlockLiteral {
        let location = current.location
        try expect("{", "'{'")
        scopes.append([])
        defer { scopes.removeLast() }
        let parameters = try parseBlockParameters()
        let body = try parseStatements(until: [], closing: "}")
        try expect("}", "'}' closing the block opened at line \(location.line)")
        return BlockLiteral(parameters: parameters, body: body, location: location)
    }

    mutating func parseDoBlock() throws(VagrantfileError) -> BlockLiteral {
        let location = current.location
        next()  // do
        scopes.append([])
        defer { scopes.removeLast() }
        let parameters = try parseBlockParameters()
        let body = try parseBodyWithRescue(location: location)
        return BlockLiteral(parameters: parameters, body: body, location: location)
    }

    /// Statements up to `end`, with optional `rescue`/`ensure` clauses, consuming the `end`.
    mutating func parseBodyWithRescue(location: SourceLocation) throws(VagrantfileError) -> [Node] {
        let body = try parseStatements(until: ["end", "rescue", "ensure", "else"])
        if isKeyword("rescue") || isKeyword("ensure") || isKeyword("else") {
            let node = try parseRescueClauses(body: body, location: location)
            try expectKeyword("end", opened: location)
            return [node]
        }
        try expectKeyword("end", opened: location)
        return body
    }

    mutating func parseRescueClauses(body: [Node], location: SourceLocation) throws(VagrantfileError) -> Node {
        var rescues: [Node.Rescue] = []
        while acceptKeyword("rescue") {
            var classes: [Node] = []
            var variable: String?
            while case .constant = current.kind {
                classes.append(try parsePostfix(try parsePrimary()))
                if !accept(",") { break }
            }
            if accept("=>") {
                guard case .identifier(let name) = current.kind else { throw unexpected(expecting: "a variable name after '=>'") }
                next()
                declare(name)
                variable = name
            }
            _ = acceptKeyword("then")
            rescues.append(
                Node.Rescue(classes: classes, variable: variable, body: try parseStatements(until: ["end", "rescue", "ensure", "else"])))
        }
        var otherwise: [Node]?
        if acceptKeyword("else") { otherwise = try parseStatements(until: ["end", "ensure"]) }
        var ensure: [Node]?
        if acceptKeyword("ensure") { ensure = try parseStatements(until: ["end"]) }
        return Node(.begin(body: body, rescue: rescues, otherwise: otherwise, ensure: ensure), at: location)
    }

    mutating func parseBlockParameters() throws(VagrantfileError) -> [Parameter] {
        skipNewlines()
        guard accept("|") else { return [] }
        if accept("|") { return [] }
        let parameters = try parseParameterList(closing: "|")
        return parameters
    }

    mutating func parseParameterList(closing: String) throws(VagrantfileError) -> [Parameter] {
        var parameters: [Parameter] = []
        repeat {
            skipNewlines()
            parameters.append(try parseParameter())
        } while accept(",")
        if closing == ")" { skipNewlines() }
        try expect(closing, "'\(closing)' after the parameters")
        return parameters
    }

    mutating func parseParameter() throws(VagrantfileError) -> Parameter {
        if accept("(") {
            let inner = try parseParameterList(closing: ")")
            return Parameter(name: "", kind: .destructure(inner))
        }
        if accept("**") { return Parameter(name: try parameterName(), kind: .keywordRest) }
        if accept("*") { return Parameter(name: try parameterName(), kind: .rest) }
        if accept("&") { return Parameter(name: try parameterName(), kind: .block) }
        if case .label(let name) = current.kind {
            next()
            declare(name)
            if isOp(",") || isOp("|") || isOp(")") || current.kind == .newline { return Parameter(name: name, kind: .keyword(nil)) }
            return Parameter(name: name, kind: .keyword(try parseTernary()))
        }
        let name = try parameterName()
        if accept("=") { return Parameter(name: name, kind: .optional(try parseTernary())) }
        return Parameter(name: name, kind: .required)
    }

    mutating func parameterName() throws(VagrantfileError) -> String {
        guard case .identifier(let name) = current.kind else { throw unexpected(expecting: "a parameter name") }
        next()
        declare(name)
        return name
    }
}
