import BoxerSupport
import Foundation
import Yams

/// Functions called without a receiver: `puts`, `raise`, `require`, `format`, `Integer()`, …
enum Kernel {
    /// How deep `load` may nest and how many files one reading may load in all: loading is for
    /// box Vagrantfiles (`load include/_Vagrantfile`) and split project files, not for loops.
    static let loadDepthLimit = 8
    static let loadCountLimit = 64

    /// `load "file"` / `require_relative "file"`: reads another Ruby-subset file and runs it at
    /// top level with an interpreter of its own (its own `__FILE__`, locals and methods), adding
    /// to the same configuration. `require_relative` names files relative to the calling file,
    /// may leave out ".rb", and loads each file once.
    static func load(_ name: String, relative: Bool, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        var path = FileModule.resolve(name, interpreter: interpreter)
        if relative, !path.hasSuffix(".rb"), HostFiles.kind(of: path) != .regular { path += ".rb" }
        let host = interpreter.host
        if relative, host.loadedFiles.contains(path) { return .bool(false) }
        guard host.loadDepth < loadDepthLimit, host.loadedFiles.count < loadCountLimit else {
            throw interpreter.error(
                "too many nested or repeated loads (at \(name)); at most \(loadDepthLimit) deep and \(loadCountLimit) in all", at: location,
                className: "LoadError")
        }
        let text: String
        do {
            text = try HostFiles.readText(at: path, limit: FileModule.readLimit)
        } catch .missing {
            throw interpreter.error("cannot load such file -- \(name)", at: location, className: "LoadError")
        } catch {
            throw interpreter.error("cannot load \(name): \(error.explanation)", at: location, className: "LoadError")
        }
        host.loadedFiles.insert(path)
        let loaded = Interpreter(file: path, environment: interpreter.environment, host: host)
        host.loadedInterpreters.append(loaded)
        host.loadDepth += 1
        defer { host.loadDepth -= 1 }
        try loaded.run(try Parser.parse(text, file: path))
        return .bool(true)
    }

    /// `raise MyError`, `raise MyError, "message"` or `raise MyError.new(...)` for the file's own classes.
    static func raisedObject(_ args: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> RubyError? {
        var exception: RubyInstance
        switch args.first {
        case .object(let type as RubyClass)?:
            let made = try type.call(
                "new", Arguments(positional: Array(args.dropFirst().prefix(1))), interpreter: interpreter, at: location)
            guard case .object(let instance as RubyInstance) = made else { return nil }
            exception = instance
        case .object(let instance as RubyInstance)?:
            exception = instance
        case .object(let builtin as ExceptionObject)?:
            // raise StandardError.new("message"): raised here, with this place.
            return RubyError(builtin.error.message, at: location, className: builtin.error.className)
        default:
            return nil
        }
        let message = try interpreter.stringify(
            try exception.call("message", Arguments(), interpreter: interpreter, at: location), at: location)
        var error = RubyError(message, at: location, className: exception.type.name)
        error.ancestors = exception.type.ancestors
        error.exception = .object(exception)
        return error
    }

    /// What `puts`, `print`, `p` and `warn` print for `args`, as Ruby prints it.
    static func printed(_ name: String, _ args: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> String {
        switch name {
        case "print": return try args.map { try interpreter.stringify($0, at: location) }.joined()
        case "p", "pp": return args.map { $0.inspect + "\n" }.joined()
        default:
            // puts: each argument on its own line, arrays flattened, no line doubled.
            // An array that holds itself prints "[...]" where it recurs, as in Ruby.
            var lines: [String] = []
            var open: Set<ObjectIdentifier> = []
            func add(_ value: Value) throws {
                if case .array(let box) = value {
                    guard !open.contains(ObjectIdentifier(box)), open.count < 64 else {
                        lines.append("[...]")
                        return
                    }
                    open.insert(ObjectIdentifier(box))
                    defer { open.remove(ObjectIdentifier(box)) }
                    if box.items.isEmpty && lines.isEmpty && args.count == 1 { lines.append("") }
                    for item in box.items {
                        try interpreter.tick(at: location)
                        try add(item)
                    }
                    return
                }
                lines.append(try interpreter.stringify(value, at: location))
            }
            for arg in args { try add(arg) }
            if args.isEmpty { lines = [""] }
            return lines.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
        }
    }

    /// The plugins a `vagrant plugin install ...` command line names, nil for any other command.
    static func pluginInstall(_ command: String) -> [String]? {
        let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count >= 3, words[0] == "vagrant", words[1] == "plugin", words[2] == "install" else { return nil }
        return words.dropFirst(3).filter { !$0.hasPrefix("-") }
    }

    static func pluginWarning(_ plugins: [String]) -> String {
        "this project installs the Vagrant plugin\(plugins.count == 1 ? "" : "s") \(plugins.joined(separator: ", ")) with `vagrant plugin install`; boxer does not run Vagrant's plugin commands and reads on as if \(plugins.count == 1 ? "it were" : "they were") missing"
    }

    static let allowedLibraries: Set<String> = [
        "yaml", "json", "fileutils", "pathname", "set", "securerandom", "ipaddr", "rbconfig", "etc", "uri", "socket", "open3", "erb",
        "date", "time", "psych", "digest", "base64", "getoptlong", "ostruct", "resolv", "tempfile", "English", "logger", "pp",
        "shellwords", "timeout", "optparse", "rubygems", "io/console",
    ]

    /// One case per Kernel method a Vagrantfile may call (`puts`, `require`, `raise`, `format`, ...):
    /// a table, over 80 lines on purpose.
    static func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, scope: Scope, at location: SourceLocation) throws
        -> Value
    {
        let args = arguments.all
        switch name {
        case "puts", "print", "p", "pp", "warn", "say":
            interpreter.host.emit(try Self.printed(name, args, interpreter: interpreter, at: location), toError: name == "warn")
            return name == "p" ? (args.count > 1 ? .array(args) : args.first ?? .null) : .null
        case "system":
            if let plugins = Self.pluginInstall(args.map(\.text).joined(separator: " ")) {
                interpreter.host.configurator.warn(Self.pluginWarning(plugins), at: location)
                return .bool(true)
            }
            return try HostCommands.system(arguments, interpreter: interpreter, at: location)
        case "exec":
            let command = args.map(\.text).joined(separator: " ")
            // The plugin dance re-runs vagrant after installing; boxer goes on reading instead.
            if command.hasPrefix("vagrant ") || command == "vagrant" { return .null }
            throw VagrantfileError.execRefused(command, at: location)
        case "exit", "exit!":
            try HostCommands.checkAllowed(name, interpreter: interpreter, at: location)
            let status: Int32
            switch args.first {
            case nil, .bool(true)?: status = 0
            case .bool(false)?: status = 1
            case .int(let code)?: status = Int32(truncatingIfNeeded: code)
            default: throw interpreter.error("no implicit conversion into Integer", at: location, className: "TypeError")
            }
            throw VagrantfileError.programExit(status: status, at: location)
        case "abort":
            try HostCommands.checkAllowed(name, interpreter: interpreter, at: location)
            if let message = args.first { interpreter.host.emit(try interpreter.stringify(message, at: location) + "\n", toError: true) }
            throw VagrantfileError.programExit(status: 1, at: location)
        case "sleep":
            try HostCommands.checkAllowed(name, interpreter: interpreter, at: location)
            let seconds = Builtins.numeric(args.first ?? .int(0)) ?? 0
            if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
            return .int(Int(seconds.rounded()))
        case "rand", "srand":
            return try RandomModule.kernel(name, args, interpreter: interpreter, at: location)
        case "raise", "fail":
            var message = "unhandled exception"
            var className = "RuntimeError"
            if let raised = try Self.raisedObject(args, interpreter: interpreter, at: location) { throw raised }
            if args.count >= 2 {
                className = ClassBodyMethods.typeName(args[0])
                message = try interpreter.stringify(args[1], at: location)
            } else if case .object(let type as TypeObject)? = args.first {
                className = type.name
                message = type.name
            } else if let first = args.first {
                message = try interpreter.stringify(first, at: location)
            }
            throw RubyError(message, at: location, className: className)
        case "eval":
            return try CodeEvaluation.eval(arguments, interpreter: interpreter, scope: scope, at: location)
        case "binding":
            let binding = BindingObject(scope: scope)
            return .object(binding)
        case "load", "require_relative":
            guard case .string(let file)? = args.first else {
                throw interpreter.error("\(name) needs a file name", at: location, className: "TypeError")
            }
            return try load(file, relative: name == "require_relative", interpreter: interpreter, at: location)
        case "require":
            guard case .string(let library)? = args.first else {
                throw interpreter.error("require needs a library name", at: location, className: "ArgumentError")
            }
            if allowedLibraries.contains(library) { return .bool(true) }
            if library.hasPrefix("vagrant") { return .bool(true) }
            // A file of the project's, by path: loaded once, ".rb" optional, as Ruby's require.
            if library.hasPrefix("/") || library.hasPrefix("./") || library.hasPrefix("../") || library.hasPrefix("~") {
                return try load(library, relative: true, interpreter: interpreter, at: location)
            }
            throw VagrantfileError.unsupportedLibrary(library, at: location)
        case "format", "sprintf":
            guard case .string(let template)? = args.first else {
                throw interpreter.error("format needs a format string", at: location, className: "ArgumentError")
            }
            return .string(try Format.format(template, Array(args.dropFirst()), interpreter: interpreter, at: location))
        case "URI":
            return try URIModule.parse(args.first ?? .null, interpreter: interpreter, at: location)
        case "Pathname":
            // Kernel#Pathname(path), as Pathname.new(path).
            return .object(PathnameObject(try interpreter.stringify(args.first ?? .null, at: location)))
        case "Integer":
            switch args.first ?? .null {
            case .int(let value): return .int(value)
            case .float(let value) where value.isFinite && abs(value) < 9e18: return .int(Int(value))
            case .string(let text):
                let trimmed = text.rubyStripped().replacingOccurrences(of: "_", with: "")
                if let value = Int(trimmed) ?? (trimmed.hasPrefix("0x") ? Int(trimmed.dropFirst(2), radix: 16) : nil) { return .int(value) }
                if args.count > 1, case .hash(let options)? = args.last, options[.symbol("exception")]?.isTruthy == false { return .null }
                throw interpreter.error("invalid value for Integer(): \"\(text)\"", at: location, className: "ArgumentError")
            default:
                throw interpreter.error(
                    "can't convert \((args.first ?? .null).typeName) into Integer", at: location, className: "TypeError")
            }
        case "Float":
            if let number = Builtins.numeric(args.first ?? .null) { return .float(number) }
            if case .string(let text)? = args.first, let number = Double(text.rubyStripped()) { return .float(number) }
            throw interpreter.error("invalid value for Float()", at: location, className: "ArgumentError")
        case "String": return .string(try interpreter.stringify(args.first ?? .null, at: location))
        case "Array":
            switch args.first ?? .null {
            case .array: return args[0]
            case .null: return .array([])
            case .hash(let box): return .array(box.pairs.map { .array([$0.key, $0.value]) })
            default: return .array([args[0]])
            }
        case "Hash":
            if case .hash = args.first ?? .null { return args[0] }
            return .hash(HashBox())
        case "loop":
            guard let block = arguments.block else { throw interpreter.error("loop needs a block", at: location) }
            do {
                while true { _ = try interpreter.callClosure(block, [], at: location) }
            } catch ControlFlow.breakValue(let value) {
                return value
            }
        case "block_given?":
            return .bool((interpreter.givenBlocks.last ?? nil) != nil)
        case "lambda", "proc":
            guard let block = arguments.block else { throw interpreter.error("\(name) needs a block", at: location) }
            return .proc(block)
        case "catch":
            return try interpreter.yieldTo(arguments.block, [], method: name, at: location)
        case "freeze", "frozen?":
            return .null
        case "include":
            // At top level (a class body has its own): the modules join Object's ancestors.
            for module in try ClassBodyMethods.modules(arguments.positional, interpreter: interpreter, at: location)
            where !interpreter.host.includedModules.contains(where: { $0 === module }) {
                interpreter.host.includedModules.append(module)
            }
            return .object(TypeObject("Object"))
        case "attr_accessor", "attr_reader", "attr_writer", "extend", "private", "public", "protected", "module_function":
            throw VagrantfileError.classBodyMethod(name, at: location)
        default:
            throw interpreter.error("undefined local variable or method '\(name)'", at: location, className: "NameError")
        }
    }
}
