import Foundation

/// `config`: the root of a configuration, or the `override` of a provider block.
final class ConfigObject: RubyObject {
    enum Level { case global, machine, override }

    let box: DraftBox
    unowned let collector: ConfigurationCollector
    let level: Level
    private var namespaces: [String: Value] = [:]

    init(box: DraftBox, collector: ConfigurationCollector, level: Level) {
        self.box = box
        self.collector = collector
        self.level = level
    }

    var typeName: String { "Vagrant::Config::V2::Root" }

    /// Vagrant's own sections that boxer accepts and does not use (kernel_v2's, and those of the
    /// plugins Vagrant 2.3.4 ships: guests, rdp, smb).
    static let unusedSections: Set<String> = [
        "winrm", "winssh", "push", "package", "cloud", "nfs", "smb", "rdp", "windows", "solaris", "solaris11", "smartos",
    ]

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if let existing = namespaces[method] { return existing }
        let value: Value
        switch method {
        case "vm": value = .object(VMConfigObject(box: box, collector: collector, level: level))
        case "ssh": value = .object(SSHConfigObject(box: box, collector: collector))
        case "vagrant": value = .object(VagrantSectionObject(collector: collector))
        case _ where Self.unusedSections.contains(method):
            value = .object(IgnoredNamespace(name: method))
        case "trigger": value = .object(TriggerConfigObject(box: box, collector: collector))
        case "hostmanager": value = .object(HostManagerConfigObject(box: box, collector: collector))
        case "to_s", "inspect": return .string("#<Vagrant::Config::V2::Root>")
        default:
            // As in Vagrant: any other section takes every setting, and validation refuses it
            // (a plugin's section, such as landrush, when the plugin is not there).
            collector.problem("Vagrant", "Unknown configuration section '\(method)'.", at: location)
            value = .object(IgnoredNamespace(name: method))
        }
        namespaces[method] = value
        return value
    }
}

/// `config.vagrant`: `plugins` is checked (a plugin boxer does not have stops the reading, as
/// Vagrant stops without a terminal to ask whether to install it); `sensitive` and `host` are
/// accepted.
final class VagrantSectionObject: RubyObject {
    unowned let collector: ConfigurationCollector
    static let known: Set<String> = ["plugins", "sensitive", "host"]

    init(collector: ConfigurationCollector) { self.collector = collector }

    var typeName: String { "VagrantPlugins::Kernel_V2::VagrantConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        guard method.hasSuffix("=") else {
            if Self.known.contains(method) { return .null }
            throw interpreter.error("undefined method '\(method)' for config.vagrant", at: location, className: "NoMethodError")
        }
        let key = String(method.dropLast())
        let value = arguments.positional.first ?? .null
        if !Self.known.contains(key) { collector.problem("Vagrant", "The following settings shouldn't exist: \(key)", at: location) }
        if key == "plugins" {
            let names: [String]
            switch value {
            case .string(let name): names = [name]
            case .symbol(let name): names = [name]
            case .array(let box): names = box.items.map(\.text)
            case .hash(let box): names = box.pairs.map(\.key.text)
            default: names = []
            }
            let missing = names.filter { !VagrantHost.knownPlugins.contains($0) }
            if !missing.isEmpty { collector.missingPlugins.append((missing, location)) }
        }
        return value
    }
}

/// Plugin namespaces and Vagrant's sections boxer does not use: everything is accepted and ignored.
final class IgnoredNamespace: RubyObject {
    let name: String
    init(name: String) { self.name = name }
    var typeName: String { "Object" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") { return arguments.positional.first ?? .null }
        return .object(self)
    }
}

/// `config.ssh`.
final class SSHConfigObject: RubyObject {
    let box: DraftBox
    unowned let collector: ConfigurationCollector
    /// The connection settings (`config.ssh.default` has these alone), then the session's, and
    /// those Vagrant 2.4 added (`key_type`, `connect_retries`, ...), which boxer keeps.
    static let known: Set<String> = SSHDefaultsObject.known.union([
        "shell", "forward_agent", "forward_x11", "forward_env", "guest_port", "keep_alive", "sudo_command", "pty",
        "export_command_template", "proxy_command", "ssh_command", "key_type", "connect_retries", "connect_retry_delay", "max_tries",
        "ignore_known_hosts",
    ])

    init(box: DraftBox, collector: ConfigurationCollector) {
        self.box = box
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::SSHConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if !Self.known.contains(key) { collector.problem("SSH", "The following settings shouldn't exist: \(key)", at: location) }
            let value = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            box.draft.ssh[key] = value
            box.draft.settingLocations["ssh." + key] = location
            box.touched = true
            if key == "private_key_path" { checkKeys(value, at: location) }
            return arguments.positional.first ?? .null
        }
        if method == "default" { return .object(SSHDefaultsObject(box: box, collector: collector)) }
        if let value = box.draft.ssh[method] { return Settings.back(value) }
        if Self.known.contains(method) { return .null }
        throw interpreter.error("undefined method '\(method)' for config.ssh", at: location, className: "NoMethodError")
    }

    /// As Vagrant validates them: every private key file must exist (relative to the project folder).
    private func checkKeys(_ value: ConfigValue, at location: SourceLocation) {
        let paths: [String]
        switch value {
        case .string(let path): paths = [path]
        case .array(let items): paths = items.compactMap(\.string)
        default: paths = []
        }
        for path in paths {
            let expanded = (path as NSString).expandingTildeInPath
            let absolute = expanded.hasPrefix("/") ? expanded : collector.root + "/" + expanded
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) || isFolder.boolValue {
                collector.problem("SSH", "`private_key_path` file must exist: \(path)", at: location)
            }
        }
    }
}

/// `config.ssh.default`: the connection settings used where `config.ssh` sets none (Vagrant's
/// default user and port come from here; boxes' Vagrantfiles set them).
final class SSHDefaultsObject: RubyObject {
    let box: DraftBox
    unowned let collector: ConfigurationCollector
    static let known: Set<String> = [
        "host", "port", "config", "connect_timeout", "private_key_path", "username", "password", "insert_key", "keys_only", "paranoid",
        "verify_host_key", "compression", "dsa_authentication", "extra_args", "remote_user",
    ]

    init(box: DraftBox, collector: ConfigurationCollector) {
        self.box = box
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::SSHConnectConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        var defaults: [String: ConfigValue] = [:]
        if case .object(let stored)? = box.draft.ssh["default"] { defaults = stored }
        let key = method.hasSuffix("=") ? String(method.dropLast()) : method
        if !Self.known.contains(key) {
            collector.problem("SSH Defaults", "The following settings shouldn't exist: \(key)", at: location)
        }
        guard method.hasSuffix("=") else { return defaults[key].map(Settings.back) ?? .null }
        defaults[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
        box.draft.ssh["default"] = .object(defaults)
        box.touched = true
        return arguments.positional.first ?? .null
    }
}
