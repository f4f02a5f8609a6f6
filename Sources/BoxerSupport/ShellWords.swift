/// Ruby's `Shellwords`: how Vagrant turns a trigger's `run` line into a program and its
/// arguments (no shell runs it: `inline: "echo a > f"` prints `a > f`, as with Vagrant).
public enum ShellWords {
    public struct UnmatchedQuote: Error, Sendable {
        public let line: String
    }

    /// `Shellwords.split`: words split at blanks, `'…'` taken as it is, `"…"` with `\$`, `` \` ``,
    /// `\"`, `\\` and `\<newline>` unescaped, a backslash elsewhere escaping the next character.
    public static func split(_ line: String) throws(UnmatchedQuote) -> [String] {
        var words: [String] = []
        var field = ""
        var inField = false
        var characters = Array(line)[...]
        while let character = characters.first {
            if character.isWhitespace {
                characters.removeFirst()
                if inField {
                    words.append(field)
                    field = ""
                    inField = false
                }
                continue
            }
            inField = true
            characters.removeFirst()
            switch character {
            case "'":
                guard let end = characters.firstIndex(of: "'") else { throw UnmatchedQuote(line: line) }
                field += String(characters[..<end])
                characters = characters[(end + 1)...]
            case "\"":
                var closed = false
                while let next = characters.first {
                    characters.removeFirst()
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\", let escaped = characters.first {
                        characters.removeFirst()
                        if "$`\"\\\n".contains(escaped) { field.append(escaped) } else { field += "\\" + String(escaped) }
                    } else {
                        field.append(next)
                    }
                }
                if !closed { throw UnmatchedQuote(line: line) }
            case "\\":
                if let escaped = characters.first {
                    characters.removeFirst()
                    field.append(escaped)
                } else {
                    field.append("\\")
                }
            default:
                field.append(character)
            }
        }
        if inField { words.append(field) }
        return words
    }

    /// `String#shellescape`: safe characters as they are, every other one backslash-escaped,
    /// a newline quoted; the empty string as `''`.
    public static func escape(_ text: String) -> String {
        guard !text.isEmpty else { return "''" }
        var escaped = ""
        for character in text {
            if character == "\n" {
                escaped += "'\n'"
            } else if character.isASCII, character.isLetter || character.isNumber || "_-.,:+/@".contains(character) {
                escaped.append(character)
            } else {
                escaped += "\\" + String(character)
            }
        }
        return escaped
    }
}
