/// Ruby's `GetoptLong` over `ARGV`, which boxer sets as Vagrant does (`ARGV[0]` is the
/// subcommand). Projects declare options of their own (`vagrant --workers=3 up`), and their
/// option loop takes them out of `ARGV` as it goes; an option they did not declare (boxer's or
/// Vagrant's own, such as `--machine-readable`) is an error, printed and raised as in Ruby, so
/// such a file fails where it fails under Vagrant.
final class GetoptLongClass: RubyObject {
    static let noArgument = 0, requiredArgument = 1, optionalArgument = 2
    static let requireOrder = 0, permute = 1, returnInOrder = 2
    static let errorNames = ["Error", "AmbiguousOption", "NeedlessArgument", "MissingArgument", "InvalidOption"]

    var typeName: String { "Class" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "NO_ARGUMENT": return .int(Self.noArgument)
        case "REQUIRED_ARGUMENT": return .int(Self.requiredArgument)
        case "OPTIONAL_ARGUMENT": return .int(Self.optionalArgument)
        case "REQUIRE_ORDER": return .int(Self.requireOrder)
        case "PERMUTE": return .int(Self.permute)
        case "RETURN_IN_ORDER": return .int(Self.returnInOrder)
        case _ where Self.errorNames.contains(name):
            return .object(TypeObject("GetoptLong::" + name))
        case "new":
            let parser = GetoptLongObject()
            try parser.setOptions(arguments.positional, interpreter: interpreter, at: location)
            return .object(parser)
        case "name", "to_s", "inspect": return .string("GetoptLong")
        default:
            throw interpreter.error("undefined method '\(name)' for class GetoptLong", at: location, className: "NoMethodError")
        }
    }
}

/// One `GetoptLong.new(...)`: its options and how far it has read `ARGV`.
final class GetoptLongObject: RubyObject {
    /// Every name (long and short) → the canonical (first) name and its argument flag.
    var options: [String: (canonical: String, flag: Int)] = [:]
    var ordering = GetoptLongClass.permute
    var quiet = false
    /// Set once the loop has ended: `ARGV` holds what is left.
    var finished = false
    /// Arguments that are not options, kept aside while permuting and put back at the end.
    var operands: [Value] = []
    /// The rest of a bundle of short options (`-abc` after `-a`).
    var pendingShort = ""

    var typeName: String { "GetoptLong" }

    func setOptions(_ specs: [Value], interpreter: Interpreter, at location: SourceLocation) throws {
        options.removeAll()
        for spec in specs {
            guard case .array(let box) = spec else {
                throw interpreter.error("the option list contains a non-Array argument", at: location, className: "ArgumentError")
            }
            var names: [String] = []
            var flag: Int?
            for item in box.items {
                switch item {
                case .int(let value) where (0...2).contains(value): flag = value
                case .string(let text) where text.hasPrefix("-") && text.count > 1: names.append(text)
                default:
                    throw interpreter.error("an invalid option `\(item.text)'", at: location, className: "ArgumentError")
                }
            }
            guard let flag, let canonical = names.first else {
                throw interpreter.error("no argument-flag or no option name", at: location, className: "ArgumentError")
            }
            for name in names { options[name] = (canonical, flag) }
        }
    }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "each", "each_option":
            while let (option, argument) = try next(interpreter: interpreter, at: location) {
                _ = try interpreter.yieldTo(arguments.block, [.string(option), .string(argument)], method: name, at: location)
            }
            return .null
        case "get", "get_option":
            guard let (option, argument) = try next(interpreter: interpreter, at: location) else { return .null }
            return .array([.string(option), .string(argument)])
        case "set_options":
            try setOptions(arguments.positional, interpreter: interpreter, at: location)
            return .object(self)
        case "quiet=", "quiet":
            if name == "quiet=" { quiet = arguments.positional.first?.isTruthy ?? false }
            return .bool(quiet)
        case "quiet?": return .bool(quiet)
        case "ordering=":
            if case .int(let value)? = arguments.positional.first, (0...2).contains(value) { ordering = value }
            return .int(ordering)
        case "ordering": return .int(ordering)
        case "terminate":
            terminate(interpreter: interpreter)
            return .object(self)
        case "terminated?": return .bool(finished)
        default:
            throw interpreter.error("undefined method '\(name)' for an instance of GetoptLong", at: location, className: "NoMethodError")
        }
    }

    /// The next option and its argument ("" when it has none), taken out of `ARGV`; nil at the end.
    func next(interpreter: Interpreter, at location: SourceLocation) throws -> (String, String)? {
        guard !finished else { return nil }
        let argv = Self.argv(interpreter)
        if !pendingShort.isEmpty { return try short(pendingShort, argv: argv, interpreter: interpreter, at: location) }
        while let first = argv.items.first {
            let text = first.text
            if text == "--" {
                argv.items.removeFirst()
                break
            }
            if text.hasPrefix("-"), text.count > 1 {
                argv.items.removeFirst()
                if text.hasPrefix("--") { return try long(text, argv: argv, interpreter: interpreter, at: location) }
                return try short(String(text.dropFirst()), argv: argv, interpreter: interpreter, at: location)
            }
            switch ordering {
            case GetoptLongClass.requireOrder:
                terminate(interpreter: interpreter)
                return nil
            case GetoptLongClass.returnInOrder:
                argv.items.removeFirst()
                return ("", text)
            default:
                operands.append(argv.items.removeFirst())
            }
        }
        terminate(interpreter: interpreter)
        return nil
    }

    func terminate(interpreter: Interpreter) {
        guard !finished else { return }
        finished = true
        let argv = Self.argv(interpreter)
        argv.items = operands + argv.items
        operands.removeAll()
    }

    private func long(_ text: String, argv: ArrayBox, interpreter: Interpreter, at location: SourceLocation) throws -> (String, String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let written = String(parts[0])
        let inline = parts.count > 1 ? String(parts[1]) : nil
        // An exact name, else the one long name it abbreviates (Ruby's getoptlong allows that).
        var match = options[written]
        if match == nil {
            let candidates = options.filter { $0.key.hasPrefix("--") && $0.key.hasPrefix(written) }
            let canonical = Set(candidates.values.map(\.canonical))
            if canonical.count > 1 {
                throw fail(
                    "AmbiguousOption", "option `\(written)' is ambiguous between \(canonical.sorted().joined(separator: ", "))",
                    interpreter: interpreter, at: location)
            }
            match = candidates.first?.value
        }
        guard let (canonical, flag) = match else {
            throw fail("InvalidOption", "unrecognized option `\(written)'", interpreter: interpreter, at: location)
        }
        switch flag {
        case GetoptLongClass.noArgument:
            if inline != nil {
                throw fail("NeedlessArgument", "option `\(written)' doesn't allow an argument", interpreter: interpreter, at: location)
            }
            return (canonical, "")
        case GetoptLongClass.requiredArgument:
            if let inline { return (canonical, inline) }
            guard !argv.items.isEmpty else {
                throw fail("MissingArgument", "option `\(written)' requires an argument", interpreter: interpreter, at: location)
            }
            return (canonical, argv.items.removeFirst().text)
        default:
            if let inline { return (canonical, inline) }
            if let next = argv.items.first?.text, !(next.hasPrefix("-") && next.count > 1) {
                argv.items.removeFirst()
                return (canonical, next)
            }
            return (canonical, "")
        }
    }

    private func short(_ letters: String, argv: ArrayBox, interpreter: Interpreter, at location: SourceLocation) throws -> (
        String, String
    ) {
        let letter = String(letters.prefix(1))
        let rest = String(letters.dropFirst())
        pendingShort = ""
        guard let (canonical, flag) = options["-" + letter] else {
            throw fail("InvalidOption", "invalid option -- \(letter)", interpreter: interpreter, at: location)
        }
        switch flag {
        case GetoptLongClass.noArgument:
            pendingShort = rest
            return (canonical, "")
        case GetoptLongClass.requiredArgument:
            if !rest.isEmpty { return (canonical, rest) }
            guard !argv.items.isEmpty else {
                throw fail("MissingArgument", "option requires an argument -- \(letter)", interpreter: interpreter, at: location)
            }
            return (canonical, argv.items.removeFirst().text)
        default:
            if !rest.isEmpty { return (canonical, rest) }
            if let next = argv.items.first?.text, !next.hasPrefix("-") {
                argv.items.removeFirst()
                return (canonical, next)
            }
            return (canonical, "")
        }
    }

    /// Prints the message as Ruby's getoptlong does (unless quiet) and raises it.
    private func fail(_ kind: String, _ message: String, interpreter: Interpreter, at location: SourceLocation) -> RubyError {
        if !quiet { interpreter.host.emit("boxer: \(message)\n", toError: true) }
        finished = true
        var error = RubyError(message, at: location, className: "GetoptLong::" + kind)
        error.ancestors = ["GetoptLong::" + kind, "GetoptLong::Error", "StandardError"]
        return error
    }

    /// `ARGV` itself (one array per reading), which the loop changes as Ruby's does.
    static func argv(_ interpreter: Interpreter) -> ArrayBox {
        if case .array(let box)? = interpreter.host.constant("ARGV", interpreter: interpreter) { return box }
        return ArrayBox([])
    }
}
