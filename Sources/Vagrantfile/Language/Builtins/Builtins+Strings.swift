import Foundation

/// String methods.
extension Builtins {
    /// String methods: one switch over the method name, a table of the Ruby methods boxer supports for
    /// this receiver; split, the table would be harder to read, not easier (over 80 lines on purpose).
    static func string(
        _ text: String, _ name: String, _ args: [Value], _ block: Closure?, interpreter: Interpreter, at location: SourceLocation
    ) throws -> Value? {
        func stringArg(_ index: Int) throws -> String {
            guard index < args.count else { throw interpreter.error("\(name) needs an argument", at: location, className: "ArgumentError") }
            switch args[index] {
            case .string(let value), .symbol(let value): return value
            default:
                throw interpreter.error(
                    "no implicit conversion of \(args[index].typeName) into String", at: location, className: "TypeError")
            }
        }
        switch name {
        case "+", "<<", "concat":
            let other = try stringArg(0)
            try checkSize(text.utf8.count + other.utf8.count, "string", interpreter: interpreter, at: location)
            return .string(text + other)
        case "*":
            guard case .int(let count) = args.first ?? .null, count >= 0, count < 1_000_000, text.utf8.count * count <= maximumStringBytes
            else {
                throw interpreter.error("String#* needs a small non-negative integer", at: location, className: "ArgumentError")
            }
            return .string(String(repeating: text, count: count))
        case "%":
            let values: [Value]
            if case .array(let box) = args.first ?? .null { values = box.items } else { values = args }
            return .string(try Format.format(text, values, interpreter: interpreter, at: location))
        case "to_s", "to_str": return .string(text)
        case "to_sym", "intern": return .symbol(text)
        case "to_i" where args.count == 1:
            // to_i(16): the digits of that base at the start, an optional 0x/0b/0o of the same base.
            guard case .int(let base) = args[0], (2...36).contains(base) else {
                throw interpreter.error("invalid radix", at: location, className: "ArgumentError")
            }
            var digits = Substring(text.rubyStripped().lowercased())
            let negative = digits.hasPrefix("-")
            if negative || digits.hasPrefix("+") { digits = digits.dropFirst() }
            let prefixes = [16: "0x", 2: "0b", 8: "0o"]
            if let prefix = prefixes[base], digits.hasPrefix(prefix) { digits = digits.dropFirst(2) }
            let valid = digits.prefix { $0 != "_" && Int(String($0), radix: base) != nil }
            let value = Int(valid, radix: base) ?? 0
            return .int(negative ? -value : value)
        case "to_i":
            let trimmed = text.rubyStripped()
            let digits = trimmed.prefix { $0.isNumber || $0 == "-" || $0 == "+" || $0 == "_" }.filter { $0 != "_" }
            return .int(Int(digits) ?? Int(digits.prefix(18)) ?? 0)
        case "to_f":
            let trimmed = text.rubyStripped()
            let prefix = trimmed.prefix { $0.isNumber || "-+.eE".contains($0) }
            return .float(Double(prefix) ?? 0)
        case "length", "size": return .int(text.count)
        case "bytesize": return .int(text.utf8.count)
        case "empty?": return .bool(text.isEmpty)
        case "upcase": return .string(text.uppercased())
        case "downcase": return .string(text.lowercased())
        case "capitalize": return .string(text.prefix(1).uppercased() + text.dropFirst().lowercased())
        case "swapcase": return .string(String(text.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
        case "strip": return .string(text.rubyStripped())
        case "lstrip": return .string(String(text.drop { $0.isWhitespace }))
        case "rstrip": return .string(String(text.reversed().drop { $0.isWhitespace }.reversed()))
        case "chomp":
            // On scalars: Swift reads "\r\n" as one character.
            var scalars = Substring(text).unicodeScalars
            if let suffix = args.first, case .string(let wanted) = suffix, !wanted.isEmpty {
                return .string(RubyText.chomp(text, wanted))
            }
            if scalars.last == "\n" {
                scalars.removeLast()
                if scalars.last == "\r" { scalars.removeLast() }
            } else if scalars.last == "\r" {
                scalars.removeLast()
            }
            return .string(String(scalars))
        case "chop": return .string(String(text.dropLast()))
        case "chars": return .array(text.map { .string(String($0)) })
        case "bytes": return .array(text.utf8.map { .int(Int($0)) })
        case "lines": return .array(RubyText.lines(text).map(Value.string))
        case "reverse": return .string(String(text.reversed()))
        case "include?": return .bool(text.contains(try stringArg(0)))
        case "start_with?": return .bool(try args.indices.contains { text.hasPrefix(try stringArg($0)) })
        case "end_with?": return .bool(try args.indices.contains { text.hasSuffix(try stringArg($0)) })
        case "index":
            guard let range = text.range(of: try stringArg(0)) else { return .null }
            return .int(text.distance(from: text.startIndex, to: range.lowerBound))
        case "count": return .int(text.filter { (try? stringArg(0))?.contains($0) == true }.count)
        case "split":
            if args.isEmpty || { if case .null = args[0] { return true } else { return false } }() || (try? stringArg(0)) == " " {
                // awk style: runs of white space, leading ones ignored; a limit keeps the rest whole.
                guard args.count > 1, case .int(let limit) = args[1], limit > 0 else {
                    return .array(text.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
                }
                let fields = text.drop(while: \.isWhitespace).split(
                    maxSplits: limit - 1, omittingEmptySubsequences: true, whereSeparator: \.isWhitespace)
                guard let last = fields.last, fields.count == limit else { return .array(fields.map { .string(String($0)) }) }
                // The last field starts after the white space that ended the one before.
                let rest = text[last.startIndex...].drop(while: \.isWhitespace)
                return .array(fields.dropLast().map { .string(String($0)) } + [.string(String(rest))])
            }
            // A limit: more than 0 gives at most that many fields, below 0 keeps trailing empty ones.
            var limit = 0
            if args.count > 1, case .int(let given) = args[1] { limit = given }
            var pieces: [String] = []
            var start = text.startIndex
            func more() -> Bool { limit <= 0 || pieces.count < limit - 1 }
            if case .regex(let regex) = args[0] {
                for match in regex.matches(in: text) where more() {
                    guard let found = match.ranges[0], !found.isEmpty || found.lowerBound > start else { continue }
                    pieces.append(String(text[start..<found.lowerBound]))
                    // Captured groups are fields too.
                    for group in match.ranges.dropFirst() { if let group { pieces.append(String(text[group])) } }
                    start = found.upperBound
                }
            } else {
                let separator = try stringArg(0)
                if separator.isEmpty { return .array(text.map { .string(String($0)) }) }
                while more(), let found = text.range(of: separator, range: start..<text.endIndex) {
                    pieces.append(String(text[start..<found.lowerBound]))
                    start = found.upperBound
                }
            }
            pieces.append(String(text[start...]))
            if limit == 0 { while pieces.last == "" { pieces.removeLast() } }
            return .array(pieces.map(Value.string))
        case "sub", "gsub", "sub!", "gsub!":
            guard args.count >= 2 || block != nil else {
                throw interpreter.error("\(name) needs a pattern and a replacement", at: location, className: "ArgumentError")
            }
            let global = name.hasPrefix("g")
            if args.count == 1, let block {
                // The block's value replaces each match ($~ and $1… are set for it, as in Ruby).
                let regex: RegexBox
                if case .regex(let given) = args[0] {
                    regex = given
                } else {
                    regex = try RegexBox(pattern: RegexBox.escape(try stringArg(0)), options: "", at: location)
                }
                return .string(
                    try regex.replacing(in: text, global: global) { match in
                        let whole = match.ranges[0].map { String(text[$0]) } ?? ""
                        recordMatch(match, in: text, interpreter: interpreter)
                        return try interpreter.stringify(try interpreter.callClosure(block, [.string(whole)], at: location), at: location)
                    })
            }
            let replacement = args.count >= 2 ? try stringArg(1) : ""
            if case .regex(let regex) = args[0] {
                return .string(regex.replacing(in: text, with: replacement, global: global))
            }
            let pattern = try stringArg(0)
            if global { return .string(text.replacingOccurrences(of: pattern, with: replacement)) }
            guard let found = text.range(of: pattern) else { return .string(text) }
            return .string(text.replacingCharacters(in: found, with: replacement))
        case "tr":
            let from = Array(try stringArg(0))
            let to = Array(try stringArg(1))
            return .string(
                String(
                    text.map { character in
                        guard let index = from.firstIndex(of: character) else { return character }
                        return to.isEmpty ? character : to[Swift.min(index, to.count - 1)]
                    }))
        case "delete":
            let remove = try stringArg(0)
            return .string(text.filter { !remove.contains($0) })
        case "squeeze":
            var result = ""
            for character in text where result.last != character { result.append(character) }
            return .string(result)
        case "center", "ljust", "rjust":
            guard case .int(let width) = args.first ?? .null, width < 100_000, width > text.count else { return .string(text) }
            let pad = args.count > 1 ? try stringArg(1) : " "
            let missing = Swift.max(0, width - text.count)
            guard missing > 0, !pad.isEmpty else { return .string(text) }
            let padding = String(String(repeating: pad, count: missing / pad.count + 1).prefix(missing))
            if name == "ljust" { return .string(text + padding) }
            if name == "rjust" { return .string(padding + text) }
            let left = missing / 2
            return .string(String(padding.prefix(left)) + text + String(padding.prefix(missing - left)))
        case "=~", "match", "match?":
            guard case .regex(let regex) = args.first ?? .null else {
                if case .string(let pattern) = args.first ?? .null, name != "=~" {
                    let literal = try RegexBox(pattern: RegexBox.escape(pattern), options: "", at: location)
                    return matchResult(literal, text, name: name, interpreter: interpreter)
                }
                return .null
            }
            return matchResult(regex, text, name: name, interpreter: interpreter)
        case "scan":
            guard case .regex(let regex) = args.first ?? .null else { return .array([]) }
            // With groups, each match is its groups (Ruby's scan).
            return .array(
                regex.matches(in: text).compactMap { match in
                    if match.ranges.count > 1 {
                        return .array(match.ranges.dropFirst().map { range in range.map { .string(String(text[$0])) } ?? .null })
                    }
                    return match.ranges[0].map { .string(String(text[$0])) }
                })
        case "[]" where args.first.map({ if case .regex = $0 { return true } else { return false } }) ?? false,
            "slice" where args.first.map({ if case .regex = $0 { return true } else { return false } }) ?? false:
            // text[/re/] and text[/re/, 1]: the match, or one group of it.
            guard case .regex(let regex) = args[0], let match = regex.firstMatch(in: text) else { return .null }
            recordMatch(match, in: text, interpreter: interpreter)
            var group = 0
            if args.count > 1, case .int(let wanted) = args[1] { group = wanted }
            guard group >= 0, group < match.ranges.count, let range = match.ranges[group] else { return .null }
            return .string(String(text[range]))
        case "[]" where args.count == 1 && { if case .string = args[0] { return true } else { return false } }():
            let wanted = try stringArg(0)
            return text.contains(wanted) ? .string(wanted) : .null
        case "rindex":
            let wanted = try stringArg(0)
            guard let found = text.range(of: wanted, options: .backwards) else { return .null }
            return .int(text.distance(from: text.startIndex, to: found.lowerBound))
        case "partition", "rpartition":
            let wanted = try stringArg(0)
            guard let found = text.range(of: wanted, options: name == "rpartition" ? .backwards : []) else {
                return name == "partition"
                    ? .array([.string(text), .string(""), .string("")]) : .array([.string(""), .string(""), .string(text)])
            }
            return .array([.string(String(text[..<found.lowerBound])), .string(wanted), .string(String(text[found.upperBound...]))])
        case "delete_prefix":
            let prefix = try stringArg(0)
            return .string(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        case "delete_suffix":
            return .string(RubyText.chomp(text, try stringArg(0)))
        case "casecmp?": return .bool(text.lowercased() == (try stringArg(0)).lowercased())
        case "casecmp":
            let (left, right) = (text.lowercased(), (try stringArg(0)).lowercased())
            return .int(left < right ? -1 : left == right ? 0 : 1)
        case "oct": return .int(Int(text.rubyStripped().prefix { ("0"..."7").contains($0) }, radix: 8) ?? 0)
        case "[]", "slice":
            return try index(Array(text).map { Value.string(String($0)) }, args, interpreter: interpreter, at: location, joinStrings: true)
        case "==", "eql?": return .bool(Value.string(text).equals(args.first ?? .null))
        case "<", ">", "<=", ">=", "<=>":
            let other = try stringArg(0)
            switch name {
            case "<": return .bool(text < other)
            case ">": return .bool(text > other)
            case "<=": return .bool(text <= other)
            case ">=": return .bool(text >= other)
            default: return .int(text < other ? -1 : text == other ? 0 : 1)
            }
        case "each_line", "each_char":
            let items: [Value] =
                name == "each_char"
                ? text.map { .string(String($0)) }
                : RubyText.lines(text).map(Value.string)
            return try iterate(items, block, interpreter: interpreter, at: location) ?? .string(text)
        case "hex": return .int(Int(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16) ?? 0)
        case "ord": return .int(Int(text.unicodeScalars.first?.value ?? 0))
        case "succ", "next":
            return .string(
                text.isEmpty ? "" : String(text.dropLast()) + String(UnicodeScalar((text.unicodeScalars.last?.value ?? 0) + 1) ?? " "))
        case "format": return .string(try Format.format(text, args, interpreter: interpreter, at: location))
        case "freeze", "dup", "+@", "-@", "force_encoding", "encode", "unicode_normalize", "b": return .string(text)
        case "encoding": return .string("UTF-8")
        default: return nil
        }
    }
}

/// Line and suffix handling on Unicode scalars, where "\r\n" is two, as in Ruby.
enum RubyText {
    /// `lines`, `each_line`: each line with its "\n"; a last line without one as it is.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            current.append(scalar)
            if scalar == "\n" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    static func chomp(_ text: String, _ suffix: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let ending = Array(suffix.unicodeScalars)
        guard scalars.count >= ending.count, Array(scalars.suffix(ending.count)) == ending else { return text }
        return String(String.UnicodeScalarView(scalars.dropLast(ending.count)))
    }
}
