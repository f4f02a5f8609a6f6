import BoxerSupport
import Foundation
import Yams

/// Constants a Vagrantfile sees: `Vagrant`, `ENV`, `File`, `Dir`, `YAML`, `JSON`, class names.
final class VagrantHost {
    /// The version boxer answers `Vagrant::VERSION` and `Vagrant.require_version` with.
    static let vagrantVersion = "2.4.1"
    /// Plugins whose configuration boxer reads itself.
    static let knownPlugins: Set<String> = ["vagrant-libvirt", "vagrant-qemu", "vagrant-hostmanager"]

    /// Where `Vagrant.configure` blocks go; a box's layering swaps in a collector of its own.
    var configurator: ConfigurationCollector
    private var cache: [String: Value] = [:]
    /// Files read with `load`/`require_relative`, their interpreters (released with the rest
    /// when the environment is built) and how deep the current load is.
    var loadedFiles: Set<String> = []
    /// Methods defined with `def` at top level and `$globals` belong to the whole program, as in
    /// Ruby: a helper defined in a loaded file is callable from the Vagrantfile that loaded it.
    var methods: [String: (parameters: [Parameter], body: [Node])] = [:]
    var globals: [String: Value] = [:]
    /// The classes and modules the program defines, visible from every file it loads, as in Ruby.
    var userConstants: [String: Value] = [:]
    /// Modules `include`d at top level: as in Ruby they join Object's ancestors, so their
    /// methods are callable, and their constants visible, from anywhere.
    var includedModules: [RubyClass] = []
    /// What `Vagrant.plugin("2")` and `Vagrant.plugin("2", :component)` answered, by component.
    var pluginClasses: [String: RubyClass] = [:]
    /// What `puts` and friends printed, in order, from every file.
    var output: [String] = []
    var loadedInterpreters: [Interpreter] = []
    var loadDepth = 0
    /// How deep `eval`s nest now.
    var evalDepth = 0
    /// Triggers' `ruby` blocks, numbered in the order given; they run when their trigger fires.
    private(set) var triggerBlocks: [Closure] = []

    func registerTriggerBlock(_ block: Closure) -> Int {
        triggerBlocks.append(block)
        return triggerBlocks.count - 1
    }

    /// Whether shell commands, file writes, sleeps and `exit` act on the host (see `HostEffects`).
    let effects: HostEffects
    /// `ARGV` as Vagrant sets it: the command line after the program's name (`["status", "web"]`).
    let arguments: [String]

    init(configurator: ConfigurationCollector, effects: HostEffects = .refused, arguments: [String] = []) {
        self.configurator = configurator
        self.effects = effects
        self.arguments = arguments
    }

    /// Prints for the program (`puts`, `warn`, `$stderr.puts`): kept in `output` and, when host
    /// effects are performed, written to boxer's own stdout or stderr at once, as Vagrant prints it.
    func emit(_ text: String, toError: Bool = false) {
        guard !text.isEmpty else { return }
        output.append(text.hasSuffix("\n") ? String(text.dropLast()) : text)
        if effects == .performed { writeWhole(text, to: toError ? STDERR_FILENO : STDOUT_FILENO) }
    }

    /// `$stdout`, `$stderr`, `$0` and `$PROGRAM_NAME` (boxer's path, as Vagrant's is `/usr/bin/vagrant`).
    func standardGlobal(_ name: String) -> Value? {
        switch name {
        case "$stdout", "$stderr": return .object(StandardStream(host: self, isError: name == "$stderr"))
        case "$0", "$PROGRAM_NAME": return .string(CommandLine.arguments.first ?? "boxer")
        default: return nil
        }
    }

    /// The environment programs run with: the file's, with what it assigned to `ENV[...]`.
    func processEnvironment(_ interpreter: Interpreter) -> [String: String] {
        guard case .object(let object as EnvironmentObject)? = constant("ENV", interpreter: interpreter) else {
            return interpreter.environment
        }
        return object.merged
    }

    /// Drops what the program defined once the environment has been built (closures in it
    /// refer back to scopes).
    func release() {
        for interpreter in loadedInterpreters { interpreter.releaseCycles() }
        loadedInterpreters.removeAll()
        methods.removeAll()
        globals.removeAll()
        userConstants.removeAll()
        pluginClasses.removeAll()
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
        case "ARGV": value = .array(arguments.map(Value.string))
        case "STDOUT", "STDERR": value = .object(StandardStream(host: self, isError: name == "STDERR"))
        case "Random": value = .object(RandomModule())
        case "Regexp": value = .object(RegexpModule())
        case "RbConfig": value = .object(RbConfigModule())
        case "FileUtils": value = .object(FileUtilsModule())
        case "Pathname": value = .object(PathnameObject(nil))
        case "Time", "Gem", "Socket", "IPAddr", "OpenStruct", "Struct": value = .object(StandardLibraryModule(name))
        case "Resolv": value = .object(ResolvModule())
        case "GetoptLong": value = .object(GetoptLongClass())
        case "URI": value = .object(URIModule())
        case "Integer", "Float", "String", "Symbol", "Array", "Hash", "Range", "Numeric", "NilClass", "TrueClass", "FalseClass", "Proc",
            "Object", "StandardError", "RuntimeError", "ArgumentError", "KeyError", "Exception", "Errno", "IOError", "TypeError",
            "NameError":
            value = .object(TypeObject(name))
        case "IO", "Open3": value = .object(CommandOutputModule(name))
        case "Process", "Kernel", "Class", "Module", "ObjectSpace", "Thread", "Fiber":
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
        throw VagrantfileError.forbiddenModuleMethod(name, method, at: location)
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
            guard version == "2" || version == "1" else {
                throw VagrantfileError.unsupportedConfigurationVersion(version, at: location)
            }
            guard let block = arguments.block else { throw interpreter.error("Vagrant.configure needs a block", at: location) }
            if version == "1" { return try host.configurator.configureVersion1(block, interpreter: interpreter, at: location) }
            return try host.configurator.configure(block, interpreter: interpreter, at: location)
        case "require_version":
            let have = VagrantHost.vagrantVersion
            for requirement in arguments.positional.map(\.text) {
                guard VersionCheck.satisfies(have, requirement) else {
                    throw VagrantfileError.vagrantVersionRequired(requirement, have: have, at: location)
                }
            }
            return .bool(true)
        case "has_plugin?":
            return .bool(VagrantHost.knownPlugins.contains(arguments.positional.first?.text ?? ""))
        case "VERSION", "version":
            return .string(VagrantHost.vagrantVersion)
        case "plugin":
            // A plugin the project defines itself: its registrations are recorded, not run.
            let component = arguments.positional.dropFirst().first?.text
            if let known = host.pluginClasses[component ?? ""] { return .object(known) }
            let type = PluginDefinitions.baseClass(component: component, host: host)
            host.pluginClasses[component ?? ""] = type
            return .object(type)
        case "Config":
            return .object(VersionOneConfig(host: host))
        case "Util":
            return .object(StandardLibraryModule("Vagrant::Util"))
        case "Errors", "UI":
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
        let x = parts(a)
        let y = parts(b)
        for index in 0..<max(x.count, y.count) {
            let left = index < x.count ? x[index] : 0
            let right = index < y.count ? y[index] : 0
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

/// `Vagrant::Config.run do |config| ... end`: a version 1 configuration.
final class VersionOneConfig: RubyObject {
    unowned let host: VagrantHost
    init(host: VagrantHost) { self.host = host }
    var typeName: String { "Module" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        guard method == "run", let block = arguments.block else {
            throw VagrantfileError.forbiddenModuleMethod("Vagrant::Config", method, at: location)
        }
        return try host.configurator.configureVersion1(block, interpreter: interpreter, at: location)
    }
}
