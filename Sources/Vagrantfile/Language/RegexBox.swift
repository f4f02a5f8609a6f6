/// A Ruby regular expression, on Swift's own `Regex` engine rather than Foundation's
/// `NSRegularExpression`: that one runs on ICU, whose tables cost every reading that uses a
/// pattern about 2 MiB (`boxer status` must stay small). Ruby's meaning is kept where the two
/// differ: `^`/`$` match at line ends, `/m` lets `.` match a newline, `\w`, `\d` and `\s` are
/// ASCII, `\b` is between a word character and another, and `\h` is a hexadecimal digit. Not
/// kept: look-behind (`(?<=`, `(?<!`), which Swift's engine does not have (such a pattern is an
/// error naming its line), and `.` over a letter with combining marks (one character in Swift).
final class RegexBox {
    let pattern: String
    /// The flags as written (`"im"`).
    let options: String
    let expression: Regex<AnyRegexOutput>

    init(pattern: String, options: String, at location: SourceLocation) throws(VagrantfileError) {
        self.pattern = pattern
        self.options = options
        do {
            var compiled = try Regex(Self.translated(pattern, extended: options.contains("x")))
            // Characters are matched as Swift's (grapheme clusters), not Ruby's code points: with
            // code-point semantics Swift 6.3's `\b` never matches between a dot and a digit.
            compiled = compiled.anchorsMatchLineEndings()
                .asciiOnlyWordCharacters().asciiOnlyDigits().asciiOnlyWhitespace().wordBoundaryKind(.simple)
            if options.contains("i") { compiled = compiled.ignoresCase() }
            if options.contains("m") { compiled = compiled.dotMatchesNewlines() }
            expression = compiled
        } catch {
            throw VagrantfileError.invalidRegularExpression(pattern, at: location)
        }
    }

    /// One match: the whole, then each group (nil where a group did not take part), and the
    /// named groups by name, in the pattern's order.
    struct Match {
        var ranges: [Range<String.Index>?]
        var names: [(name: String, range: Range<String.Index>?)]
    }

    func firstMatch(in text: String) -> Match? {
        (try? expression.firstMatch(in: text)).flatMap { $0 }.map(Self.match)
    }

    func matches(in text: String) -> [Match] {
        text.matches(of: expression).map(Self.match)
    }

    private static func match(_ found: Regex<AnyRegexOutput>.Match) -> Match {
        let groups = found.output.dropFirst()
        return Match(
            ranges: [found.range] + groups.map(\.range), names: groups.compactMap { group in group.name.map { ($0, group.range) } })
    }

    /// `sub`/`gsub` with a Ruby replacement string: `\1`…`\9`, `\0` and `\&` (the match),
    /// `` \` `` and `\'` (before and after it), `\k<name>`, `\\`.
    func replacing(in text: String, with replacement: String, global: Bool) -> String {
        replacing(in: text, global: global) { expand(replacement, $0, in: text) }
    }

    /// `sub`/`gsub` with a block: each match replaced by what `replacement` makes of it.
    func replacing(in text: String, global: Bool, _ replacement: (Match) throws -> String) rethrows -> String {
        let found = global ? matches(in: text) : firstMatch(in: text).map { [$0] } ?? []
        var result = ""
        var position = text.startIndex
        for match in found {
            guard let whole = match.ranges[0] else { continue }
            result += text[position..<whole.lowerBound]
            result += try replacement(match)
            position = whole.upperBound
        }
        result += text[position...]
        return result
    }

    private func expand(_ template: String, _ match: Match, in text: String) -> String {
        func group(_ index: Int) -> Substring {
            guard match.ranges.indices.contains(index), let range = match.ranges[index] else { return "" }
            return text[range]
        }
        var result = ""
        var characters = template[...]
        while let character = characters.popFirst() {
            guard character == "\\", let next = characters.first else {
                result.append(character)
                continue
            }
            characters.removeFirst()
            switch next {
            case "0"..."9": result += group(Int(String(next)) ?? 0)
            case "&": result += group(0)
            case "`": result += text[..<(match.ranges[0]?.lowerBound ?? text.startIndex)]
            case "'": result += text[(match.ranges[0]?.upperBound ?? text.endIndex)...]
            case "\\": result.append("\\")
            case "k" where characters.first == "<":
                let name = characters.dropFirst().prefix { $0 != ">" }
                if let range = match.names.first(where: { $0.name == name })?.range { result += text[range] }
                characters = characters.dropFirst(name.count + 2)
            default:
                result.append("\\")
                result.append(next)
            }
        }
        return result
    }

    /// `Regexp.escape`: the text as a pattern that matches only itself.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "[", "]", "{", "}", "(", ")", "|", "-", "*", ".", "\\", "?", "+", "^", "$", "#":
                escaped += "\\" + String(character)
            case " ": escaped += "\\ "
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case "\u{0C}": escaped += "\\f"
            case "\u{0B}": escaped += "\\v"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Ruby's syntax in Swift's: `\h`/`\H` are hexadecimal digits in Ruby (horizontal space in
    /// Swift), `/x` becomes `(?x)`, and once a pattern has a named group its plain `(...)` groups
    /// stop capturing, as in Ruby (`$1` is then the first named group).
    static func translated(_ pattern: String, extended: Bool) -> String {
        var result = extended ? "(?x)" : ""
        var inClass = 0
        let named = hasNamedGroup(pattern)
        var characters = pattern[...]
        while let character = characters.popFirst() {
            switch character {
            case "\\":
                guard let next = characters.popFirst() else {
                    result.append("\\")
                    continue
                }
                switch next {
                case "h": result += inClass > 0 ? "0-9a-fA-F" : "[0-9a-fA-F]"
                case "H" where inClass == 0: result += "[^0-9a-fA-F]"
                default:
                    result.append("\\")
                    result.append(next)
                }
            case "(" where named && inClass == 0 && characters.first != "?" && characters.first != "*":
                result += "(?:"
            case "[":
                inClass += 1
                result.append(character)
            case "]" where inClass > 0:
                inClass -= 1
                result.append(character)
            default:
                result.append(character)
            }
        }
        return result
    }

    /// Whether the pattern has `(?<name>` or `(?'name'` outside a character class (not the
    /// look-behinds `(?<=` and `(?<!`).
    static func hasNamedGroup(_ pattern: String) -> Bool {
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        var inClass = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\\": index += 1
            case "[": inClass += 1
            case "]" where inClass > 0: inClass -= 1
            case "(" where inClass == 0 && index + 3 < scalars.count && scalars[index + 1] == "?":
                let kind = scalars[index + 2]
                if kind == "'" { return true }
                if kind == "<", scalars[index + 3] != "=", scalars[index + 3] != "!" { return true }
            default: break
            }
            index += 1
        }
        return false
    }
}
