/// A piece of a string literal: text, or `#{code}` to evaluate.
enum StringPart: Equatable, Sendable {
    case text(String)
    case code(String, SourceLocation)
}

enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case constant(String)
    case globalVariable(String)
    case instanceVariable(String)
    /// `name:` in a hash or keyword argument.
    case label(String)
    case integer(Int)
    case float(Double)
    case string([StringPart])
    case symbol(String)
    case words([String], symbols: Bool)
    case regex(String, options: String)
    case keyword(String)
    case op(String)
    case newline
    case backtick
    case eof
}

struct Token: Equatable, Sendable {
    let kind: TokenKind
    let location: SourceLocation
    /// Whitespace came right before it: Ruby uses this to tell `foo -1` from `foo - 1`.
    let spaceBefore: Bool
}

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

    private let chars: [Character]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1
    private var tokens: [Token] = []
    private var pendingHeredocs: [(terminator: String, squiggly: Bool, dash: Bool, interpolate: Bool, tokenIndex: Int, location: SourceLocation)] = []

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

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Character? {
        let position = index + offset
        return position < chars.count ? chars[position] : nil
    }

    @discardableResult
    private mutating func advance() -> Character {
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

    private var valueEnded: Bool {
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

    private func error(_ message: String, at location: SourceLocation? = nil, hint: String? = nil) -> VagrantfileError {
        VagrantfileError(.syntax, at: location ?? self.location, message, hint: hint)
    }

    private mutating func append(_ kind: TokenKind, at location: SourceLocation, space: Bool) {
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
                advance(); advance()
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
            throw error("the heredoc started here is never closed (missing \(pendingHeredocs[0].terminator))", at: pendingHeredocs[0].location)
        }
        append(.newline, at: location, space: true)
        append(.eof, at: location, space: true)
        return tokens
    }

    private func matches(_ text: String) -> Bool {
        for (offset, character) in text.enumerated() where peek(offset) != character { return false }
        return true
    }

    private mutating func skipBlockComment() throws(VagrantfileError) {
        let start = location
        while index < chars.count {
            if column == 1, matches("=end") {
                while let next = peek(), next != "\n" { advance() }
                return
            }
            advance()
        }
        throw error("=begin without =end", at: start)
    }

    private mutating func lexToken(_ character: Character, start: SourceLocation, space: Bool) throws(VagrantfileError) {
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
            append(.backtick, at: start, space: space)
            advance()
            while let next = peek(), next != "`" { advance() }
            if peek() == "`" { advance() }
        } else if character == ":" {
            try lexColon(start: start, space: space)
        } else if character == "$" {
            advance()
            var name = "$"
            while let next = peek(), next.isLetter || next.isNumber || next == "_" { name.append(advance()) }
            guard name.count > 1 else { throw error("'$' must start a global variable name such as $script", at: start) }
            append(.globalVariable(name), at: start, space: space)
        } else if character == "@" {
            advance()
            var name = "@"
            if peek() == "@" { name.append(advance()) }
            while let next = peek(), next.isLetter || next.isNumber || next == "_" { name.append(advance()) }
            append(.instanceVariable(name), at: start, space: space)
        } else if character == "%", !valueEnded || (space && peek(1).map { !$0.isWhitespace } == true), let kind = peek(1), "wWiIqQxrs([{<|!/".contains(kind) {
            try lexPercentLiteral(start: start, space: space)
        } else if character == "/", !valueEnded || (space && peek(1) != " " && peek(1) != "=") {
            advance()
            let parts = try lexQuoted(close: "/", open: nil, interpolate: true, start: start, regex: true)
            var options = ""
            while let next = peek(), "imxo".contains(next) { options.append(advance()) }
            guard case .success(let pattern) = Self.plainText(parts) else {
                throw VagrantfileError(.unsupported, at: start, "interpolation inside a regular expression is not supported by boxer", hint: "build the pattern as a string and use Regexp.new is not available either; match with include? or start_with? instead")
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
                return .failure(VagrantfileError(.syntax, at: nil, "interpolation here"))
            }
            text += value
        }
        return .success(text)
    }

    private mutating func lexNumber(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        var text = ""
        var isFloat = false
        if peek() == "0", let base = peek(1), "xXbBoO".contains(base) {
            advance(); advance()
            var digits = ""
            while let next = peek(), next.isHexDigit || next == "_" { let c = advance(); if c != "_" { digits.append(c) } }
            let radix = "xX".contains(base) ? 16 : "bB".contains(base) ? 2 : 8
            guard let value = Int(digits, radix: radix) else { throw error("'0\(base)\(digits)' is not a number", at: start) }
            append(.integer(value), at: start, space: space)
            return
        }
        while let next = peek() {
            if next.isNumber {
                text.append(advance())
            } else if next == "_", peek(1)?.isNumber == true {
                advance()
            } else if next == ".", !isFloat, peek(1)?.isNumber == true {
                isFloat = true
                text.append(advance())
            } else if (next == "e" || next == "E"), peek(1)?.isNumber == true || ((peek(1) == "-" || peek(1) == "+") && peek(2)?.isNumber == true) {
                isFloat = true
                text.append(advance())
                if peek() == "-" || peek() == "+" { text.append(advance()) }
            } else {
                break
            }
        }
        if isFloat {
            guard let value = Double(text) else { throw error("'\(text)' is not a number", at: start) }
            append(.float(value), at: start, space: space)
        } else {
            guard let value = Int(text) else { throw error("'\(text)' is too large a number", at: start) }
            append(.integer(value), at: start, space: space)
        }
    }

    private mutating func lexWord(start: SourceLocation, space: Bool) {
        var word = ""
        while let next = peek(), next.isLetter || next.isNumber || next == "_" { word.append(advance()) }
        // `include?`, `save!`: glued to the name, and not the start of `!=` or `?=`.
        if let next = peek(), next == "?" || next == "!", peek(1) != "=" || peek(2) == "=" {
            word.append(advance())
        }
        // `name:` as a hash key or keyword argument (not `Name::Const`; ternaries have spaces).
        if peek() == ":", peek(1) != ":", !word.hasSuffix("?"), !word.hasSuffix("!") {
            advance()
            append(.label(word), at: start, space: space)
            return
        }
        if Self.keywords.contains(word) {
            append(.keyword(word), at: start, space: space)
        } else if word.first?.isUppercase == true {
            append(.constant(word), at: start, space: space)
        } else {
            append(.identifier(word), at: start, space: space)
        }
    }

    private mutating func lexColon(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        if peek(1) == ":" {
            advance(); advance()
            append(.op("::"), at: start, space: space)
            return
        }
        if peek(1) == "\"" || peek(1) == "'" {
            advance()
            let quote = advance()
            let parts = try lexQuoted(close: quote, open: nil, interpolate: quote == "\"", start: start)
            guard case .success(let name) = Self.plainText(parts) else {
                throw VagrantfileError(.unsupported, at: start, "interpolated symbols are not supported by boxer", hint: "use a string instead")
            }
            append(.symbol(name), at: start, space: space)
            return
        }
        if let next = peek(1), next.isLetter || next == "_", !valueEnded || space {
            advance()
            var name = ""
            while let character = peek(), character.isLetter || character.isNumber || character == "_" { name.append(advance()) }
            if let character = peek(), character == "?" || character == "!" || character == "=" , peek(1) != "=" && peek(1) != ">" && peek(1) != "~" {
                if character != "=" { name.append(advance()) }
            }
            append(.symbol(name), at: start, space: space)
            return
        }
        advance()
        append(.op(":"), at: start, space: space)
    }

    private mutating func lexPercentLiteral(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        advance()
        var kind: Character = "Q"
        if let next = peek(), next.isLetter {
            kind = advance()
        }
        guard let open = peek(), !open.isLetter, !open.isNumber, !open.isWhitespace else {
            throw error("'%\(kind)' needs a delimiter such as [ or (", at: start)
        }
        advance()
        let close: Character = ["[": "]", "(": ")", "{": "}", "<": ">"][open] ?? open
        let nestedOpen: Character? = close == open ? nil : open
        switch kind {
        case "w", "W", "i", "I":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start)
            guard case .success(let text) = Self.plainText(parts) else { throw error("bad %\(kind) literal", at: start) }
            let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            append(.words(words, symbols: kind == "i" || kind == "I"), at: start, space: space)
        case "q":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start)
            append(.string(parts), at: start, space: space)
        case "Q":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: true, start: start)
            append(.string(parts), at: start, space: space)
        case "x":
            throw VagrantfileError(.unsupported, at: start, "%x (running a shell command) is not supported by boxer", hint: "boxer does not run programs while reading a Vagrantfile; use ENV or a file read with File.read instead")
        case "r":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start, regex: true)
            guard case .success(let text) = Self.plainText(parts) else { throw error("bad %r literal", at: start) }
            var options = ""
            while let next = peek(), "imxo".contains(next) { options.append(advance()) }
            append(.regex(text, options: options), at: start, space: space)
        default:
            throw VagrantfileError(.unsupported, at: start, "%\(kind) literals are not supported by boxer", hint: "use %w[], %i[], %q() or a quoted string")
        }
    }

    /// Reads a quoted literal after its opening delimiter, up to `close`, with escapes and
    /// (when `interpolate`) `#{…}` parts.
    private mutating func lexQuoted(close: Character, open: Character?, interpolate: Bool, start: SourceLocation, regex: Bool = false) throws(VagrantfileError) -> [StringPart] {
        var parts: [StringPart] = []
        var text = ""
        var depth = 0
        while true {
            guard let character = peek() else {
                throw error("this string is never closed (missing \(close))", at: start)
            }
            if character == close, depth == 0 {
                advance()
                break
            }
            if let open, character == open { depth += 1 }
            if character == close { depth -= 1 }
            if character == "\\" {
                advance()
                guard let escaped = peek() else { break }
                advance()
                if regex {
                    // Regular expressions keep their escapes (\d, \.); only the delimiter is unescaped.
                    if escaped != close { text.append("\\") }
                    text.append(escaped)
                } else if interpolate {
                    text += Self.escape(escaped)
                } else if escaped == close || escaped == "\\" || (open != nil && escaped == open) {
                    text.append(escaped)
                } else {
                    text.append("\\")
                    text.append(escaped)
                }
                continue
            }
            if interpolate, character == "#", peek(1) == "{" {
                advance(); advance()
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                let codeStart = location
                let code = try readInterpolation(start: codeStart)
                parts.append(.code(code, codeStart))
                continue
            }
            text.append(advance())
        }
        if !text.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        return parts
    }

    static func escape(_ character: Character) -> String {
        switch character {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "0": return "\0"
        case "s": return " "
        case "e": return "\u{1B}"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "\n": return ""
        default: return String(character)
        }
    }

    /// The source of `#{…}`, balancing braces and skipping nested strings.
    private mutating func readInterpolation(start: SourceLocation) throws(VagrantfileError) -> String {
        var code = ""
        var depth = 0
        var quote: Character?
        while let character = peek() {
            if let open = quote {
                code.append(advance())
                if character == "\\", let next = peek() { code.append(next); advance() }
                else if character == open { quote = nil }
                continue
            }
            if character == "\"" || character == "'" { quote = character; code.append(advance()); continue }
            if character == "{" { depth += 1 }
            if character == "}" {
                if depth == 0 { advance(); return code }
                depth -= 1
            }
            code.append(advance())
        }
        throw error("#{ is never closed", at: start)
    }

    private func isHeredocStart(space: Bool) -> Bool {
        guard let after = peek(2) else { return false }
        let begins = after == "~" || after == "-" || after == "\"" || after == "'" || after.isUppercase || after == "_"
        guard begins else { return false }
        if !valueEnded { return true }
        // `puts <<EOF`: a name, a space, then `<<` glued to the terminator.
        if space, case .identifier? = tokens.last?.kind { return true }
        return false
    }

    private mutating func lexHeredocStart(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        advance(); advance()
        var squiggly = false
        var dash = false
        if peek() == "~" { squiggly = true; advance() } else if peek() == "-" { dash = true; advance() }
        var interpolate = true
        var terminator = ""
        if let quote = peek(), quote == "\"" || quote == "'" {
            interpolate = quote == "\""
            advance()
            while let next = peek(), next != quote, next != "\n" { terminator.append(advance()) }
            guard peek() == quote else { throw error("the heredoc terminator is not closed", at: start) }
            advance()
        } else {
            while let next = peek(), next.isLetter || next.isNumber || next == "_" { terminator.append(advance()) }
        }
        guard !terminator.isEmpty else { throw error("a heredoc needs a terminator word, e.g. <<~SCRIPT", at: start) }
        append(.string([]), at: start, space: space)
        pendingHeredocs.append((terminator, squiggly, dash, interpolate, tokens.count - 1, start))
    }

    /// Reads the bodies of the heredocs started on the line just ended.
    private mutating func readHeredocBodies() throws(VagrantfileError) {
        let pending = pendingHeredocs
        pendingHeredocs = []
        for heredoc in pending {
            var lines: [(text: String, location: SourceLocation)] = []
            var closed = false
            while index < chars.count {
                let lineStart = location
                var text = ""
                while let next = peek(), next != "\n" { text.append(advance()) }
                if peek() == "\n" { advance() }
                let trimmed = text.rubyStripped()
                if (heredoc.squiggly || heredoc.dash) ? trimmed == heredoc.terminator : text == heredoc.terminator {
                    closed = true
                    break
                }
                lines.append((text, lineStart))
            }
            guard closed else {
                throw error("the heredoc started here is never closed (missing \(heredoc.terminator))", at: heredoc.location)
            }
            if heredoc.squiggly {
                let indents = lines.filter { !$0.text.rubyStripped().isEmpty }
                    .map { $0.text.prefix { $0 == " " || $0 == "\t" }.count }
                let strip = indents.min() ?? 0
                lines = lines.map { (String($0.text.dropFirst(min(strip, $0.text.prefix { $0 == " " || $0 == "\t" }.count))), $0.location) }
            }
            var parts: [StringPart] = []
            for (text, lineLocation) in lines {
                let body = text + "\n"
                if heredoc.interpolate {
                    var sub = Lexer(source: body, file: file, line: lineLocation.line, column: lineLocation.column)
                    parts += try sub.lexQuotedToEnd()
                } else {
                    parts.append(.text(body))
                }
            }
            let merged = Self.mergeText(parts)
            let old = tokens[heredoc.tokenIndex]
            tokens[heredoc.tokenIndex] = Token(kind: .string(merged.isEmpty ? [.text("")] : merged), location: old.location, spaceBefore: old.spaceBefore)
        }
    }

    /// Lexes the whole remaining input as the inside of a double-quoted string.
    private mutating func lexQuotedToEnd() throws(VagrantfileError) -> [StringPart] {
        var parts: [StringPart] = []
        var text = ""
        while let character = peek() {
            if character == "\\" {
                advance()
                if let escaped = peek() { advance(); text += Self.escape(escaped) }
                continue
            }
            if character == "#", peek(1) == "{" {
                advance(); advance()
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                let codeStart = location
                parts.append(.code(try readInterpolation(start: codeStart), codeStart))
                continue
            }
            text.append(advance())
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    static func mergeText(_ parts: [StringPart]) -> [StringPart] {
        var merged: [StringPart] = []
        for part in parts {
            if case .text(let text) = part, case .text(let previous)? = merged.last {
                merged[merged.count - 1] = .text(previous + text)
            } else {
                merged.append(part)
            }
        }
        return merged
    }

    static let operators = [
        "**=", "<=>", "===", "...", "<<=", ">>=", "&&=", "||=", "&.",
        "**", "==", "!=", ">=", "<=", "&&", "||", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "|=", "&=",
        "=>", "->", "..", "::", "=~", "!~",
        "+", "-", "*", "/", "%", "=", "<", ">", "!", "&", "|", "^", "~", "?", ":", ",", ".", ";",
        "(", ")", "[", "]", "{", "}",
    ]

    private mutating func lexOperator(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        for op in Self.operators where matches(op) {
            for _ in 0..<op.count { advance() }
            if op == ";" {
                append(.newline, at: start, space: space)
            } else {
                append(.op(op), at: start, space: space)
            }
            return
        }
        throw error("unexpected character '\(peek().map(String.init) ?? "")'", at: start)
    }
}

import Foundation
