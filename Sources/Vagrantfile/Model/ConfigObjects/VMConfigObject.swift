import Foundation

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
        "allowed_synced_folder_types", "ignore_box_vagrantfile", "clone",
    ]

    /// The provisioners Vagrant 2.3.4 ships.
    static let vagrantProvisioners: Set<String> = [
        "shell", "file", "ansible", "ansible_local", "cfengine", "chef_apply", "chef_client", "chef_solo", "chef_zero", "container",
        "docker", "podman", "puppet", "puppet_server", "salt",
    ]

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            // `host_name` is Vagrant's alias of `hostname`, kept from version 1.
            let key = method == "host_name=" ? "hostname" : String(method.dropLast())
            guard Self.settings.contains(key) else {
                collector.problem("vm", "The following settings shouldn't exist: \(key)", at: location)
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
                throw VagrantfileError.providerWithoutName(at: location)
            }
            box.draft.providerBlocks.append(.init(provider: name, block: arguments.block, location: location))
            box.touched = true
        case "provision": try provision(arguments, interpreter: interpreter, at: location)
        case "define":
            guard level == .global else {
                throw VagrantfileError.defineNotAtTopLevel(at: location)
            }
            guard let name = arguments.positional.first?.text, !name.isEmpty else {
                throw VagrantfileError.defineWithoutName(at: location)
            }
            // A plain character check: a regular expression here would start ICU on every `status`.
            guard
                name.unicodeScalars.allSatisfy({
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
                })
            else {
                throw VagrantfileError.invalidMachineName(name, at: location)
            }
            // The name is a folder under .vagrant/machines: "." and ".." would be another machine's.
            guard name != "." && name != ".." else {
                throw VagrantfileError.machineNameNamesOtherFolder(name, at: location)
            }
            collector.define(
                name, options: try Settings.options(arguments, at: location, interpreter: interpreter), block: arguments.block, at: location
            )
        case "defined_vms":
            return collector.definedMachines()
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
            if method == "networks" {
                return .array(box.draft.networks.map { .array([.symbol($0.type), Settings.back(.object($0.options))]) })
            }
            throw interpreter.error("undefined method '\(method)' for config.vm", at: location, className: "NoMethodError")
        }
        return .null
    }

    private func network(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        guard let type = arguments.positional.first?.text else {
            throw VagrantfileError.networkWithoutType(at: location)
        }
        var options = try Settings.options(arguments, at: location, interpreter: interpreter)
        if arguments.positional.count > 1, case .hash = arguments.positional[1] {
            if case .object(let extra) = try Settings.value(arguments.positional[1], at: location, interpreter: interpreter) {
                options.merge(extra) { $1 }
            }
        }
        let normalized = type == "hostonly" ? "private_network" : type == "bridged" ? "public_network" : type
        guard ["forwarded_port", "private_network", "public_network"].contains(normalized) else {
            throw VagrantfileError.unknownNetworkType(type, at: location)
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
            throw VagrantfileError.syncedFolderWithoutPaths(at: location)
        }
        let host = arguments.positional[0].text
        let guest = arguments.positional[1].text
        var options = try Settings.options(arguments, at: location, interpreter: interpreter)
        // `synced_folder(hostpath, guestpath, options = nil)`: the options may come as a hash in braces.
        if arguments.positional.count > 2, case .hash(let given) = arguments.positional[2] {
            options.merge(try Settings.options(Arguments(positional: [], keywords: given), at: location, interpreter: interpreter)) { $1 }
        }
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
            throw VagrantfileError.provisionerWithoutType(at: location)
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
        if !Self.vagrantProvisioners.contains(type) {
            // Vagrant's words for a provisioner no plugin provides (vagrant-hosts, vagrant-reload, ...).
            collector.problem("vm", "The '\(name ?? type)' provisioner could not be found.", at: location)
        } else if !["shell", "file"].contains(type) {
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
        "shell": [
            "inline", "path", "args", "privileged", "env", "upload_path", "name", "binary", "keep_color", "powershell_args",
            "powershell_elevated_interactive", "reboot", "reset", "sensitive", "md5", "sha1", "sha256", "sha384", "sha512", "run",
            "preserve_order", "before", "after", "communicator_required", "reset", "ssh_remote_user",
        ],
        "file": ["source", "destination", "run", "preserve_order", "before", "after", "communicator_required"],
    ]

    init(type: String, options: [String: ConfigValue], collector: ConfigurationCollector) {
        self.type = type
        self.options = options
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Provisioner" }

    /// The provisioners Vagrant 2.3.4 ships.
    static let vagrantProvisioners: Set<String> = [
        "shell", "file", "ansible", "ansible_local", "cfengine", "chef_apply", "chef_client", "chef_solo", "chef_zero", "container",
        "docker", "podman", "puppet", "puppet_server", "salt",
    ]

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            // `host_name` is Vagrant's alias of `hostname`, kept from version 1.
            let key = method == "host_name=" ? "hostname" : String(method.dropLast())
            if let known = Self.known[type], !known.contains(key) {
                collector.problem("\(type) provisioner", "The following settings shouldn't exist: \(key)", at: location)
            }
            options[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            return arguments.positional.first ?? .null
        }
        if let value = options[method] { return Settings.back(value) }
        if Self.known[type]?.contains(method) ?? true { return .null }
        throw interpreter.error("undefined method '\(method)' for the \(type) provisioner", at: location, className: "NoMethodError")
    }
}
