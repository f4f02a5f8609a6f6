/// Parses the Ruby that Vagrantfiles are written in: a recursive-descent parser with Ruby's
/// operator precedence, command calls without parentheses (`config.vm.box "x"`), `do`/`{}` blocks,
/// trailing hashes and modifiers. Constructs boxer refuses on purpose fail with `.unsupported`.
struct Parser {
    var tokens: [Token]
    var position = 0
    /// Local variables known at this point, innermost scope last: Ruby decides at parse time
    /// whether `name` is a variable or a method call.
    var scopes: [Set<String>] = [[]]
    /// Inside command arguments a `do` belongs to the outer command, not to an argument.
    var noDoBlock = 0
    /// Whether `x = a, b` assigns an array here: not inside a call's arguments, where the comma
    /// ends the argument (`f type: h[:t] ||= nil, **options`).
    var assignmentTakesList = true
    let file: String
    /// Recursion depth of the parser; deep nesting is refused instead of exhausting the stack.
    var nesting = 0
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

    var current: Token { tokens[position] }
    func peekToken(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    @discardableResult
    mutating func next() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    func isKeyword(_ word: String) -> Bool { current.kind == .keyword(word) }

    mutating func accept(_ op: String) -> Bool {
        if isOp(op) {
            next()
            return true
        }
        return false
    }

    mutating func acceptKeyword(_ word: String) -> Bool {
        if isKeyword(word) {
            next()
            return true
        }
        return false
    }

    mutating func expect(_ op: String, _ what: String) throws(VagrantfileError) {
        guard accept(op) else { throw unexpected(expecting: what) }
    }

    mutating func expectKeyword(_ word: String, opened: SourceLocation? = nil) throws(VagrantfileError) {
        guard acceptKeyword(word) else {
            if case .eof = current.kind, let opened {
                throw VagrantfileError.blockNeverClosed(keyword: word, at: opened)
            }
            throw unexpected(expecting: "'\(word)'")
        }
    }

    mutating func skipNewlines() {
        while current.kind == .newline { next() }
    }

    func unexpected(expecting: String? = nil) -> VagrantfileError {
        VagrantfileError.unexpectedToken(current, expecting: expecting)
    }

    mutating func declare(_ name: String) { scopes[scopes.count - 1].insert(name) }
    func isLocal(_ name: String) -> Bool { scopes.contains { $0.contains(name) } }

}
