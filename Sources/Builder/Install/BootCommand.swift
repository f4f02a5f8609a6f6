import Foundation

/// A template's `boot_command`, in Packer's syntax: text is typed as on a US keyboard, `<enter>`,
/// `<esc>`, `<f1>`… press a key, `<leftCtrlOn>`/`<leftCtrlOff>` hold and release one, `<wait>`,
/// `<wait5>`, `<wait1m30s>` pause, and `{{ .HTTPIP }}`, `{{ .HTTPPort }}`, `{{ .Name }}` are the
/// installer's HTTP server and the build's name. Key names are QEMU's QKeyCodes, sent over QMP.
public struct BootCommand: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Keys pressed together and released (`send-key`): ["shift", "a"] is "A".
        case press([String])
        /// A key held down until its release (`input-send-event`).
        case hold(String)
        case release(String)
        case wait(seconds: Double)
    }

    /// What `{{ .Name }}` and the others stand for.
    public struct Variables: Sendable, Equatable {
        public var httpIP: String
        public var httpPort: Int
        public var name: String

        public init(httpIP: String, httpPort: Int, name: String) {
            self.httpIP = httpIP
            self.httpPort = httpPort
            self.name = name
        }
    }

    /// Why a line is not a boot command: the problem, for the template's error.
    public struct Problem: Error, Sendable, Equatable {
        public let text: String
    }

    public var actions: [Action]

    /// Parses the lines of `boot_command` (joined as Packer joins them: with nothing between).
    public static func parse(_ lines: [String], variables: Variables) throws(Problem) -> BootCommand {
        var actions: [Action] = []
        for line in lines {
            actions += try parse(line: try substitute(line, variables))
        }
        return BootCommand(actions: actions)
    }

    /// `{{ .HTTPIP }}` and friends replaced; any other `{{ … }}` is refused.
    static func substitute(_ line: String, _ variables: Variables) throws(Problem) -> String {
        var result = ""
        var rest = Substring(line)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Problem(text: "'{{' without its '}}' in \"\(line)\"")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            switch name {
            case ".HTTPIP": result += variables.httpIP
            case ".HTTPPort": result += String(variables.httpPort)
            case ".Name": result += variables.name
            default:
                throw Problem(text: "unknown variable {{ \(name) }} in \"\(line)\"; known: {{ .HTTPIP }}, {{ .HTTPPort }}, {{ .Name }}")
            }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    static func parse(line: String) throws(Problem) -> [Action] {
        var actions: [Action] = []
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            // `<name>` is a special key when it looks like one (letters and digits); any other
            // `<` is typed, as in `a<b`.
            if character == "<", let close = line[index...].firstIndex(of: ">"),
                case let name = line[line.index(after: index)..<close], !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            {
                actions.append(try special(String(name), in: line))
                index = line.index(after: close)
                continue
            }
            guard let keys = typed(character) else {
                throw Problem(
                    text:
                        "cannot type '\(character)' (U+\(String(format: "%04X", character.unicodeScalars.first?.value ?? 0))) in \"\(line)\": only US-keyboard characters and <special> keys"
                )
            }
            actions.append(.press(keys))
            index = line.index(after: index)
        }
        return actions
    }

    /// `<enter>`, `<wait10>`, `<leftAltOn>`… (names compared without case, as Packer does).
    static func special(_ name: String, in line: String) throws(Problem) -> Action {
        let lower = name.lowercased()
        if lower.hasPrefix("wait") {
            guard let seconds = duration(String(lower.dropFirst(4))) else {
                throw Problem(text: "<\(name)> in \"\(line)\" is not a wait: <wait>, <wait5> (seconds) or <wait1m30s>, <wait500ms>")
            }
            return .wait(seconds: seconds)
        }
        if let key = specialKeys[lower] { return .press([key]) }
        for (suffix, hold) in [("on", true), ("off", false)] where lower.hasSuffix(suffix) {
            let base = String(lower.dropLast(suffix.count))
            let key = specialKeys[base] ?? (base.count == 1 ? base.first.flatMap(typed)?.last : nil)
            if let key { return hold ? .hold(key) : .release(key) }
        }
        throw Problem(
            text:
                "unknown key <\(name)> in \"\(line)\"; known: <enter> <return> <esc> <tab> <bs> <del> <spacebar> <insert> <home> <end> <pageUp> <pageDown> <up> <down> <left> <right> <f1>…<f12> <menu> <leftAlt> <leftCtrl> <leftShift> <leftSuper> <rightAlt> <rightCtrl> <rightShift> <rightSuper>, each also as <…On> and <…Off>, and <wait>, <waitN>, <wait1m30s>"
        )
    }

    /// "" is one second; "5" is seconds; else Go's durations ("1m30s", "500ms", "2h").
    static func duration(_ text: String) -> Double? {
        if text.isEmpty { return 1 }
        if let seconds = Int(text) { return Double(seconds) }
        let units: [(String, Double)] = [("ms", 0.001), ("us", 0.000_001), ("ns", 0.000_000_001), ("h", 3600), ("m", 60), ("s", 1)]
        var total = 0.0
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += number * scale
            rest = rest.dropFirst(unit.count)
        }
        return total
    }

    static let specialKeys: [String: String] = {
        var keys: [String: String] = [
            "bs": "backspace", "del": "delete", "enter": "ret", "return": "ret", "esc": "esc", "tab": "tab", "spacebar": "spc",
            "insert": "insert", "home": "home", "end": "end", "pageup": "pgup", "pagedown": "pgdn", "up": "up", "down": "down",
            "left": "left", "right": "right", "menu": "menu", "leftalt": "alt", "leftctrl": "ctrl", "leftshift": "shift",
            "leftsuper": "meta_l", "rightalt": "alt_r", "rightctrl": "ctrl_r", "rightshift": "shift_r", "rightsuper": "meta_r",
        ]
        for number in 1...12 { keys["f\(number)"] = "f\(number)" }
        return keys
    }()

    /// Unshifted punctuation and the shifted characters of a US keyboard.
    static let punctuation: [Character: String] = [
        " ": "spc", "-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right", "\\": "backslash", ";": "semicolon",
        "'": "apostrophe", "`": "grave_accent", ",": "comma", ".": "dot", "/": "slash", "\n": "ret", "\t": "tab",
    ]
    static let shifted: [Character: String] = [
        "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0", "_": "minus",
        "+": "equal", "{": "bracket_left", "}": "bracket_right", "|": "backslash", ":": "semicolon", "\"": "apostrophe",
        "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash",
    ]

    /// The keys that type `character`, or nil when a US keyboard has none.
    static func typed(_ character: Character) -> [String]? {
        guard character.isASCII else { return nil }
        if character.isLowercase || character.isNumber { return [String(character)] }
        if character.isUppercase { return ["shift", String(character).lowercased()] }
        if let key = punctuation[character] { return [key] }
        if let key = shifted[character] { return ["shift", key] }
        return nil
    }
}
