import Foundation

/// Turns Vagrantfile source into tokens. Ruby's lexer depends on context (is `/` a division or a
/// regular expression, is `<<` a heredoc); `valueEnded` tracks whether the previous token ended a
/// value, which decides those cases the way Ruby does for ordinary code.
struct Lexer {
    static let keywords: Set<String> = [
        "def", "end", "if", "elsif", "else", "unless", "case", "when", "then", "do", "while", "until",
        "return", "and", "or", "not", "nil", "true", "false", "self", "yield", "begin", "rescue",
        "ensure", "class", "module", "next", "break", "in", "for", "__FILE__", "__dir__", "__LINE__",
        "lambda", "proc", "defined?", "alias", "undef", "super", "redo", "retry", "BEGIN", "END",
    ]

    let chars: [Character]
    let file: String
    var index = 0
    var line = 1
    var column = 1
    var tokens: [Token] = []
    var pendingHeredocs: [(terminator: String, squiggly: Bool, dash: Bool, interpolate: Bool, tokenIndex: Int, location: SourceLocation)] =
        []

    init(source: String, file: String, line: Int = 1, column: Int = 1) {
        // "\r\n" is one Character in Swift: fold Windows line ends so comments end at them.
        chars = source.utf8.contains(13) ? Array(source).map { $0 == "\r\n" ? "\n" : $0 } : Array(source)
        self.file = file
        self.line = line
        self.column = column
    }

    static func tokenize(_ source: String, file: String, line: Int = 1, column: Int = 1) throws(VagrantfileError) -> [Token] {
        var lexer = Lexer(source: source, file: file, line: line, column: column)
        return try lexer.run()
    }

    var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    func peek(_ offset: Int = 0) -> Character? {
        let position = index + offset
        return position < chars.count ? chars[position] : nil
    }

    @discardableResult
    mutating func advance() -> Character {
        let character = chars[index]
        index += 1
        if character == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return character
    }

    var valueEnded: Bool {
        guard let last = tokens.last else { return false }
        switch last.kind {
        case .identifier, .constant, .globalVariable, .instanceVariable, .integer, .float, .string, .symbol, .words, .regex:
            return true
        case .keyword(let word):
            return ["end", "self", "nil", "true", "false", "__FILE__", "__dir__", "__LINE__"].contains(word)
        case .op(let op):
            return op == ")" || op == "]" || op == "}"
        default:
            return false
        }
    }

    mutating func append(_ kind: TokenKind, at location: SourceLocation, space: Bool) {
        tokens.append(Token(kind: kind, location: location, spaceBefore: space))
    }

    mutating func run() throws(VagrantfileError) -> [Token] {
        var space = false
        while let character = peek() {
            let start = location
            // `=begin` … `=end` at the start of a line.
            if character == "=", column == 1, matches("=begin") {
                try skipBlockComment()
                continue
            }
            if character == " " || character == "\t" || character == "\r" {
                advance()
                space = true
                continue
            }
            if character == "\\", peek(1) == "\n" {
                advance()
                advance()
                space = true
                continue
            }
            if character == "#" {
                while let next = peek(), next != "\n" { advance() }
                continue
            }
            if character == "\n" {
                advance()
                if !pendingHeredocs.isEmpty { try readHeredocBodies() }
                if let last = tokens.last, last.kind != .newline { append(.newline, at: start, space: space) }
                space = true
                continue
            }
            if character == "_", matches("__END__"), column == 1 { break }
            try lexToken(character, start: start, space: space)
            space = false
        }
        if !pendingHeredocs.isEmpty {
            throw VagrantfileError.heredocNeverClosed(terminator: pendingHeredocs[0].terminator, at: pendingHeredocs[0].location)
        }
        append(.newline, at: location, space: true)
        append(.eof, at: location, space: true)
        return tokens
    }

    func matches(_ text: String) -> Bool {
        for (offset, character) in text.enumerated() where peek(offset) != character { return false }
        return true
    }

    mutating func skipBlockComment() throws(VagrantfileError) {
        let start = location
        while index < chars.count {
            if column == 1, matches("=end") {
                while let next = peek(), next != "\n" { advance() }
                return
            }
            advance()
        }
        throw VagrantfileError.blockCommentNeverClosed(at: start)
    }

    mutating func lexToken(_ character: Character, start: SourceLocation, space: Bool) throws(VagrantfileError) {
        if character.isNumber {
            try lexNumber(start: start, space: space)
        } else if character.isLetter || character == "_" {
            lexWord(start: start, space: space)
        } else if character == "\"" || character == "'" {
            advance()
            let parts = try lexQuoted(close: character, open: nil, interpolate: character == "\"", start: start)
            // `"key": value` is a label too.
            if peek() == ":", peek(1) != ":", peek(1) == " " || peek(1) == "\t", case .success(let text) = Self.plainText(parts) {
                advance()
                append(.label(text), at: start, space: space)
            } else {
                append(.string(parts), at: start, space: space)
            }
        } else if character == "`" {
            advance()
            append(.command(try lexQuoted(close: "`", open: nil, interpolate: true, start: start)), at: start, space: space)
        } else if character == ":" {
            try lexColon(start: start, space: space)
        } else if character == "$" {
            advance()
            var name = "$"
            if let special = peek(), "?!~&`'@,;/\\.<>*$:\"".contains(special) {
                // $? (the last command's status), $!, $~, $& and the other punctuation globals.
                name.append(advance())
            } else {
                while let next = peek(), next.isLetter || next.isNumber || next == "_" { name.append(advance()) }
            }
            guard name.count > 1 else { throw VagrantfileError.globalVariableWithoutName(at: start) }
            append(.globalVariable(name), at: start, space: space)
        } else if character == "@" {
            advance()
            var name = "@"
            if peek() == "@" { name.append(advance()) }
            while let next = peek(), next.isLetter || next.isNumber || next == "_" { name.append(advance()) }
            append(.instanceVariable(name), at: start, space: space)
        } else if character == "%", !valueEnded || (space && peek(1).map { !$0.isWhitespace } == true), let kind = peek(1),
            "wWiIqQxrs([{<|!/".contains(kind)
        {
            try lexPercentLiteral(start: start, space: space)
        } else if character == "/", !valueEnded || (space && peek(1) != " " && peek(1) != "=") {
            advance()
            let parts = try lexQuoted(close: "/", open: nil, interpolate: true, start: start, regex: true)
            var options = ""
            while let next = peek(), "imxo".contains(next) { options.append(advance()) }
            guard case .success(let pattern) = Self.plainText(parts) else {
                throw VagrantfileError.interpolationInRegularExpression(at: start)
            }
            append(.regex(pattern, options: options), at: start, space: space)
        } else if character == "<", peek(1) == "<", isHeredocStart(space: space) {
            try lexHeredocStart(start: start, space: space)
        } else {
            try lexOperator(start: start, space: space)
        }
    }

    static func plainText(_ parts: [StringPart]) -> Result<String, VagrantfileError> {
        var text = ""
        for part in parts {
            guard case .text(let value) = part else {
                return .failure(VagrantfileError.interpolationInPlainText())
            }
            text += value
        }
        return .success(text)
    }

}
