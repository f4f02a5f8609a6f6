import Foundation
import BoxerSupport
import Yams

/// `format`/`sprintf`/`String#%`: %s %d %i %f %x %o %b %e %% with flags, width and precision.
enum Format {
    static func format(_ template: String, _ values: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> String {
        var output = ""
        var remaining = values[...]
        var characters = template[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            guard character == "%" else { output.append(character); continue }
            if characters.first == "%" { output.append("%"); characters = characters.dropFirst(); continue }
            var flags = ""
            while let flag = characters.first, "-+ 0#".contains(flag) { flags.append(flag); characters = characters.dropFirst() }
            var width = ""
            while let digit = characters.first, digit.isNumber { width.append(digit); characters = characters.dropFirst() }
            var precision: Int?
            if characters.first == "." {
                characters = characters.dropFirst()
                var digits = ""
                while let digit = characters.first, digit.isNumber { digits.append(digit); characters = characters.dropFirst() }
                precision = Int(digits) ?? 0
            }
            guard let conversion = characters.first else {
                throw interpreter.error("incomplete format specifier in \"\(template)\"", at: location, className: "ArgumentError")
            }
            characters = characters.dropFirst()
            guard let value = remaining.first else {
                throw interpreter.error("too few arguments for format \"\(template)\"", at: location, className: "ArgumentError")
            }
            remaining = remaining.dropFirst()
            var body: String
            switch conversion {
            case "s": body = try interpreter.stringify(value, at: location); if let precision { body = String(body.prefix(precision)) }
            case "p": body = value.inspect
            case "d", "i", "u":
                let number: Int
                switch value {
                case .int(let v): number = v
                case .float(let v) where v.isFinite && abs(v) < 9e18: number = Int(v.rounded(.down))
                case .string(let v): guard let parsed = Int(v) else { throw interpreter.error("invalid value for Integer(): \"\(v)\"", at: location, className: "ArgumentError") }; number = parsed
                default: throw interpreter.error("can't convert \(value.typeName) into Integer", at: location, className: "TypeError")
                }
                body = String(number.magnitude)
                if let precision, body.count < min(precision, 10_000) { body = String(repeating: "0", count: min(precision, 10_000) - body.count) + body }
                if number < 0 { body = "-" + body } else if flags.contains("+") { body = "+" + body } else if flags.contains(" ") { body = " " + body }
            case "f", "e", "g":
                guard let number = Builtins.numeric(value) ?? (value.text.isEmpty ? nil : Double(value.text)) else {
                    throw interpreter.error("can't convert \(value.typeName) into Float", at: location, className: "TypeError")
                }
                body = String(format: "%\(flags.contains("+") ? "+" : "").\(min(precision ?? 6, 30))\(conversion)", number)
            case "x", "X", "o", "b":
                guard case .int(let number) = value else { throw interpreter.error("can't convert \(value.typeName) into Integer", at: location, className: "TypeError") }
                let radix = conversion == "o" ? 8 : conversion == "b" ? 2 : 16
                body = String(number.magnitude, radix: radix, uppercase: conversion == "X")
                if let precision, body.count < min(precision, 10_000) { body = String(repeating: "0", count: min(precision, 10_000) - body.count) + body }
                if number < 0 { body = "-" + body }
            case "c": body = value.text.prefix(1).description
            default:
                throw interpreter.error("malformed format string - %\(conversion)", at: location, className: "ArgumentError")
            }
            if let target = Int(width), target <= 10_000, body.count < target {
                let padding = target - body.count
                if flags.contains("-") {
                    body += String(repeating: " ", count: padding)
                } else if flags.contains("0"), "dfiuxXobe".contains(conversion) {
                    let sign = body.first == "-" || body.first == "+" ? String(body.removeFirst()) : ""
                    body = sign + String(repeating: "0", count: padding) + body
                } else {
                    body = String(repeating: " ", count: padding) + body
                }
            }
            output += body
        }
        return output
    }
}

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
            throw interpreter.error("too many nested or repeated loads (at \(name)); at most \(loadDepthLimit) deep and \(loadCountLimit) in all", at: location, className: "LoadError")
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

    static let allowedLibraries: Set<String> = ["yaml", "json", "fileutils", "pathname", "set", "securerandom", "ipaddr", "rbconfig", "etc", "uri", "socket", "open3", "erb", "date", "time", "psych", "digest", "base64"]

    static func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, scope: Scope, at location: SourceLocation) throws -> Value {
        let args = arguments.all
        switch name {
        case "puts", "print", "p", "pp", "warn", "say":
            // Kept, not printed: `boxer status` output must stay clean. `boxer validate` shows them.
            let line = try args.map { name == "p" || name == "pp" ? $0.inspect : try interpreter.stringify($0, at: location) }.joined(separator: name == "print" ? "" : "\n")
            interpreter.host.output.append(line)
            return name == "p" ? (args.first ?? .null) : .null
        case "raise", "fail":
            var message = "unhandled exception"
            var className = "RuntimeError"
            if args.count >= 2 { className = args[0].text; message = try interpreter.stringify(args[1], at: location) }
            else if case .object(let type as TypeObject)? = args.first { className = type.name; message = type.name }
            else if let first = args.first { message = try interpreter.stringify(first, at: location) }
            throw RubyError(message, at: location, className: className)
        case "load", "require_relative":
            guard case .string(let file)? = args.first else { throw interpreter.error("\(name) needs a file name", at: location, className: "TypeError") }
            return try load(file, relative: name == "require_relative", interpreter: interpreter, at: location)
        case "require":
            guard case .string(let library)? = args.first else { throw interpreter.error("require needs a library name", at: location, className: "ArgumentError") }
            if allowedLibraries.contains(library) { return .bool(true) }
            if library.hasPrefix("vagrant") { return .bool(true) }
            throw VagrantfileError(.unsupported, at: location, "require \"\(library)\" is not supported by boxer", hint: "boxer provides yaml, json, fileutils and a few other standard libraries; keep settings in a YAML or JSON file")
        case "format", "sprintf":
            guard case .string(let template)? = args.first else { throw interpreter.error("format needs a format string", at: location, className: "ArgumentError") }
            return .string(try Format.format(template, Array(args.dropFirst()), interpreter: interpreter, at: location))
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
                throw interpreter.error("can't convert \((args.first ?? .null).typeName) into Integer", at: location, className: "TypeError")
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
            return .bool(false)
        case "lambda", "proc":
            guard let block = arguments.block else { throw interpreter.error("\(name) needs a block", at: location) }
            return .proc(block)
        case "catch":
            return try interpreter.yieldTo(arguments.block, [], method: name, at: location)
        case "freeze", "frozen?":
            return .null
        case "attr_accessor", "attr_reader", "attr_writer", "include", "extend", "private", "public", "protected", "module_function":
            throw VagrantfileError(.unsupported, at: location, "'\(name)' is not supported by boxer", hint: "a Vagrantfile read by boxer may define plain methods with def, but no classes or modules")
        default:
            throw interpreter.error("undefined local variable or method '\(name)'", at: location, className: "NameError")
        }
    }
}

/// Constants a Vagrantfile sees: `Vagrant`, `ENV`, `File`, `Dir`, `YAML`, `JSON`, class names.
final class VagrantHost {
    /// The version boxer answers `Vagrant::VERSION` and `Vagrant.require_version` with.
    static let vagrantVersion = "2.4.1"
    /// Plugins whose configuration boxer reads itself.
    static let knownPlugins: Set<String> = ["vagrant-libvirt", "vagrant-qemu"]

    let configurator: ConfigurationCollector
    private var cache: [String: Value] = [:]
    /// Files read with `load`/`require_relative`, their interpreters (released with the rest
    /// when the environment is built) and how deep the current load is.
    var loadedFiles: Set<String> = []
    /// Methods defined with `def` at top level and `$globals` belong to the whole program, as in
    /// Ruby: a helper defined in a loaded file is callable from the Vagrantfile that loaded it.
    var methods: [String: (parameters: [Parameter], body: [Node])] = [:]
    var globals: [String: Value] = [:]
    /// What `puts` and friends printed, in order, from every file.
    var output: [String] = []
    var loadedInterpreters: [Interpreter] = []
    var loadDepth = 0

    init(configurator: ConfigurationCollector) {
        self.configurator = configurator
    }

    /// Drops what the program defined once the environment has been built (closures in it
    /// refer back to scopes).
    func release() {
        for interpreter in loadedInterpreters { interpreter.releaseCycles() }
        loadedInterpreters.removeAll()
        methods.removeAll()
        globals.removeAll()
        cache.removeAll()
    }

    func constant(_ name: String, interpreter: Interpreter) -> Value? {
        if let value = cache[name] { return value }
        let value: Value?
        switch name {
        case "Vagrant": value = .object(VagrantModule(host: self))
        case "ENV": value = .object(EnvironmentObject(environment: interpreter.environment))
        case "File": value = .object(FileModule())
        case "Dir": value = .object(DirModule())
        case "YAML", "Psych": value = .object(YAMLModule())
        case "JSON": value = .object(JSONModule())
        case "RUBY_PLATFORM": value = .string("x86_64-linux")
        case "RUBY_VERSION": value = .string("3.1.2")
        case "ARGV": value = .array([])
        case "Integer", "Float", "String", "Symbol", "Array", "Hash", "Range", "Numeric", "NilClass", "TrueClass", "FalseClass", "Proc", "Object", "StandardError", "RuntimeError", "ArgumentError", "KeyError", "Exception", "Errno", "IOError", "TypeError", "NameError":
            value = .object(TypeObject(name))
        case "Process", "Kernel", "IO", "Open3", "Socket", "Class", "Module", "ObjectSpace", "Thread", "Fiber":
            value = .object(ForbiddenModule(name: name))
        default: value = nil
        }
        if let value { cache[name] = value }
        return value
    }
}

/// Modules boxer refuses as a whole: they run programs or reach into the interpreter.
final class ForbiddenModule: RubyObject {
    let name: String
    init(name: String) { self.name = name }
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        throw VagrantfileError(.unsupported, at: location, "\(name).\(method) is not supported by boxer", hint: name == "Class" || name == "Module"
            ? "a Vagrantfile read by boxer may define plain methods with def, but no classes or modules"
            : "boxer does not run programs or touch the host while reading a Vagrantfile")
    }
}

/// `Vagrant.configure`, `Vagrant.require_version`, `Vagrant.has_plugin?`, `Vagrant::VERSION`.
final class VagrantModule: RubyObject {
    unowned let host: VagrantHost
    init(host: VagrantHost) { self.host = host }
    var typeName: String { "Module" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "configure":
            let version = arguments.positional.first?.text ?? ""
            guard version == "2" else {
                throw VagrantfileError(.configuration, at: location, "Vagrant.configure(\"\(version)\") is not supported by boxer", hint: "boxer reads version 2 configurations: Vagrant.configure(\"2\") do |config| … end")
            }
            guard let block = arguments.block else { throw interpreter.error("Vagrant.configure needs a block", at: location) }
            return try host.configurator.configure(block, interpreter: interpreter, at: location)
        case "require_version":
            let have = VagrantHost.vagrantVersion
            for requirement in arguments.positional.map(\.text) {
                guard VersionCheck.satisfies(have, requirement) else {
                    throw VagrantfileError(.configuration, at: location, "this Vagrantfile requires Vagrant \(requirement); boxer is compatible with Vagrant \(have)", hint: "relax Vagrant.require_version if the file works with \(have)")
                }
            }
            return .bool(true)
        case "has_plugin?":
            return .bool(VagrantHost.knownPlugins.contains(arguments.positional.first?.text ?? ""))
        case "VERSION", "version":
            return .string(VagrantHost.vagrantVersion)
        case "plugin":
            throw VagrantfileError(.unsupported, at: location, "defining Vagrant plugins is not supported by boxer", hint: "remove the plugin definition; boxer reads configuration only")
        case "Util", "Config", "Errors", "UI":
            return .object(ForbiddenModule(name: "Vagrant::\(method)"))
        default:
            throw interpreter.error("undefined method '\(method)' for Vagrant", at: location, className: "NoMethodError")
        }
    }
}

/// Minimal RubyGems-style version constraint check for `Vagrant.require_version`.
enum VersionCheck {
    static func parts(_ text: String) -> [Int] {
        text.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 }
    }

    static func compare(_ a: String, _ b: String) -> Int {
        let x = parts(a), y = parts(b)
        for index in 0..<max(x.count, y.count) {
            let left = index < x.count ? x[index] : 0, right = index < y.count ? y[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }

    static func satisfies(_ version: String, _ requirement: String) -> Bool {
        requirement.split(separator: ",").allSatisfy { clause in
            let text = clause.rubyStripped()
            for op in [">=", "<=", "~>", "!=", ">", "<", "="] where text.hasPrefix(op) {
                let target = text.dropFirst(op.count).rubyStripped()
                let order = compare(version, target)
                switch op {
                case ">=": return order >= 0
                case "<=": return order <= 0
                case ">": return order > 0
                case "<": return order < 0
                case "!=": return order != 0
                case "~>":
                    var upper = parts(target)
                    if upper.count > 1 { upper.removeLast() }
                    guard let last = upper.indices.last else { return false }
                    upper[last] = upper[last] &+ 1
                    return order >= 0 && compare(version, upper.map(String.init).joined(separator: ".")) < 0
                default: return order == 0
                }
            }
            return compare(version, text) == 0
        }
    }
}

/// `ENV["X"]`, `ENV.fetch`, `ENV.key?`: reads only; the process environment is never changed.
final class EnvironmentObject: RubyObject {
    let environment: [String: String]
    private var assigned: [String: String] = [:]
    init(environment: [String: String]) { self.environment = environment }
    var typeName: String { "Object" }

    func value(_ key: String) -> String? { assigned[key] ?? environment[key] }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let key = arguments.positional.first?.text ?? ""
        switch method {
        case "[]": return value(key).map { .string($0) } ?? .null
        case "fetch":
            if let found = value(key) { return .string(found) }
            if arguments.positional.count > 1 { return arguments.positional[1] }
            if let block = arguments.block { return try interpreter.callClosure(block, [.string(key)], at: location) }
            throw interpreter.error("key not found: \"\(key)\"", at: location, className: "KeyError")
        case "key?", "has_key?", "include?", "member?": return .bool(value(key) != nil)
        case "[]=", "store":
            // Visible to the rest of the file, never exported to the host process.
            assigned[key] = arguments.positional.count > 1 ? arguments.positional[1].text : nil
            return arguments.positional.last ?? .null
        case "to_h", "to_hash": return .hash(HashBox(environment.merging(assigned) { $1 }.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }))
        case "keys": return .array(environment.keys.sorted().map { .string($0) })
        case "delete": assigned[key] = nil; return .null
        default: throw interpreter.error("undefined method '\(method)' for ENV", at: location, className: "NoMethodError")
        }
    }
}

/// `File.join`, `dirname`, `basename`, `extname`, `expand_path`, `exist?`, `file?`, `directory?`, `read`, `readlines`.
final class FileModule: RubyObject {
    var typeName: String { "Class" }

    /// Files a Vagrantfile reads are settings: regular files of at most 16 MiB (never /dev/zero).
    static let readLimit = 16 << 20

    static func readText(_ name: String, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        do {
            return try HostFiles.readText(at: resolve(name, interpreter: interpreter), limit: readLimit)
        } catch .missing {
            throw interpreter.error("No such file or directory @ rb_sysopen - \(name)", at: location, className: "Errno::ENOENT")
        } catch .notRegularFile {
            throw interpreter.error("\(name) is not a regular file", at: location, className: "Errno::EINVAL")
        } catch .tooLarge {
            throw interpreter.error("\(name) is larger than \(readLimit >> 20) MiB", at: location, className: "IOError")
        } catch .notUTF8 {
            throw interpreter.error("\(name) is not UTF-8 text", at: location, className: "IOError")
        } catch {
            throw interpreter.error("\(name): \(error.explanation)", at: location, className: "IOError")
        }
    }

    static func resolve(_ path: String, interpreter: Interpreter) -> String {
        var expanded = path
        if expanded.hasPrefix("~") { expanded = (interpreter.environment["HOME"] ?? NSHomeDirectory()) + expanded.dropFirst() }
        if !expanded.hasPrefix("/") { expanded = interpreter.directory + "/" + expanded }
        return (expanded as NSString).standardizingPath
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.positional.map(\.text)
        let first = args.first ?? ""
        switch method {
        case "join":
            let joined = args.filter { !$0.isEmpty }.enumerated().map { $0.offset == 0 ? $0.element : $0.element.trimming("/") }.joined(separator: "/")
            var collapsed = ""
            for character in joined where !(character == "/" && collapsed.last == "/") { collapsed.append(character) }
            return .string(collapsed)
        case "dirname": return .string((first as NSString).deletingLastPathComponent.isEmpty ? "." : (first as NSString).deletingLastPathComponent)
        case "basename":
            var base = (first as NSString).lastPathComponent
            if args.count > 1 {
                let suffix = args[1]
                if suffix == ".*" { base = (base as NSString).deletingPathExtension } else if base.hasSuffix(suffix) { base = String(base.dropLast(suffix.count)) }
            }
            return .string(base)
        case "extname": let ext = (first as NSString).pathExtension; return .string(ext.isEmpty ? "" : "." + ext)
        case "expand_path", "absolute_path", "realpath":
            if args.count > 1 {
                let base = Self.resolve(args[1], interpreter: interpreter)
                return .string(first.hasPrefix("/") || first.hasPrefix("~") ? Self.resolve(first, interpreter: interpreter) : ((base + "/" + first) as NSString).standardizingPath)
            }
            return .string(Self.resolve(first, interpreter: interpreter))
        case "exist?", "exists?":
            return .bool(HostFiles.exists(Self.resolve(first, interpreter: interpreter)))
        case "file?", "readable?":
            let kind = HostFiles.kind(of: Self.resolve(first, interpreter: interpreter))
            return .bool(kind != nil && kind != .directory)
        case "directory?":
            return .bool(HostFiles.kind(of: Self.resolve(first, interpreter: interpreter)) == .directory)
        case "read", "readlines", "foreach":
            let text = try Self.readText(first, interpreter: interpreter, at: location)
            if method == "read" { return .string(text) }
            return .array(text.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0) + "\n") })
        case "write", "open", "delete", "chmod", "rename", "symlink", "unlink":
            throw VagrantfileError(.unsupported, at: location, "File.\(method) is not supported by boxer", hint: "reading a Vagrantfile never changes the host; File.read, exist? and join work")
        case "separator", "SEPARATOR": return .string("/")
        default: throw interpreter.error("undefined method '\(method)' for File", at: location, className: "NoMethodError")
        }
    }
}

/// `Dir.pwd`, `Dir.exist?`, `Dir.glob`/`Dir[]` (read-only).
final class DirModule: RubyObject {
    var typeName: String { "Class" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let first = arguments.positional.first?.text ?? ""
        switch method {
        case "pwd", "getwd": return .string(interpreter.directory)
        case "exist?", "exists?":
            return .bool(HostFiles.kind(of: FileModule.resolve(first, interpreter: interpreter)) == .directory)
        case "home": return .string(interpreter.environment["HOME"] ?? NSHomeDirectory())
        case "glob", "[]":
            let pattern = FileModule.resolve(first, interpreter: interpreter)
            let folder = (pattern as NSString).deletingLastPathComponent
            let filePattern = (pattern as NSString).lastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let matched = names.filter { fnmatch(filePattern, $0, 0) == 0 }.sorted().map { Value.string(folder + "/" + $0) }
            return .array(matched)
        default:
            throw VagrantfileError(.unsupported, at: location, "Dir.\(method) is not supported by boxer", hint: "Dir.pwd, Dir.exist? and Dir.glob work")
        }
    }
}

/// Converts parsed YAML/JSON into Ruby values.
enum DataConversion {
    static func value(_ object: Any?) -> Value {
        switch object {
        case nil, is NSNull: return .null
        case let value as Bool: return .bool(value)
        case let value as Int: return .int(value)
        case let value as Double: return value == value.rounded() && abs(value) < 1e15 && !(object is Double) ? .int(Int(value)) : .float(value)
        case let value as String: return .string(value)
        case let value as [Any]: return .array(value.map { Self.value($0) })
        case let value as [String: Any]: return .hash(HashBox(value.keys.sorted().map { (.string($0), Self.value(value[$0])) }))
        case let value as NSNumber: return value.doubleValue == value.doubleValue.rounded() ? .int(value.intValue) : .float(value.doubleValue)
        default: return .string("\(object ?? "")")
        }
    }

    /// Converts a YAML document; aliases share nodes, so a "billion laughs" document is cut off
    /// after a million converted nodes instead of exhausting memory.
    static func yaml(_ node: Yams.Node?) -> Value {
        var budget = 1_000_000
        return yaml(node, budget: &budget)
    }

    private static func yaml(_ node: Yams.Node?, budget: inout Int) -> Value {
        guard let node, budget > 0 else { return .null }
        budget -= 1
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let value = Bool.construct(from: scalar) { return .bool(value) }
                if let value = Int.construct(from: scalar) { return .int(value) }
                if let value = Double.construct(from: scalar) { return .float(value) }
                if NSNull.construct(from: scalar) != nil { return .null }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var pairs: [(Value, Value)] = []
            for pair in mapping { pairs.append((yaml(pair.key, budget: &budget), yaml(pair.value, budget: &budget))) }
            return .hash(HashBox(pairs))
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence { items.append(yaml(item, budget: &budget)) }
            return .array(items)
        case .alias:
            return .null
        }
    }

    static func json(_ value: Value, pretty: Bool, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        func convert(_ value: Value, depth: Int = 0) throws -> Any {
            guard depth < 64 else { throw interpreter.error("nesting of 64 is too deep", at: location, className: "JSON::NestingError") }
            try interpreter.tick(at: location)
            switch value {
            case .null: return NSNull()
            case .bool(let v): return v
            case .int(let v): return v
            case .float(let v): return v
            case .string(let v), .symbol(let v): return v
            case .array(let box): return try box.items.map { try convert($0, depth: depth + 1) }
            case .hash(let box): return Dictionary(try box.pairs.map { ($0.key.text, try convert($0.value, depth: depth + 1)) }, uniquingKeysWith: { $1 })
            default: throw interpreter.error("cannot convert \(value.typeName) to JSON", at: location, className: "TypeError")
            }
        }
        let object = try convert(value)
        let data = try JSONSerialization.data(withJSONObject: object, options: pretty ? [.fragmentsAllowed, .sortedKeys, .prettyPrinted] : [.fragmentsAllowed, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// `YAML.load_file`, `YAML.load`, `YAML.safe_load` (through Yams), `to_yaml` is not offered.
final class YAMLModule: RubyObject {
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let first = arguments.positional.first?.text ?? ""
        let text: String
        switch method {
        case "load_file", "safe_load_file", "unsafe_load_file":
            text = try FileModule.readText(first, interpreter: interpreter, at: location)
        case "load", "safe_load", "unsafe_load":
            text = first
        default:
            throw interpreter.error("undefined method '\(method)' for YAML", at: location, className: "NoMethodError")
        }
        do {
            return DataConversion.yaml(try Yams.compose(yaml: text))
        } catch {
            throw interpreter.error("YAML syntax error in \(method == "load_file" ? first : "the string"): \(error)", at: location, className: "Psych::SyntaxError")
        }
    }
}

/// `JSON.parse`, `JSON.generate`, `JSON.pretty_generate`.
final class JSONModule: RubyObject {
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "parse", "load":
            let text = arguments.positional.first?.text ?? ""
            // Validate as JSON, then read with Yams: JSON is YAML, and Yams keeps key order as Ruby does.
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                throw interpreter.error("unexpected token in JSON: \(String(text.prefix(40)))", at: location, className: "JSON::ParserError")
            }
            let value: Value
            do {
                value = DataConversion.yaml(try Yams.compose(yaml: text))
            } catch {
                throw interpreter.error("JSON parse error: \(error)", at: location, className: "JSON::ParserError")
            }
            if let options = arguments.keywords, options[.symbol("symbolize_names")]?.isTruthy == true { return Self.symbolize(value) }
            return value
        case "generate", "dump":
            return .string(try DataConversion.json(arguments.positional.first ?? .null, pretty: false, interpreter: interpreter, at: location))
        case "pretty_generate":
            return .string(try DataConversion.json(arguments.positional.first ?? .null, pretty: true, interpreter: interpreter, at: location))
        default:
            throw interpreter.error("undefined method '\(method)' for JSON", at: location, className: "NoMethodError")
        }
    }

    static func symbolize(_ value: Value) -> Value {
        switch value {
        case .hash(let box): return .hash(HashBox(box.pairs.map { (.symbol($0.key.text), symbolize($0.value)) }))
        case .array(let box): return .array(box.items.map(symbolize))
        default: return value
        }
    }
}
