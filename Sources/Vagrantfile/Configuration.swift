import Foundation

/// A machine's settings while the Vagrantfile runs, before defaults and types are applied.
struct MachineDraft {
    struct NetworkEntry {
        var type: String
        var id: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct FolderEntry {
        var id: String
        var hostPath: String
        var guestPath: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct ProvisionerEntry {
        var name: String?
        var type: String
        var options: [String: ConfigValue]
        var location: SourceLocation
    }

    struct ProviderBlock {
        var provider: String
        var block: Closure?
        var location: SourceLocation
    }

    var vm: [String: ConfigValue] = [:]
    var networks: [NetworkEntry] = []
    var syncedFolders: [FolderEntry] = []
    var provisioners: [ProvisionerEntry] = []
    var providerBlocks: [ProviderBlock] = []
    var ssh: [String: ConfigValue] = [:]
    var unnamedNetworks = 0
}

/// A mutable home for a draft, shared by the config objects that write into it.
final class DraftBox {
    var draft: MachineDraft
    var touched = false
    init(_ draft: MachineDraft) { self.draft = draft }
}

/// Collects what `Vagrant.configure` blocks declare and turns it into machines.
final class ConfigurationCollector {
    struct Definition {
        var name: String
        var options: [String: ConfigValue]
        var blocks: [Closure]
        var location: SourceLocation
    }

    let global = DraftBox(MachineDraft())
    private(set) var definitions: [Definition] = []
    /// Machine name → its place in `definitions`: a define is found in constant time (a
    /// Vagrantfile that defines machines in a loop of thousands stays linear).
    private var definitionIndex: [String: Int] = [:]
    var warnings: [Diagnostic] = []
    var configured = false

    func warn(_ message: String, at location: SourceLocation) {
        let diagnostic = Diagnostic(location: location, message: message)
        if !warnings.contains(diagnostic) { warnings.append(diagnostic) }
    }

    func configure(_ block: Closure, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        configured = true
        let config = ConfigObject(box: global, collector: self, level: .global)
        return try interpreter.callClosure(block, [.object(config)], at: location)
    }

    func define(_ name: String, options: [String: ConfigValue], block: Closure?, at location: SourceLocation) {
        if let index = definitionIndex[name] {
            definitions[index].options.merge(options) { $1 }
            if let block { definitions[index].blocks.append(block) }
        } else {
            definitionIndex[name] = definitions.count
            definitions.append(Definition(name: name, options: options, blocks: block.map { [$0] } ?? [], location: location))
        }
    }

    /// Every machine, its define blocks and provider blocks run now, in definition order.
    func machines(interpreter: Interpreter) throws -> [Machine] {
        let definitions = self.definitions.isEmpty
            ? [Definition(name: "default", options: [:], blocks: [], location: SourceLocation(file: interpreter.file, line: 1, column: 1))]
            : self.definitions
        var machines: [Machine] = []
        for definition in definitions {
            let box = DraftBox(global.draft)
            let config = ConfigObject(box: box, collector: self, level: .machine)
            for block in definition.blocks {
                _ = try block.call([.object(config)], at: block.location)
            }
            var providers: [String: ProviderSettingsBox] = [:]
            var overrides: [String: DraftBox] = [:]
            var order: [String] = []
            for providerBlock in box.draft.providerBlocks {
                let settings = providers[providerBlock.provider] ?? ProviderSettingsBox(name: providerBlock.provider)
                providers[providerBlock.provider] = settings
                if !order.contains(providerBlock.provider) { order.append(providerBlock.provider) }
                guard let block = providerBlock.block else { continue }
                var base = box.draft
                base.providerBlocks = []
                let override = overrides[providerBlock.provider] ?? DraftBox(base)
                overrides[providerBlock.provider] = override
                let overrideConfig = ConfigObject(box: override, collector: self, level: .override)
                _ = try block.call([.object(ProviderConfigObject(settings: settings, collector: self)), .object(overrideConfig)], at: providerBlock.location)
            }
            var machine = try MachineBuilder.build(name: definition.name, options: definition.options, draft: box.draft, providers: providers, order: order, collector: self)
            for (provider, override) in overrides where override.touched {
                let overridden = try MachineBuilder.build(name: definition.name, options: definition.options, draft: override.draft, providers: providers, order: order, collector: self)
                machine.providerOverrides[provider] = MachineOverride(overridden)
            }
            machines.append(machine)
        }
        if machines.filter(\.primary).count > 1 {
            throw VagrantfileError(.configuration, at: definitions.first?.location, "more than one machine is marked primary: \(machines.filter(\.primary).map(\.name).joined(separator: ", "))", hint: "mark one machine with primary: true")
        }
        return machines
    }
}

/// Converts interpreter values into settings values.
enum Settings {
    static func value(_ value: Value, at location: SourceLocation, interpreter: Interpreter, depth: Int = 0) throws -> ConfigValue {
        guard depth < 32 else {
            throw VagrantfileError(.configuration, at: location, "a setting's value is nested more than 32 levels deep (does an array contain itself?)")
        }
        try interpreter.tick(at: location)
        switch value {
        case .null: return .null
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .float(let v): return .double(v)
        case .string(let v), .symbol(let v): return .string(v)
        case .array(let box): return .array(try box.items.map { try Self.value($0, at: location, interpreter: interpreter, depth: depth + 1) })
        case .hash(let box):
            var object: [String: ConfigValue] = [:]
            for pair in box.pairs { object[pair.key.text] = try Self.value(pair.value, at: location, interpreter: interpreter, depth: depth + 1) }
            return .object(object)
        case .range(let low, let high, let exclusive):
            return .string("\(low.map(String.init) ?? "")\(exclusive ? "..." : "..")\(high.map(String.init) ?? "")")
        case .object(let object as EnvironmentObject):
            return .object(object.environment.mapValues { .string($0) })
        default:
            throw VagrantfileError(.configuration, at: location, "a \(value.typeName) cannot be a setting's value")
        }
    }

    static func options(_ arguments: Arguments, at location: SourceLocation, interpreter: Interpreter) throws -> [String: ConfigValue] {
        var options: [String: ConfigValue] = [:]
        for pair in arguments.keywords?.pairs ?? [] {
            options[pair.key.text] = try value(pair.value, at: location, interpreter: interpreter)
        }
        return options
    }

    static func back(_ value: ConfigValue) -> Value {
        switch value {
        case .null: return .null
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .double(let v): return .float(v)
        case .string(let v): return .string(v)
        case .array(let v): return .array(v.map(back))
        case .object(let v): return .hash(HashBox(v.keys.sorted().map { (.symbol($0), back(v[$0] ?? .null)) }))
        }
    }
}

/// Settings a provider block writes into.
final class ProviderSettingsBox {
    var settings: ProviderSettings
    init(name: String) {
        settings = ProviderSettings(name: name, values: [:], customizations: [], vmx: [:], calls: [])
    }
}

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

    /// Plugin namespaces boxer accepts and ignores, with a warning.
    static let pluginNamespaces: Set<String> = ["hostmanager", "vbguest", "cache", "proxy", "disksize", "env", "persistent_storage", "hostsupdater", "landrush", "berkshelf", "omnibus", "librarian_chef", "r10k", "dns", "registration", "timezone", "git", "sshfs", "notify_forwarder", "winnfsd", "bindfs", "nfs", "docker_compose", "scp", "secret"]

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if let existing = namespaces[method] { return existing }
        let value: Value
        switch method {
        case "vm": value = .object(VMConfigObject(box: box, collector: collector, level: level))
        case "ssh": value = .object(SSHConfigObject(box: box, collector: collector))
        case "vagrant", "winrm", "winssh", "push", "package", "cloud":
            value = .object(IgnoredNamespace(name: method, collector: collector, warn: false))
        case "trigger":
            value = .object(IgnoredNamespace(name: method, collector: collector, warn: true, message: "config.trigger is not supported by boxer yet; triggers are ignored"))
        case "to_s", "inspect": return .string("#<Vagrant::Config::V2::Root>")
        default:
            if Self.pluginNamespaces.contains(method) || method.contains("_") {
                value = .object(IgnoredNamespace(name: method, collector: collector, warn: true, message: "config.\(method) belongs to a Vagrant plugin boxer does not have; its settings are ignored"))
            } else {
                throw VagrantfileError(.configuration, at: location, "config.\(method) is not a Vagrant configuration namespace", hint: "the namespaces are config.vm, config.ssh, config.vagrant, config.winrm and config.trigger")
            }
        }
        namespaces[method] = value
        return value
    }
}

/// `config.vagrant`, `config.trigger`, plugin namespaces: everything is accepted and ignored.
final class IgnoredNamespace: RubyObject {
    let name: String
    unowned let collector: ConfigurationCollector
    let warn: Bool
    let message: String?
    init(name: String, collector: ConfigurationCollector, warn: Bool, message: String? = nil) {
        self.name = name
        self.collector = collector
        self.warn = warn
        self.message = message
    }
    var typeName: String { "Object" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if warn, let message { collector.warn(message, at: location) }
        if method.hasSuffix("=") { return arguments.positional.first ?? .null }
        return .object(self)
    }
}

/// `config.vm`.
final class VMConfigObject: RubyObject {
    let box: DraftBox
    unowned let collector: ConfigurationCollector
    let level: ConfigObject.Level

    init(box: DraftBox, collector: ConfigurationCollector, level: ConfigObject.Level) {
        self.box = box
        self.collector = collector
        self.level = level
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::VMConfig" }

    static let settings: Set<String> = [
        "box", "box_version", "box_url", "box_check_update", "box_architecture", "box_download_insecure",
        "box_download_checksum", "box_download_checksum_type", "box_download_client_cert", "box_download_ca_cert",
        "box_download_ca_path", "box_download_location_trusted", "box_download_options", "box_server_url",
        "hostname", "boot_timeout", "communicator", "base_mac", "base_address", "guest", "graceful_halt_timeout",
        "post_up_message", "usable_port_range", "allow_hosts_modification", "allow_fstab_modification",
        "allowed_synced_folder_types", "ignore_box_vagrantfile",
    ]

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            guard Self.settings.contains(key) else {
                collector.warn("The following settings shouldn't exist: vm.\(key)", at: location)
                return arguments.positional.first ?? .null
            }
            box.draft.vm[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            box.touched = true
            return arguments.positional.first ?? .null
        }
        switch method {
        case "network": try network(arguments, interpreter: interpreter, at: location)
        case "synced_folder": try syncedFolder(arguments, interpreter: interpreter, at: location)
        case "provider":
            guard let name = arguments.positional.first?.text, !name.isEmpty else {
                throw VagrantfileError(.configuration, at: location, "config.vm.provider needs a provider name, e.g. config.vm.provider \"virtualbox\" do |vb| … end")
            }
            box.draft.providerBlocks.append(.init(provider: name, block: arguments.block, location: location))
            box.touched = true
        case "provision": try provision(arguments, interpreter: interpreter, at: location)
        case "define":
            guard level == .global else {
                throw VagrantfileError(.configuration, at: location, "config.vm.define can only be used at the top level of Vagrant.configure, not inside another define or a provider block")
            }
            guard let name = arguments.positional.first?.text, !name.isEmpty else {
                throw VagrantfileError(.configuration, at: location, "config.vm.define needs a machine name")
            }
            // A plain character check: a regular expression here would start ICU on every `status`.
            guard name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0) }) else {
                throw VagrantfileError(.configuration, at: location, "'\(name)' is not a valid machine name: use letters, digits, '.', '_' and '-'")
            }
            // The name is a folder under .vagrant/machines: "." and ".." would be another machine's.
            guard name != "." && name != ".." else {
                throw VagrantfileError(.configuration, at: location, "'\(name)' is not a valid machine name: it would name the folder .vagrant/machines/\(name), which is not a machine's own; use letters, digits, '.', '_' and '-' with at least one letter or digit")
            }
            collector.define(name, options: try Settings.options(arguments, at: location, interpreter: interpreter), block: arguments.block, at: location)
        case "disk", "cloud_init":
            var list: [ConfigValue] = []
            if case .array(let existing)? = box.draft.vm[method + "s"] { list = existing }
            var entry = try Settings.options(arguments, at: location, interpreter: interpreter)
            entry["type"] = .string(arguments.positional.first?.text ?? "")
            list.append(.object(entry))
            box.draft.vm[method + "s"] = .array(list)
            box.touched = true
        default:
            if Self.settings.contains(method) {
                return box.draft.vm[method].map(Settings.back) ?? .null
            }
            if method == "networks" { return .array(box.draft.networks.map { .array([.symbol($0.type), Settings.back(.object($0.options))]) }) }
            throw interpreter.error("undefined method '\(method)' for config.vm", at: location, className: "NoMethodError")
        }
        return .null
    }

    private func network(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        guard let type = arguments.positional.first?.text else {
            throw VagrantfileError(.configuration, at: location, "config.vm.network needs a type: \"forwarded_port\", \"private_network\" or \"public_network\"")
        }
        var options = try Settings.options(arguments, at: location, interpreter: interpreter)
        if arguments.positional.count > 1, case .hash = arguments.positional[1] {
            if case .object(let extra) = try Settings.value(arguments.positional[1], at: location, interpreter: interpreter) { options.merge(extra) { $1 } }
        }
        let normalized = type == "hostonly" ? "private_network" : type == "bridged" ? "public_network" : type
        guard ["forwarded_port", "private_network", "public_network"].contains(normalized) else {
            throw VagrantfileError(.configuration, at: location, "'\(type)' is not a network type", hint: "use \"forwarded_port\", \"private_network\" or \"public_network\"")
        }
        let id: String
        if let given = options["id"]?.string {
            id = given
        } else if normalized == "forwarded_port" {
            id = (options["host_ip"]?.string ?? "") + (options["protocol"]?.string ?? "tcp") + (options["host"]?.string ?? "")
        } else {
            box.draft.unnamedNetworks += 1
            id = "\(normalized)-\(box.draft.unnamedNetworks)"
        }
        if let index = box.draft.networks.firstIndex(where: { $0.type == normalized && $0.id == id }) {
            box.draft.networks[index].options.merge(options) { $1 }
            box.draft.networks[index].location = location
        } else {
            box.draft.networks.append(.init(type: normalized, id: id, options: options, location: location))
        }
        box.touched = true
    }

    private func syncedFolder(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        guard arguments.positional.count >= 2 else {
            throw VagrantfileError(.configuration, at: location, "config.vm.synced_folder needs a host path and a guest path, e.g. config.vm.synced_folder \".\", \"/vagrant\"")
        }
        let host = arguments.positional[0].text
        let guest = arguments.positional[1].text
        let options = try Settings.options(arguments, at: location, interpreter: interpreter)
        // Vagrant merges folders by `name:` (else the guest path); `id:` is the provider's share name.
        let id = options["name"]?.string ?? guest
        if let index = box.draft.syncedFolders.firstIndex(where: { $0.id == id }) {
            box.draft.syncedFolders[index].hostPath = host
            box.draft.syncedFolders[index].guestPath = guest
            box.draft.syncedFolders[index].options.merge(options) { $1 }
        } else {
            box.draft.syncedFolders.append(.init(id: id, hostPath: host, guestPath: guest, options: options, location: location))
        }
        box.touched = true
    }

    private func provision(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        guard let first = arguments.positional.first?.text else {
            throw VagrantfileError(.configuration, at: location, "config.vm.provision needs a type, e.g. config.vm.provision \"shell\", inline: \"…\"")
        }
        var options = try Settings.options(arguments, at: location, interpreter: interpreter)
        var name: String?
        var type = first
        if let given = options.removeValue(forKey: "type")?.string {
            name = first
            type = given
        }
        let provisioner = ProvisionerConfigObject(type: type, options: options, collector: collector)
        if let block = arguments.block {
            _ = try block.call([.object(provisioner)], at: location)
        }
        options = provisioner.options
        if !["shell", "file"].contains(type) {
            collector.warn("the \(type) provisioner is not supported by boxer yet; it will be skipped", at: location)
        }
        let entry = MachineDraft.ProvisionerEntry(name: name, type: type, options: options, location: location)
        if let name, let index = box.draft.provisioners.firstIndex(where: { $0.name == name }) {
            // A named provisioner defined again (e.g. in a define block) replaces the earlier one in place.
            box.draft.provisioners[index].options.merge(options) { $1 }
            box.draft.provisioners[index].type = type
        } else {
            box.draft.provisioners.append(entry)
        }
        box.touched = true
    }
}

/// The object a `provision … do |s|` block configures.
final class ProvisionerConfigObject: RubyObject {
    let type: String
    var options: [String: ConfigValue]
    unowned let collector: ConfigurationCollector

    static let known: [String: Set<String>] = [
        "shell": ["inline", "path", "args", "privileged", "env", "upload_path", "name", "binary", "keep_color", "powershell_args", "powershell_elevated_interactive", "reboot", "reset", "sensitive", "md5", "sha1", "sha256", "sha384", "sha512", "run", "preserve_order", "before", "after", "communicator_required", "reset", "ssh_remote_user"],
        "file": ["source", "destination", "run", "preserve_order", "before", "after", "communicator_required"],
    ]

    init(type: String, options: [String: ConfigValue], collector: ConfigurationCollector) {
        self.type = type
        self.options = options
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Provisioner" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if let known = Self.known[type], !known.contains(key) {
                collector.warn("The following settings shouldn't exist: \(type) provisioner \(key)", at: location)
            }
            options[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            return arguments.positional.first ?? .null
        }
        if let value = options[method] { return Settings.back(value) }
        if Self.known[type]?.contains(method) ?? true { return .null }
        throw interpreter.error("undefined method '\(method)' for the \(type) provisioner", at: location, className: "NoMethodError")
    }
}

/// `config.ssh`.
final class SSHConfigObject: RubyObject {
    let box: DraftBox
    unowned let collector: ConfigurationCollector
    static let known: Set<String> = ["username", "password", "insert_key", "private_key_path", "shell", "forward_agent", "forward_x11", "forward_env", "port", "guest_port", "host", "keep_alive", "config", "extra_args", "connect_timeout", "compression", "dsa_authentication", "sudo_command", "pty", "keys_only", "paranoid", "verify_host_key", "export_command_template", "remote_user", "proxy_command", "key_type", "connect_retries", "connect_retry_delay", "max_tries", "ignore_known_hosts"]

    init(box: DraftBox, collector: ConfigurationCollector) {
        self.box = box
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::SSHConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if !Self.known.contains(key) { collector.warn("The following settings shouldn't exist: ssh.\(key)", at: location) }
            box.draft.ssh[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            box.touched = true
            return arguments.positional.first ?? .null
        }
        if let value = box.draft.ssh[method] { return Settings.back(value) }
        if Self.known.contains(method) { return .null }
        throw interpreter.error("undefined method '\(method)' for config.ssh", at: location, className: "NoMethodError")
    }
}

/// The first parameter of a provider block (`vb`, `libvirt`, `v`).
final class ProviderConfigObject: RubyObject {
    let settings: ProviderSettingsBox
    unowned let collector: ConfigurationCollector

    /// Keys each provider documents; others produce Vagrant's "shouldn't exist" warning.
    static let known: [String: Set<String>] = [
        "virtualbox": ["name", "gui", "memory", "cpus", "linked_clone", "check_guest_additions", "default_nic_type", "functional_vboxsf", "auto_nat_dns_proxy", "destroy_unused_network_interfaces"],
        "vmware_desktop": ["gui", "memory", "cpus", "linked_clone", "vmx", "whitelist_verified", "allowlist_verified", "clone_directory", "enable_vmrun_ip_lookup", "functional_hgfs", "unmount_default_hgfs", "utility_port", "utility_certificate_path", "ssh_info_public", "force_vmware_license", "nat_device", "port_forward_network_pause", "base_address", "base_mac", "vmx_path"],
        "parallels": ["name", "memory", "cpus", "linked_clone", "linked_clone_snapshot", "regen_src_uuid", "update_guest_tools", "check_guest_tools", "functional_psf", "destroy_unused_network_interfaces"],
    ]

    init(settings: ProviderSettingsBox, collector: ConfigurationCollector) {
        self.settings = settings
        self.collector = collector
    }

    var typeName: String { "ProviderConfig(\(settings.settings.name))" }

    private var providerKey: String {
        ["vmware_fusion", "vmware_workstation"].contains(settings.settings.name) ? "vmware_desktop" : settings.settings.name
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if let known = Self.known[providerKey], !known.contains(key) {
                collector.warn("The following settings shouldn't exist: \(settings.settings.name) provider \(key)", at: location)
            }
            settings.settings.values[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            return arguments.positional.first ?? .null
        }
        switch method {
        case "customize":
            // `customize [...]` or `customize "pre-boot", [...]`.
            let list = arguments.positional.last ?? .null
            guard case .array = list else {
                throw VagrantfileError(.configuration, at: location, "customize needs an array of arguments, e.g. vb.customize [\"modifyvm\", :id, \"--memory\", \"2048\"]")
            }
            guard case .array(let box) = list else { return .null }
            // The symbol `:id` stands for the machine's id, which the driver puts in its place
            // (a string "id" stays as written); other symbols are their names, as `to_s` gives.
            let items = try box.items.map { item throws -> ConfigValue in
                if case .symbol("id") = item { return .string(ProviderSettings.machineIDPlaceholder) }
                return try Settings.value(item, at: location, interpreter: interpreter)
            }
            settings.settings.customizations.append(items)
            return .null
        case "vmx":
            return .object(VMXObject(settings: settings))
        default:
            if let value = settings.settings.values[method], arguments.positional.isEmpty, arguments.keywords == nil { return Settings.back(value) }
            if arguments.positional.isEmpty, arguments.keywords == nil, arguments.block == nil {
                // A getter of a setting not set yet.
                return .null
            }
            var values = try arguments.positional.map { try Settings.value($0, at: location, interpreter: interpreter) }
            if let keywords = arguments.keywords { values.append(try Settings.value(.hash(keywords), at: location, interpreter: interpreter)) }
            settings.settings.calls.append(ProviderCall(name: method, arguments: values))
            return .null
        }
    }
}

/// VMware's `v.vmx["memsize"] = "2048"`.
final class VMXObject: RubyObject {
    let settings: ProviderSettingsBox
    init(settings: ProviderSettingsBox) { self.settings = settings }
    var typeName: String { "Hash" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "[]=":
            guard arguments.positional.count == 2 else { throw interpreter.error("vmx[key] = value", at: location, className: "ArgumentError") }
            settings.settings.vmx[arguments.positional[0].text] = arguments.positional[1].text
            return arguments.positional[1]
        case "[]":
            return settings.settings.vmx[arguments.positional.first?.text ?? ""].map { .string($0) } ?? .null
        default:
            throw interpreter.error("undefined method '\(method)' for vmx", at: location, className: "NoMethodError")
        }
    }
}
