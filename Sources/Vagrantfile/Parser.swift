/// Parses the Ruby that Vagrantfiles are written in: a recursive-descent parser with Ruby's
/// operator precedence, command calls without parentheses (`config.vm.box "x"`), `do`/`{}` blocks,
/// trailing hashes and modifiers. Constructs boxer refuses on purpose fail with `.unsupported`.
struct Parser {
    private var tokens: [Token]
    private var position = 0
    /// Local variables known at this point, innermost scope last: Ruby decides at parse time
    /// whether `name` is a variable or a method call.
    private var scopes: [Set<String>] = [[]]
    /// Inside command arguments a `do` belongs to the outer command, not to an argument.
    private var noDoBlock = 0
    private let file: String
    /// Recursion depth of the parser; deep nesting is refused instead of exhausting the stack.
    private var nesting = 0
    static let nestingLimit = 400

    init(tokens: [Token], file: String) {
        self.tokens = tokens
        self.file = file
    }

    static func parse(_ source: String, file: String) throws(VagrantfileError) -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source, file: file), file: file)
        return try parser.parseProgram()
    }

    mutating func parseProgram() throws(VagrantfileError) -> [Node] {
        let body = try parseStatements(until: [])
        guard case .eof = current.kind else { throw unexpected() }
        return body
    }

    // MARK: - Tokens

    private var current: Token { tokens[position] }
    private func peekToken(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    @discardableResult
    private mutating func next() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    private func isKeyword(_ word: String) -> Bool { current.kind == .keyword(word) }

    private mutating func accept(_ op: String) -> Bool {
        if isOp(op) { next(); return true }
        return false
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        if isKeyword(word) { next(); return true }
        return false
    }

    private mutating func expect(_ op: String, _ what: String) throws(VagrantfileError) {
        guard accept(op) else { throw unexpected(expecting: what) }
    }

    private mutating func expectKeyword(_ word: String, opened: SourceLocation? = nil) throws(VagrantfileError) {
        guard acceptKeyword(word) else {
            if case .eof = current.kind, let opened {
                throw VagrantfileError(.syntax, at: opened, "this block is never closed: '\(word)' is missing", hint: "every do, def, if, unless, case, while and begin needs its own end")
            }
            throw unexpected(expecting: "'\(word)'")
        }
    }

    private mutating func skipNewlines() {
        while current.kind == .newline { next() }
    }

    private func unexpected(expecting: String? = nil) -> VagrantfileError {
        let found: String
        switch current.kind {
        case .eof: found = "the end of the file"
        case .newline: found = "the end of the line"
        case .op(let op): found = "'\(op)'"
        case .keyword(let word): found = "'\(word)'"
        case .identifier(let name), .constant(let name): found = "'\(name)'"
        case .label(let name): found = "'\(name):'"
        default: found = "this"
        }
        return VagrantfileError(.syntax, at: current.location, "unexpected \(found)" + (expecting.map { ", expecting \($0)" } ?? ""))
    }

    private func unsupported(_ construct: String, at location: SourceLocation, hint: String) -> VagrantfileError {
        VagrantfileError(.unsupported, at: location, "\(construct) is not supported by boxer", hint: hint)
    }

    private mutating func declare(_ name: String) { scopes[scopes.count - 1].insert(name) }
    private func isLocal(_ name: String) -> Bool { scopes.contains { $0.contains(name) } }

    // MARK: - Statements

    /// Statements up to one of the given keywords (not consumed) or the end of input.
    private mutating func parseStatements(until terminators: Set<String>, closing: String? = nil) throws(VagrantfileError) -> [Node] {
        var body: [Node] = []
        while true {
            skipNewlines()
            if case .eof = current.kind { break }
            if case .keyword(let word) = current.kind, terminators.contains(word) { break }
            if let closing, isOp(closing) { break }
            body.append(try parseStatement())
            guard current.kind == .newline || current.kind == .eof || isKeyword("end") || (closing.map(isOp) ?? false)
                || { if case .keyword(let word) = current.kind { return terminators.contains(word) } else { return false } }()
            else {
                throw unexpected(expecting: "a new line")
            }
        }
        return body
    }

    private mutating func parseStatement() throws(VagrantfileError) -> Node {
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
                node = Node(.begin(body: [node], rescue: [Node.Rescue(classes: [], variable: nil, body: [fallback])], otherwise: nil, ensure: nil), at: location)
            } else {
                return node
            }
        }
    }

    /// `not`, `and`, `or` — the lowest precedence.
    private mutating func parseExpressionStatement() throws(VagrantfileError) -> Node {
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

    private mutating func enterNesting() throws(VagrantfileError) {
        nesting += 1
        if nesting > Self.nestingLimit {
            throw VagrantfileError(.syntax, at: current.location, "this expression is nested too deeply (more than \(Self.nestingLimit) levels)")
        }
    }

    private mutating func parseNotExpression() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let location = current.location
        if acceptKeyword("not") {
            return Node(.not(try parseNotExpression()), at: location)
        }
        return try parseExpression()
    }

    /// An expression with assignment (right-associative), `a, b = …` included.
    private mutating func parseExpression() throws(VagrantfileError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.nestingLimit {
            throw VagrantfileError(.syntax, at: current.location, "this expression is nested too deeply (more than \(Self.nestingLimit) levels)")
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
        if case .op(let op) = current.kind, op == "=" || (op.hasSuffix("=") && op.count >= 2 && !["==", "!=", ">=", "<=", "=>", "==="].contains(op)) {
            let target = try assignmentTarget(left)
            next()
            skipNewlines()
            if case .local(let name) = target { declare(name) }
            let value = try parseAssignedValue()
            if op == "=" { return Node(.assign(target, value), at: location) }
            return Node(.operatorAssign(target, op: String(op.dropLast()), value), at: location)
        }
        return left
    }

    /// The right side of `=`: another assignment, a command call, or `a, b` as an array.
    private mutating func parseAssignedValue() throws(VagrantfileError) -> Node {
        let value = try parseExpression()
        if isOp(",") {
            var items: [Node.Argument] = [.positional(value)]
            while accept(",") { skipNewlines(); items.append(.positional(try parseTernary())) }
            return Node(.array(items), at: value.location)
        }
        return value
    }

    private mutating func scanMultipleTargets() throws(VagrantfileError) -> [Node.Target]? {
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

    private mutating func parseMultipleValues() throws(VagrantfileError) -> Node {
        let location = current.location
        let first = try parseTernary()
        guard isOp(",") else { return first }
        var items: [Node.Argument] = [.positional(first)]
        while accept(",") { items.append(.positional(try parseTernary())) }
        return Node(.array(items), at: location)
    }

    private func assignmentTarget(_ node: Node) throws(VagrantfileError) -> Node.Target {
        switch node.kind {
        case .name(let name): return .local(name)
        case .call(nil, let name, let arguments, nil, _) where arguments.isEmpty: return .local(name)
        case .global(let name): return .global(name)
        case .instanceVariable(let name): return .instanceVariable(name)
        case .constant(nil, let name): return .constant(name)
        case .call(let receiver?, let name, let arguments, nil, _) where arguments.isEmpty: return .attribute(receiver, name)
        case .index(let receiver, let arguments): return .index(receiver, arguments)
        default:
            throw VagrantfileError(.syntax, at: node.location, "cannot assign to this expression")
        }
    }

    // MARK: - Operators

    private mutating func parseTernary() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let condition = try parseRange()
        let location = current.location
        guard accept("?") else { return condition }
        skipNewlines()
        let then = try parseTernary()
        skipNewlines()
        try expect(":", "':' of a ?: expression")
        skipNewlines()
        let otherwise = try parseTernary()
        return Node(.conditional(condition, then: [then], otherwise: [otherwise]), at: location)
    }

    private mutating func parseRange() throws(VagrantfileError) -> Node {
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
    private static let levels: [[String]] = [
        ["||"], ["&&"], ["<=>", "==", "===", "!=", "=~", "!~"], ["<", "<=", ">", ">="],
        ["|", "^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ]

    private mutating func parseBinary(level: Int) throws(VagrantfileError) -> Node {
        guard level < Self.levels.count else { return try parseUnaryMinus() }
        var left = try parseBinary(level: level + 1)
        while case .op(let op) = current.kind, Self.levels[level].contains(op) {
            // `foo -1` in a command argument list is unary; here we are past that decision.
            let location = current.location
            next()
            skipNewlines()
            let right = try parseBinary(level: level + 1)
            switch op {
            case "&&": left = Node(.and(left, right), at: location)
            case "||": left = Node(.or(left, right), at: location)
            case "!=": left = Node(.not(Node(.call(receiver: left, name: "==", arguments: [.positional(right)], block: nil, safe: false), at: location)), at: location)
            case "!~": left = Node(.not(Node(.call(receiver: left, name: "=~", arguments: [.positional(right)], block: nil, safe: false), at: location)), at: location)
            default: left = Node(.call(receiver: left, name: op, arguments: [.positional(right)], block: nil, safe: false), at: location)
            }
        }
        return left
    }

    private mutating func parseUnaryMinus() throws(VagrantfileError) -> Node {
        try enterNesting()
        defer { nesting -= 1 }
        let location = current.location
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

    private mutating func parsePower() throws(VagrantfileError) -> Node {
        let base = try parseUnary()
        let location = current.location
        if accept("**") {
            let exponent = try parseUnaryMinus()
            return Node(.call(receiver: base, name: "**", arguments: [.positional(exponent)], block: nil, safe: false), at: location)
        }
        return base
    }

    private mutating func parseUnary() throws(VagrantfileError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.nestingLimit {
            throw VagrantfileError(.syntax, at: current.location, "this expression is nested too deeply (more than \(Self.nestingLimit) levels)")
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

    // MARK: - Calls, indexing, blocks

    private mutating func parsePostfix(_ start: Node) throws(VagrantfileError) -> Node {
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
                    throw VagrantfileError(.syntax, at: current.location, "unexpected '\(text):'")
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
    private func isIndexable(_ node: Node) -> Bool {
        switch node.kind {
        case .name(let name): return isLocal(name)
        case .index, .string, .array, .hash, .global, .instanceVariable: return true
        default: return false
        }
    }

    /// After a method name: parenthesised arguments, command arguments, then a block.
    private mutating func finishCall(receiver: Node?, name: String, location: SourceLocation, safe: Bool) throws(VagrantfileError) -> Node {
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
            throw VagrantfileError(.syntax, at: location, "both a block argument and a block were given")
        }
        return Node(.call(receiver: receiver, name: name, arguments: arguments, block: block, safe: safe), at: location)
    }

    /// Whether the current token begins an argument of a call written without parentheses.
    private func canStartCommandArgument() -> Bool {
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
        case .backtick:
            return true
        default:
            return false
        }
    }

    private mutating func parseCommandArguments() throws(VagrantfileError) -> [Node.Argument] {
        var arguments: [Node.Argument] = []
        repeat {
            skipNewlines()
            arguments.append(try parseArgument())
        } while accept(",")
        return arguments
    }

    private mutating func parseArgumentList(closing: String) throws(VagrantfileError) -> [Node.Argument] {
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

    private mutating func parseArgument() throws(VagrantfileError) -> Node.Argument {
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
    private mutating func parseArgumentValue() throws(VagrantfileError) -> Node {
        let saved = noDoBlock
        noDoBlock = 0
        defer { noDoBlock = saved }
        if isKeyword("not") { return try parseNotExpression() }
        return try parseExpression()
    }

    private mutating func parseBraceBlock() throws(VagrantfileError) -> BlockLiteral {
        let location = current.location
        try expect("{", "'{'")
        scopes.append([])
        defer { scopes.removeLast() }
        let parameters = try parseBlockParameters()
        let body = try parseStatements(until: [], closing: "}")
        try expect("}", "'}' closing the block opened at line \(location.line)")
        return BlockLiteral(parameters: parameters, body: body, location: location)
    }

    private mutating func parseDoBlock() throws(VagrantfileError) -> BlockLiteral {
        let location = current.location
        next()  // do
        scopes.append([])
        defer { scopes.removeLast() }
        let parameters = try parseBlockParameters()
        let body = try parseBodyWithRescue(location: location)
        return BlockLiteral(parameters: parameters, body: body, location: location)
    }

    /// Statements up to `end`, with optional `rescue`/`ensure` clauses, consuming the `end`.
    private mutating func parseBodyWithRescue(location: SourceLocation) throws(VagrantfileError) -> [Node] {
        let body = try parseStatements(until: ["end", "rescue", "ensure", "else"])
        if isKeyword("rescue") || isKeyword("ensure") || isKeyword("else") {
            let node = try parseRescueClauses(body: body, location: location)
            try expectKeyword("end", opened: location)
            return [node]
        }
        try expectKeyword("end", opened: location)
        return body
    }

    private mutating func parseRescueClauses(body: [Node], location: SourceLocation) throws(VagrantfileError) -> Node {
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
            rescues.append(Node.Rescue(classes: classes, variable: variable, body: try parseStatements(until: ["end", "rescue", "ensure", "else"])))
        }
        var otherwise: [Node]?
        if acceptKeyword("else") { otherwise = try parseStatements(until: ["end", "ensure"]) }
        var ensure: [Node]?
        if acceptKeyword("ensure") { ensure = try parseStatements(until: ["end"]) }
        return Node(.begin(body: body, rescue: rescues, otherwise: otherwise, ensure: ensure), at: location)
    }

    private mutating func parseBlockParameters() throws(VagrantfileError) -> [Parameter] {
        skipNewlines()
        guard accept("|") else { return [] }
        if accept("|") { return [] }
        let parameters = try parseParameterList(closing: "|")
        return parameters
    }

    private mutating func parseParameterList(closing: String) throws(VagrantfileError) -> [Parameter] {
        var parameters: [Parameter] = []
        repeat {
            skipNewlines()
            parameters.append(try parseParameter())
        } while accept(",")
        try expect(closing, "'\(closing)' after the parameters")
        return parameters
    }

    private mutating func parseParameter() throws(VagrantfileError) -> Parameter {
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

    private mutating func parameterName() throws(VagrantfileError) -> String {
        guard case .identifier(let name) = current.kind else { throw unexpected(expecting: "a parameter name") }
        next()
        declare(name)
        return name
    }

    // MARK: - Primary expressions

    private mutating func parsePrimary() throws(VagrantfileError) -> Node {
        let token = current
        let location = token.location
        switch token.kind {
        case .integer(let value): next(); return Node(.integer(value), at: location)
        case .float(let value): next(); return Node(.float(value), at: location)
        case .string(let parts):
            next()
            var node = Node(.string(try pieces(parts)), at: location)
            // Adjacent literals concatenate: "a" "b".
            while case .string(let more) = current.kind, current.spaceBefore {
                let nextLocation = current.location
                next()
                let combined: [Node.Piece]
                if case .string(let first) = node.kind { combined = first + (try pieces(more)) } else { combined = [] }
                node = Node(.string(combined), at: nextLocation)
                node = Node(node.kind, at: location)
            }
            return node
        case .symbol(let name): next(); return Node(.symbol(name), at: location)
        case .regex(let pattern, let options): next(); return Node(.regex(pattern, options: options), at: location)
        case .words(let words, let symbols):
            next()
            return Node(.array(words.map { .positional(Node(symbols ? .symbol($0) : .string([.text($0)]), at: location)) }), at: location)
        case .label(let name):
            // A label outside an argument list: `{ key: value }` is handled in hashes; anything
            // else is a typo such as `config.vm.box: "x"`.
            throw VagrantfileError(.syntax, at: location, "unexpected '\(name):'", hint: "did you mean '\(name) =' or '\(name) '?")
        case .globalVariable(let name): next(); return Node(.global(name), at: location)
        case .instanceVariable(let name): next(); return Node(.instanceVariable(name), at: location)
        case .backtick:
            throw unsupported("backticks (running a shell command)", at: location, hint: "boxer does not run programs while reading a Vagrantfile; read values from ENV, a YAML/JSON file, or write them in the Vagrantfile")
        case .identifier(let name):
            next()
            return try parseIdentifier(name, location: location)
        case .constant(let name):
            next()
            if isOp("("), !current.spaceBefore {
                return try finishCall(receiver: nil, name: name, location: location, safe: false)
            }
            if case .string = current.kind, current.spaceBefore, ["Integer", "Float", "String", "Array"].contains(name) {
                return try finishCall(receiver: nil, name: name, location: location, safe: false)
            }
            return Node(.constant(scope: nil, name: name), at: location)
        case .op("("):
            next()
            let body = try parseStatements(until: [], closing: ")")
            try expect(")", "')'")
            if body.count == 1 { return body[0] }
            return Node(.sequence(body), at: location)
        case .op("["):
            next()
            return Node(.array(try parseArgumentList(closing: "]")), at: location)
        case .op("{"):
            return try parseHashLiteral()
        case .op("->"):
            next()
            scopes.append([])
            defer { scopes.removeLast() }
            var parameters: [Parameter] = []
            if accept("(") {
                parameters = isOp(")") ? [] : try parseParameterList(closing: ")")
                if parameters.isEmpty { try expect(")", "')'") }
            }
            let body: [Node]
            if accept("{") {
                body = try parseStatements(until: [], closing: "}")
                try expect("}", "'}'")
            } else if acceptKeyword("do") {
                body = try parseBodyWithRescue(location: location)
            } else {
                throw unexpected(expecting: "'{' or 'do' after ->")
            }
            return Node(.lambda(BlockLiteral(parameters: parameters, body: body, location: location)), at: location)
        case .op("::"):
            next()
            guard case .constant(let name) = current.kind else { throw unexpected(expecting: "a constant") }
            next()
            return Node(.constant(scope: nil, name: name), at: location)
        case .op(".."), .op("..."):
            let exclusive = token.kind == .op("...")
            next()
            return Node(.range(nil, try parseBinary(level: 0), exclusive: exclusive), at: location)
        case .keyword(let word):
            return try parseKeyword(word, location: location)
        default:
            throw unexpected()
        }
    }

    private mutating func pieces(_ parts: [StringPart]) throws(VagrantfileError) -> [Node.Piece] {
        var result: [Node.Piece] = []
        for part in parts {
            switch part {
            case .text(let text):
                result.append(.text(text))
            case .code(let code, let location):
                var parser = Parser(tokens: try Lexer.tokenize(code, file: file, line: location.line, column: location.column), file: file)
                parser.scopes = scopes
                parser.nesting = nesting
                let body = try parser.parseStatements(until: [])
                guard case .eof = parser.current.kind else { throw parser.unexpected() }
                result.append(.code(body.count == 1 ? body[0] : Node(.sequence(body), at: location)))
            }
        }
        return result
    }

    /// Names boxer refuses wherever they are called, with or without a receiver.
    private func refuseForbidden(_ name: String, at location: SourceLocation) throws(VagrantfileError) {
        switch name {
        case "system", "exec", "spawn", "fork", "syscall":
            throw unsupported("'\(name)' (running a program)", at: location, hint: "boxer does not run programs while reading a Vagrantfile; use a shell provisioner to run commands in the machine")
        case "eval", "instance_eval", "class_eval", "module_eval", "instance_exec", "binding":
            throw unsupported("'\(name)'", at: location, hint: "write the configuration out instead of generating code")
        case "define_method", "send", "public_send", "method_missing", "const_set", "remove_method", "undef_method", "alias_method", "instance_variable_set":
            throw unsupported("'\(name)' (metaprogramming)", at: location, hint: "write the configuration out; plain methods defined with def are supported")
        case "autoload":
            throw unsupported("'\(name)' (loading Ruby files on demand)", at: location, hint: "load the file with load or require_relative, or keep settings in a YAML or JSON file")
        case "open", "trap", "at_exit", "exit", "exit!", "abort", "sleep", "gets", "srand", "rand":
            throw unsupported("'\(name)'", at: location, hint: "a Vagrantfile read by boxer describes machines; it does not interact with the host")
        default:
            break
        }
    }

    private mutating func parseIdentifier(_ name: String, location: SourceLocation) throws(VagrantfileError) -> Node {
        try refuseForbidden(name, at: location)
        if isLocal(name), !(isOp("(") && !current.spaceBefore) {
            return Node(.name(name), at: location)
        }
        let call = try finishCall(receiver: nil, name: name, location: location, safe: false)
        if case .call(nil, let callName, let arguments, nil, _) = call.kind, arguments.isEmpty {
            return Node(.name(callName), at: location)
        }
        return call
    }

    private mutating func parseHashLiteral() throws(VagrantfileError) -> Node {
        let location = current.location
        try expect("{", "'{'")
        var pairs: [(Node, Node)] = []
        skipNewlines()
        while !isOp("}") {
            let keyLocation = current.location
            if case .label(let key) = current.kind {
                next()
                skipNewlines()
                pairs.append((Node(.symbol(key), at: keyLocation), try parseArgumentValue()))
            } else if accept("**") {
                pairs.append((Node(.nilLiteral, at: keyLocation), try parseTernary()))
            } else {
                let key = try parseArgumentValue()
                skipNewlines()
                try expect("=>", "'=>' or 'key:' in a hash")
                skipNewlines()
                pairs.append((key, try parseArgumentValue()))
            }
            skipNewlines()
            if !accept(",") { break }
            skipNewlines()
        }
        skipNewlines()
        try expect("}", "'}' closing the hash")
        return Node(.hash(pairs), at: location)
    }

    private mutating func parseKeyword(_ word: String, location: SourceLocation) throws(VagrantfileError) -> Node {
        switch word {
        case "nil": next(); return Node(.nilLiteral, at: location)
        case "true": next(); return Node(.trueLiteral, at: location)
        case "false": next(); return Node(.falseLiteral, at: location)
        case "self": next(); return Node(.selfReference, at: location)
        case "__FILE__": next(); return Node(.file, at: location)
        case "__dir__": next(); return Node(.directory, at: location)
        case "__LINE__": next(); return Node(.integer(location.line), at: location)
        case "if", "unless":
            next()
            let condition = try parseExpressionStatement()
            _ = acceptKeyword("then")
            let then = try parseStatements(until: ["elsif", "else", "end"])
            let otherwise = try parseElse(opened: location)
            let test = word == "unless" ? Node(.not(condition), at: location) : condition
            return Node(.conditional(test, then: then, otherwise: otherwise), at: location)
        case "while", "until":
            next()
            noDoBlock += 1
            let condition = try parseExpressionStatement()
            noDoBlock -= 1
            _ = acceptKeyword("do")
            let body = try parseStatements(until: ["end"])
            try expectKeyword("end", opened: location)
            return Node(.loop(condition: condition, body: body, until: word == "until"), at: location)
        case "for":
            next()
            guard case .identifier(let name) = current.kind else { throw unexpected(expecting: "a variable after 'for'") }
            next()
            declare(name)
            try expectKeyword("in")
            noDoBlock += 1
            let sequence = try parseExpressionStatement()
            noDoBlock -= 1
            _ = acceptKeyword("do")
            let body = try parseStatements(until: ["end"])
            try expectKeyword("end", opened: location)
            return Node(.forIn(.local(name), sequence, body), at: location)
        case "case":
            next()
            let subject = current.kind == .newline ? nil : try parseExpressionStatement()
            skipNewlines()
            var clauses: [([Node], [Node])] = []
            while acceptKeyword("when") {
                var tests: [Node] = []
                repeat {
                    skipNewlines()
                    tests.append(try parseTernary())
                } while accept(",")
                _ = acceptKeyword("then")
                clauses.append((tests, try parseStatements(until: ["when", "else", "end"])))
            }
            var otherwise: [Node]?
            if acceptKeyword("else") { otherwise = try parseStatements(until: ["end"]) }
            try expectKeyword("end", opened: location)
            return Node(.caseWhen(subject: subject, clauses: clauses, otherwise: otherwise), at: location)
        case "def":
            next()
            var name: String
            switch current.kind {
            case .identifier(let text), .constant(let text): name = text
            case .keyword("self"):
                next()
                try expect(".", "'.' after def self")
                guard case .identifier(let text) = current.kind else { throw unexpected(expecting: "a method name") }
                name = text
            case .label(let text):
                throw VagrantfileError(.syntax, at: current.location, "unexpected '\(text):' after def")
            default:
                throw unexpected(expecting: "a method name after def")
            }
            next()
            if isOp("="), !current.spaceBefore { next(); name += "=" }
            scopes.append([])
            defer { scopes.removeLast() }
            var parameters: [Parameter] = []
            if accept("(") {
                if !accept(")") { parameters = try parseParameterList(closing: ")") }
            } else if current.kind != .newline {
                parameters = try parseDefParametersWithoutParentheses()
            }
            let body = try parseBodyWithRescue(location: location)
            return Node(.define(name: name, parameters: parameters, body: body), at: location)
        case "begin":
            next()
            let body = try parseStatements(until: ["rescue", "ensure", "else", "end"])
            let node = isKeyword("end") ? Node(.sequence(body), at: location) : try parseRescueClauses(body: body, location: location)
            try expectKeyword("end", opened: location)
            if acceptKeyword("while") {
                return Node(.loop(condition: try parseExpressionStatement(), body: [node], until: false), at: location)
            }
            return node
        case "return", "next", "break":
            next()
            let value: Node? = current.kind == .newline || isKeyword("end") || isKeyword("if") || isKeyword("unless") || isOp("}") ? nil : try parseExpression()
            switch word {
            case "return": return Node(.returnValue(value), at: location)
            case "next": return Node(.nextValue(value), at: location)
            default: return Node(.breakValue(value), at: location)
            }
        case "yield":
            next()
            var arguments: [Node.Argument] = []
            if isOp("("), !current.spaceBefore {
                next()
                arguments = try parseArgumentList(closing: ")")
            } else if canStartCommandArgument() {
                arguments = try parseCommandArguments()
            }
            return Node(.yield(arguments), at: location)
        case "lambda", "proc":
            next()
            if isOp("{") { return Node(.lambda(try parseBraceBlock()), at: location) }
            if isKeyword("do") { return Node(.lambda(try parseDoBlock()), at: location) }
            throw unexpected(expecting: "a block after \(word)")
        case "class", "module":
            throw unsupported("defining a \(word)", at: location, hint: "a Vagrantfile read by boxer may define plain methods with def, but no classes or modules")
        case "alias", "undef":
            throw unsupported("'\(word)'", at: location, hint: "define a method with def instead")
        case "super", "BEGIN", "END", "redo", "retry":
            throw unsupported("'\(word)'", at: location, hint: "rewrite this part without it")
        default:
            throw unexpected()
        }
    }

    private mutating func parseDefParametersWithoutParentheses() throws(VagrantfileError) -> [Parameter] {
        var parameters: [Parameter] = []
        repeat {
            parameters.append(try parseParameter())
        } while accept(",")
        return parameters
    }

    private mutating func parseElse(opened: SourceLocation) throws(VagrantfileError) -> [Node]? {
        try enterNesting()
        defer { nesting -= 1 }
        let location = current.location
        if acceptKeyword("elsif") {
            let condition = try parseExpressionStatement()
            _ = acceptKeyword("then")
            let then = try parseStatements(until: ["elsif", "else", "end"])
            let otherwise = try parseElse(opened: opened)
            return [Node(.conditional(condition, then: then, otherwise: otherwise), at: location)]
        }
        if acceptKeyword("else") {
            let body = try parseStatements(until: ["end"])
            try expectKeyword("end", opened: opened)
            return body
        }
        try expectKeyword("end", opened: opened)
        return nil
    }
}
