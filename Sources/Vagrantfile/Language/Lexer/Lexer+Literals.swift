import Foundation

/// Literals: numbers, words, symbols, percent literals, quoted strings with interpolation, heredocs, operators.
extension Lexer {
    mutating func lexNumber(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        var text = ""
        var isFloat = false
        if peek() == "0", let base = peek(1), "xXbBoO".contains(base) {
            advance()
            advance()
            var digits = ""
            while let next = peek(), next.isHexDigit || next == "_" {
                let c = advance()
                if c != "_" { digits.append(c) }
            }
            let radix = "xX".contains(base) ? 16 : "bB".contains(base) ? 2 : 8
            guard let value = Int(digits, radix: radix) else {
                throw VagrantfileError.invalidPrefixedNumber(base: base, digits: digits, at: start)
            }
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
            } else if next == "e" || next == "E",
                peek(1)?.isNumber == true || ((peek(1) == "-" || peek(1) == "+") && peek(2)?.isNumber == true)
            {
                isFloat = true
                text.append(advance())
                if peek() == "-" || peek() == "+" { text.append(advance()) }
            } else {
                break
            }
        }
        if isFloat {
            guard let value = Double(text) else { throw VagrantfileError.invalidNumber(text, at: start) }
            append(.float(value), at: start, space: space)
        } else {
            guard let value = Int(text) else { throw VagrantfileError.numberTooLarge(text, at: start) }
            append(.integer(value), at: start, space: space)
        }
    }

    mutating func lexWord(start: SourceLocation, space: Bool) {
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

    mutating func lexColon(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        if peek(1) == ":" {
            advance()
            advance()
            append(.op("::"), at: start, space: space)
            return
        }
        if peek(1) == "\"" || peek(1) == "'" {
            advance()
            let quote = advance()
            let parts = try lexQuoted(close: quote, open: nil, interpolate: quote == "\"", start: start)
            guard case .success(let name) = Self.plainText(parts) else {
                throw VagrantfileError.interpolatedSymbol(at: start)
            }
            append(.symbol(name), at: start, space: space)
            return
        }
        if let next = peek(1), next.isLetter || next == "_", !valueEnded || space {
            advance()
            var name = ""
            while let character = peek(), character.isLetter || character.isNumber || character == "_" { name.append(advance()) }
            if let character = peek(), character == "?" || character == "!" || character == "=",
                peek(1) != "=" && peek(1) != ">" && peek(1) != "~"
            {
                if character != "=" { name.append(advance()) }
            }
            append(.symbol(name), at: start, space: space)
            return
        }
        // `inject(:+)`, `respond_to?(:[])`: an operator's symbol, when nothing that continues a
        // value follows (`a ? b :-1` stays a ternary).
        if !valueEnded || space {
            for name in Self.operatorSymbols {
                let characters = Array(name)
                guard characters.indices.allSatisfy({ peek($0 + 1) == characters[$0] }) else { continue }
                if let after = peek(characters.count + 1), after.isLetter || after.isNumber || after == "_" || after == "\"" || after == "'"
                {
                    break
                }
                advance()
                for _ in characters { advance() }
                append(.symbol(name), at: start, space: space)
                return
            }
        }
        advance()
        append(.op(":"), at: start, space: space)
    }

    /// Longest first, so that `:<=>` is not read as `:<=` and `>`.
    static let operatorSymbols = [
        "[]=", "<=>", "===", "[]", "**", "==", "=~", "!=", "!~", "<<", ">>", "<=", ">=", "+@", "-@", "+", "-", "*", "/", "%", "<",
        ">", "!", "&", "|", "^", "~",
    ]

    mutating func lexPercentLiteral(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        advance()
        var kind: Character = "Q"
        if let next = peek(), next.isLetter {
            kind = advance()
        }
        guard let open = peek(), !open.isLetter, !open.isNumber, !open.isWhitespace else {
            throw VagrantfileError.percentLiteralWithoutDelimiter(kind: kind, at: start)
        }
        advance()
        let close: Character = ["[": "]", "(": ")", "{": "}", "<": ">"][open] ?? open
        let nestedOpen: Character? = close == open ? nil : open
        switch kind {
        case "w", "W", "i", "I":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start)
            guard case .success(let text) = Self.plainText(parts) else { throw VagrantfileError.badPercentLiteral(kind: kind, at: start) }
            let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            append(.words(words, symbols: kind == "i" || kind == "I"), at: start, space: space)
        case "q":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start)
            append(.string(parts), at: start, space: space)
        case "Q":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: true, start: start)
            append(.string(parts), at: start, space: space)
        case "x":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: true, start: start)
            append(.command(parts), at: start, space: space)
        case "r":
            let parts = try lexQuoted(close: close, open: nestedOpen, interpolate: false, start: start, regex: true)
            guard case .success(let text) = Self.plainText(parts) else { throw VagrantfileError.badPercentLiteral(kind: "r", at: start) }
            var options = ""
            while let next = peek(), "imxo".contains(next) { options.append(advance()) }
            append(.regex(text, options: options), at: start, space: space)
        default:
            throw VagrantfileError.unsupportedPercentLiteral(kind: kind, at: start)
        }
    }

    /// Reads a quoted literal after its opening delimiter, up to `close`, with escapes and
    /// (when `interpolate`) `#{…}` parts.
    mutating func lexQuoted(close: Character, open: Character?, interpolate: Bool, start: SourceLocation, regex: Bool = false)
        throws(VagrantfileError) -> [StringPart]
    {
        var parts: [StringPart] = []
        var text = ""
        var depth = 0
        while true {
            guard let character = peek() else {
                throw VagrantfileError.unterminatedString(closing: close, at: start)
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
                    text += numericEscape(escaped) ?? Self.escape(escaped)
                } else if escaped == close || escaped == "\\" || (open != nil && escaped == open) {
                    text.append(escaped)
                } else {
                    text.append("\\")
                    text.append(escaped)
                }
                continue
            }
            if interpolate, character == "#", peek(1) == "{" {
                advance()
                advance()
                if !text.isEmpty {
                    parts.append(.text(text))
                    text = ""
                }
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

    /// `\033` (octal, up to three digits), `\x1B` (one or two hex digits), `\u00e9` and `\u{1F600 41}`,
    /// read after the backslash and `character`; nil for any other escape.
    mutating func numericEscape(_ character: Character) -> String? {
        func digits(_ allowed: (Character) -> Bool, upTo count: Int) -> String {
            var found = ""
            while found.count < count, let next = peek(), allowed(next) { found.append(advance()) }
            return found
        }
        func scalars(_ codes: [UInt32]) -> String {
            String(String.UnicodeScalarView(codes.compactMap(Unicode.Scalar.init)))
        }
        switch character {
        case "0"..."7":
            let rest = digits({ ("0"..."7").contains($0) }, upTo: 2)
            return scalars([UInt32(String(character) + rest, radix: 8).map { $0 & 0xFF } ?? 0])
        case "x":
            let hex = digits(\.isHexDigit, upTo: 2)
            return hex.isEmpty ? nil : scalars([UInt32(hex, radix: 16) ?? 0])
        case "u":
            if peek() == "{" {
                advance()
                var codes: [UInt32] = []
                while let next = peek(), next != "}" {
                    if next == " " {
                        advance()
                        continue
                    }
                    let hex = digits(\.isHexDigit, upTo: 6)
                    guard !hex.isEmpty else { break }
                    codes.append(UInt32(hex, radix: 16) ?? 0)
                }
                if peek() == "}" { advance() }
                return scalars(codes)
            }
            let hex = digits(\.isHexDigit, upTo: 4)
            return hex.isEmpty ? nil : scalars([UInt32(hex, radix: 16) ?? 0])
        case "v": return "\u{0B}"
        case "f": return "\u{0C}"
        default: return nil
        }
    }

    static func escape(_ character: Character) -> String {
        switch character {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "s": return " "
        case "e": return "\u{1B}"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "\n": return ""
        default: return String(character)
        }
    }

    /// The source of `#{…}`, balancing braces and skipping nested strings.
    mutating func readInterpolation(start: SourceLocation) throws(VagrantfileError) -> String {
        var code = ""
        var depth = 0
        var quote: Character?
        while let character = peek() {
            if let open = quote {
                code.append(advance())
                if character == "\\", let next = peek() {
                    code.append(next)
                    advance()
                } else if character == open {
                    quote = nil
                }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                code.append(advance())
                continue
            }
            if character == "{" { depth += 1 }
            if character == "}" {
                if depth == 0 {
                    advance()
                    return code
                }
                depth -= 1
            }
            code.append(advance())
        }
        throw VagrantfileError.unterminatedInterpolation(at: start)
    }

    func isHeredocStart(space: Bool) -> Bool {
        guard let after = peek(2) else { return false }
        let marked = after == "~" || after == "-" || after == "\"" || after == "'"
        // Where an operand is expected, any identifier starts one (`inline: <<eos`), as in Ruby.
        if !valueEnded { return marked || after.isLetter || after == "_" }
        // `puts <<EOF`: a name, a space, then `<<` glued to the terminator. A lower-case
        // terminator here could as well be a shift of a local variable (`list <<item`), which
        // the lexer cannot tell apart, so only the usual upper-case terminators count.
        if space, case .identifier? = tokens.last?.kind { return marked || after.isUppercase || after == "_" }
        return false
    }

    mutating func lexHeredocStart(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        advance()
        advance()
        var squiggly = false
        var dash = false
        if peek() == "~" {
            squiggly = true
            advance()
        } else if peek() == "-" {
            dash = true
            advance()
        }
        var interpolate = true
        var terminator = ""
        if let quote = peek(), quote == "\"" || quote == "'" {
            interpolate = quote == "\""
            advance()
            while let next = peek(), next != quote, next != "\n" { terminator.append(advance()) }
            guard peek() == quote else { throw VagrantfileError.heredocTerminatorNotClosed(at: start) }
            advance()
        } else {
            while let next = peek(), next.isLetter || next.isNumber || next == "_" { terminator.append(advance()) }
        }
        guard !terminator.isEmpty else { throw VagrantfileError.heredocWithoutTerminator(at: start) }
        append(.string([]), at: start, space: space)
        pendingHeredocs.append((terminator, squiggly, dash, interpolate, tokens.count - 1, start))
    }

    /// Reads the bodies of the heredocs started on the line just ended.
    mutating func readHeredocBodies() throws(VagrantfileError) {
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
                throw VagrantfileError.heredocNeverClosed(terminator: heredoc.terminator, at: heredoc.location)
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
            tokens[heredoc.tokenIndex] = Token(
                kind: .string(merged.isEmpty ? [.text("")] : merged), location: old.location, spaceBefore: old.spaceBefore)
        }
    }

    /// Lexes the whole remaining input as the inside of a double-quoted string.
    mutating func lexQuotedToEnd() throws(VagrantfileError) -> [StringPart] {
        var parts: [StringPart] = []
        var text = ""
        while let character = peek() {
            if character == "\\" {
                advance()
                if let escaped = peek() {
                    advance()
                    text += numericEscape(escaped) ?? Self.escape(escaped)
                }
                continue
            }
            if character == "#", peek(1) == "{" {
                advance()
                advance()
                if !text.isEmpty {
                    parts.append(.text(text))
                    text = ""
                }
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

    mutating func lexOperator(start: SourceLocation, space: Bool) throws(VagrantfileError) {
        for op in Self.operators where matches(op) {
            for _ in 0..<op.count { advance() }
            if op == ";" {
                append(.newline, at: start, space: space)
            } else {
                append(.op(op), at: start, space: space)
            }
            return
        }
        throw VagrantfileError.unexpectedCharacter(peek(), at: start)
    }
}
