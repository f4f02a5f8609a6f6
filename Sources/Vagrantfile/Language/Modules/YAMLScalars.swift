/// Plain YAML scalars as Ruby's Psych (Ruby 3.1, Vagrant 2.3.4's) reads them, by hand rather
/// than by regular expressions (Yams' resolver runs every scalar through ICU's): null, booleans
/// (yes/no/on/off too), infinities, Psych's base 60 (`12:30:45`, and its `1:30` = 5400), floats
/// that have a dot (an exponent needs its sign: `1e3` stays text), integers in decimal, `0b`,
/// leading-`0` octal and `0x` (`,` and `_` ignored), else the text.
enum YAMLScalars {
    static func value(_ text: String) -> Value {
        switch text.lowercased() {
        case "", "~", "null": return .null
        case "yes", "true", "on": return .bool(true)
        case "no", "false", "off": return .bool(false)
        case ".inf", "+.inf": return .float(.infinity)
        case "-.inf": return .float(-.infinity)
        case ".nan": return .float(.nan)
        default: break
        }
        let characters = Array(text.unicodeScalars)
        if let value = baseSixty(text, characters) { return value }
        if isFloat(characters) {
            var cleaned = String(String.UnicodeScalarView(characters.filter { $0 != "," && $0 != "_" }))
            // Ruby's Float() takes neither "1." nor "1.e+3": the dot goes.
            if cleaned.hasSuffix(".") { cleaned.removeLast() }
            cleaned = cleaned.replacingOccurrences(of: ".e", with: "e").replacingOccurrences(of: ".E", with: "E")
            if cleaned.hasPrefix(".") || cleaned.hasPrefix("-.") || cleaned.hasPrefix("+.") {
                cleaned = cleaned.replacingOccurrences(of: ".", with: "0.")
            }
            if let number = Double(cleaned) { return .float(number) }
        }
        if let number = integer(characters) { return .int(number) }
        return .string(text)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}` (an integer) or the same with `\.[0-9_]*` after
    /// (a float), each part counted as Psych counts it: part e times 60^|e-2|.
    private static func baseSixty(_ text: String, _ characters: [Unicode.Scalar]) -> Value? {
        guard characters.contains(":") else { return nil }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var fraction: String?
        if let dot = parts[parts.count - 1].firstIndex(of: ".") {
            fraction = String(parts[parts.count - 1][dot...])
            parts[parts.count - 1] = String(parts[parts.count - 1][..<dot])
            guard fraction?.unicodeScalars.dropFirst().allSatisfy({ isDigit($0) || $0 == "_" }) == true else { return nil }
        }
        var first = Substring(parts[0])
        if first.first == "-" || first.first == "+" { first = first.dropFirst() }
        guard let lead = first.unicodeScalars.first, isDigit(lead), first.unicodeScalars.allSatisfy({ isDigit($0) || $0 == "_" }) else {
            return nil
        }
        for part in parts.dropFirst() {
            let scalars = Array(part.unicodeScalars)
            guard scalars.count == 1 || scalars.count == 2, isDigit(scalars[scalars.count - 1]),
                scalars.count == 1 || ("0"..."5").contains(scalars[0])
            else { return nil }
        }
        let exponents = parts.indices.map { abs($0 - 2) }
        if let fraction {
            var total = 0.0
            for (index, part) in parts.enumerated() {
                let text = index == parts.count - 1 ? part + fraction : part
                total += (Double(text.replacingOccurrences(of: "_", with: "")) ?? 0) * pow60(exponents[index])
            }
            return .float(total)
        }
        var total = 0
        for (index, part) in parts.enumerated() {
            guard let number = Int(part.replacingOccurrences(of: "_", with: "")) else { return nil }
            let (product, overflow) = number.multipliedReportingOverflow(by: Int(pow60(exponents[index])))
            guard !overflow else { return nil }
            total &+= product
        }
        return .int(total)
    }

    private static func pow60(_ exponent: Int) -> Double { exponent == 0 ? 1 : exponent == 1 ? 60 : 3600 }

    /// `[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?`, but not a lone `.` or sign and dot.
    private static func isFloat(_ characters: [Unicode.Scalar]) -> Bool {
        var index = 0
        if index < characters.count, characters[index] == "-" || characters[index] == "+" { index += 1 }
        let digitsStart = index
        if index < characters.count, isDigit(characters[index]) {
            index += 1
            while index < characters.count, isDigit(characters[index]) || characters[index] == "_" || characters[index] == "," {
                index += 1
            }
        }
        let hadDigits = index > digitsStart
        guard index < characters.count, characters[index] == "." else { return false }
        index += 1
        let fractionStart = index
        while index < characters.count, isDigit(characters[index]) { index += 1 }
        guard hadDigits || index > fractionStart else { return false }
        if index < characters.count, characters[index] == "e" || characters[index] == "E" {
            index += 1
            guard index < characters.count, characters[index] == "-" || characters[index] == "+" else { return false }
            index += 1
            let exponentStart = index
            while index < characters.count, isDigit(characters[index]) { index += 1 }
            guard index > exponentStart else { return false }
        }
        return index == characters.count
    }

    /// Psych's INTEGER: binary, leading-0 octal, decimal (`,` and `_` only between digits) or hex.
    private static func integer(_ characters: [Unicode.Scalar]) -> Int? {
        var body = characters[...]
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        func parse(_ digits: ArraySlice<Unicode.Scalar>, radix: Int, allowed: (Unicode.Scalar) -> Bool) -> Int? {
            guard !digits.isEmpty, digits.allSatisfy({ allowed($0) || $0 == "_" || $0 == "," }) else { return nil }
            let cleaned = String(String.UnicodeScalarView(digits.filter { $0 != "_" && $0 != "," }))
            guard let value = Int(cleaned.isEmpty ? "0" : cleaned, radix: radix) else { return nil }
            return negative ? -value : value
        }
        let text = String(String.UnicodeScalarView(body))
        if text.hasPrefix("0b") { return parse(body.dropFirst(2), radix: 2) { $0 == "0" || $0 == "1" } }
        if text.hasPrefix("0x") {
            return parse(body.dropFirst(2), radix: 16) { isDigit($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
        }
        if text == "0" { return 0 }
        if text.hasPrefix("0") { return parse(body.dropFirst(), radix: 8) { ("0"..."7").contains($0) } }
        // Decimal: a leading non-zero digit, then digits, each `,` or `_` followed by a digit.
        guard let lead = body.first, ("1"..."9").contains(lead) else { return nil }
        var previousSeparator = false
        for scalar in body.dropFirst() {
            if scalar == "," || scalar == "_" {
                if previousSeparator { return nil }
                previousSeparator = true
            } else if isDigit(scalar) {
                previousSeparator = false
            } else {
                return nil
            }
        }
        guard !previousSeparator else { return nil }
        return parse(body, radix: 10, allowed: isDigit)
    }
}
