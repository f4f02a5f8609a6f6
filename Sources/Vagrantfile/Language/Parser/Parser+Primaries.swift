/// Primary expressions: literals, names, keywords that start an expression.
extension Parser {
    /// One case per kind of token that starts a primary expression: a table, over 80 lines on
    /// purpose.
    mutating func parsePrimary() throws(VagrantfileError) -> Node {
        let token = current
        let location = token.location
        switch token.kind {
        case .integer(let value):
            next()
            return Node(.integer(value), at: location)
        case .float(let value):
            next()
            return Node(.float(value), at: location)
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
        case .symbol(let name):
            next()
            return Node(.symbol(name), at: location)
        case .regex(let pattern, let options):
            next()
            return Node(.regex(pattern, options: options), at: location)
        case .words(let words, let symbols):
            next()
            return Node(.array(words.map { .positional(Node(symbols ? .symbol($0) : .string([.text($0)]), at: location)) }), at: location)
        case .label(let name):
            // A label outside an argument list: `{ key: value }` is handled in hashes; anything
            // else is a typo such as `config.vm.box: "x"`.
            throw VagrantfileError.strayLabel(name, at: location)
        case .globalVariable(let name):
            next()
            return Node(.global(name), at: location)
        case .instanceVariable(let name):
            next()
            return Node(.instanceVariable(name), at: location)
        case .command(let parts):
            next()
            return Node(.shell(try pieces(parts)), at: location)
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

    mutating func pieces(_ parts: [StringPart]) throws(VagrantfileError) -> [Node.Piece] {
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
    func refuseForbidden(_ name: String, at location: SourceLocation) throws(VagrantfileError) {
        switch name {
        case "spawn", "fork", "syscall":
            throw VagrantfileError.runningProgram(name, at: location)
        case "instance_eval", "class_eval", "module_eval", "instance_exec":
            throw VagrantfileError.codeGeneration(name, at: location)
        case "define_method", "send", "public_send", "method_missing", "const_set", "remove_method", "undef_method", "alias_method",
            "instance_variable_set":
            throw VagrantfileError.metaprogramming(name, at: location)
        case "autoload":
            throw VagrantfileError.autoload(name, at: location)
        case "open", "trap", "at_exit", "gets":
            throw VagrantfileError.hostInteraction(name, at: location)
        default:
            break
        }
    }

    mutating func parseIdentifier(_ name: String, location: SourceLocation) throws(VagrantfileError) -> Node {
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

    mutating func parseHashLiteral() throws(VagrantfileError) -> Node {
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

    /// One case per keyword that starts an expression (`if`, `unless`, `case`, `while`, `begin`,
    /// `def`, ...): a table, over 80 lines on purpose.
    mutating func parseKeyword(_ word: String, location: SourceLocation) throws(VagrantfileError) -> Node {
        switch word {
        case "nil":
            next()
            return Node(.nilLiteral, at: location)
        case "true":
            next()
            return Node(.trueLiteral, at: location)
        case "false":
            next()
            return Node(.falseLiteral, at: location)
        case "self":
            next()
            return Node(.selfReference, at: location)
        case "__FILE__":
            next()
            return Node(.file, at: location)
        case "__dir__":
            next()
            return Node(.directory, at: location)
        case "__LINE__":
            next()
            return Node(.integer(location.line), at: location)
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
            var receiver: Node?
            var singleton = false
            switch current.kind {
            case .constant(let text) where peekToken().kind == .op(".") && !peekToken().spaceBefore:
                // def OS.windows?: a method of the module OS.
                receiver = Node(.constant(scope: nil, name: text), at: current.location)
                singleton = true
                next()
                next()
                guard case .identifier(let method) = current.kind else { throw unexpected(expecting: "a method name") }
                name = method
            case .identifier(let text), .constant(let text): name = text
            case .keyword("self"):
                next()
                try expect(".", "'.' after def self")
                guard case .identifier(let text) = current.kind else { throw unexpected(expecting: "a method name") }
                name = text
                singleton = true
            case .label(let text):
                throw VagrantfileError.labelAfterDef(text, at: current.location)
            default:
                throw unexpected(expecting: "a method name after def")
            }
            next()
            if isOp("="), !current.spaceBefore {
                next()
                name += "="
            }
            scopes.append([])
            defer { scopes.removeLast() }
            var parameters: [Parameter] = []
            if accept("(") {
                if !accept(")") { parameters = try parseParameterList(closing: ")") }
            } else if current.kind != .newline {
                parameters = try parseDefParametersWithoutParentheses()
            }
            let body = try parseBodyWithRescue(location: location)
            if singleton {
                return Node(.defineSingleton(receiver: receiver, name: name, parameters: parameters, body: body), at: location)
            }
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
            let value: Node? =
                current.kind == .newline || isKeyword("end") || isKeyword("if") || isKeyword("unless") || isOp("}")
                ? nil : try parseExpression()
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
            next()
            if word == "class", accept("<<") {
                let target = try parseExpression()
                scopes.append([])
                defer { scopes.removeLast() }
                let body = try parseStatements(until: ["end"])
                try expectKeyword("end", opened: location)
                return Node(.singletonClass(target: target, body: body), at: location)
            }
            guard case .constant(let first) = current.kind else { throw unexpected(expecting: "a \(word) name") }
            var path = Node(.constant(scope: nil, name: first), at: current.location)
            next()
            while isOp("::") {
                next()
                guard case .constant(let inner) = current.kind else { throw unexpected(expecting: "a constant after ::") }
                path = Node(.constant(scope: path, name: inner), at: current.location)
                next()
            }
            var superclass: Node?
            if word == "class", accept("<") { superclass = try parseExpression() }
            scopes.append([])
            defer { scopes.removeLast() }
            let body = try parseBodyWithRescue(location: location)
            return Node(.typeDefinition(path: path, superclass: superclass, body: body, isModule: word == "module"), at: location)
        case "super":
            next()
            if isOp("("), !current.spaceBefore {
                next()
                let arguments = try parseArgumentList(closing: ")")
                return Node(.superCall(arguments: arguments), at: location)
            }
            if canStartCommandArgument() { return Node(.superCall(arguments: try parseCommandArguments()), at: location) }
            return Node(.superCall(arguments: nil), at: location)
        case "alias", "undef":
            throw VagrantfileError.methodAliasing(word, at: location)
        case "BEGIN", "END", "redo", "retry":
            throw VagrantfileError.unsupportedKeyword(word, at: location)
        default:
            throw unexpected()
        }
    }

    mutating func parseDefParametersWithoutParentheses() throws(VagrantfileError) -> [Parameter] {
        var parameters: [Parameter] = []
        repeat {
            parameters.append(try parseParameter())
        } while accept(",")
        return parameters
    }

    mutating func parseElse(opened: SourceLocation) throws(VagrantfileError) -> [Node]? {
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
