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

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            // `host_name` is Vagrant's alias of `hostname`, kept from version 1.
            let key = method == "host_name=" ? "hostname" : String(method.dropLast())
            guard Self.settings.contains(key) else {
                collector.problem("vm", "The following settings shouldn't exist: \(key)", at: location)
                return arguments.positional.first ?? .null
            }
            box.draft.vm[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            box.draft.settingLocations["vm." + key] = location
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
                // Vagrant keeps a define inside a define on the inner machine's configuration, which
                // nothing reads: the machine does not exist.
                collector.warn(
                    "config.vm.define inside a define block is ignored (as in Vagrant): no machine is defined by it", at: location)
                return .null
            }
            guard let name = arguments.positional.first?.text, !name.isEmpty else {
                throw VagrantfileError.defineWithoutName(at: location)
            }
            // The name is a folder under .vagrant/machines: "." and ".." would be another machine's.
            guard name != "." && name != ".." else {
                throw VagrantfileError.machineNameNamesOtherFolder(name, at: location)
            }
            // Vagrant refuses only these when it validates; a "/" would also leave the machine's folder.
            if name.contains(where: { "[]{}/".contains($0) }) {
                collector.problem("vm", "The sub-VM name '\(name)' is invalid. Please don't use special characters.", at: location)
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
            if let block = arguments.block {
                // `config.vm.cloud_init :user_data do |c| c.content_type = ...; c.path = ... end`:
                // the block's settings, as Vagrant's config object takes them.
                let settings = ProvisionerConfigObject(type: method, options: entry)
                _ = try block.call([.object(settings)], at: location)
                entry = settings.options
            }
            entry["type"] = .string(arguments.positional.first?.text ?? "")
            list.append(.object(entry))
            if method == "disk" { box.draft.diskLocations.append(location) }
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
        // `network(type, **options)`: on Ruby 3 a second positional argument, a hash in braces or
        // version 1's address, is an ArgumentError in Vagrant too.
        guard arguments.positional.count == 1 else {
            throw interpreter.error(
                "wrong number of arguments (given \(arguments.positional.count), expected 1): config.vm.network takes its options as keywords, e.g. config.vm.network \"private_network\", ip: \"192.168.56.10\"",
                at: location, className: "ArgumentError")
        }
        let options = try Settings.options(arguments, at: location, interpreter: interpreter)
        // Any other type (version 1's "hostonly" and "bridged" included) is refused when validated.
        let id: String
        if let given = options["id"]?.string {
            id = given
        } else if type == "forwarded_port" {
            id = (options["host_ip"]?.string ?? "") + (options["protocol"]?.string ?? "tcp") + (options["host"]?.string ?? "")
        } else {
            box.draft.unnamedNetworks += 1
            id = "\(type)-\(box.draft.unnamedNetworks)"
        }
        if let index = box.draft.networks.firstIndex(where: { $0.type == type && $0.id == id }) {
            box.draft.networks[index].options.merge(options) { $1 }
            box.draft.networks[index].location = location
        } else {
            box.draft.networks.append(.init(type: type, id: id, options: options, location: location))
        }
        box.touched = true
    }

    private func syncedFolder(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        guard let host = arguments.positional.first?.text else {
            throw VagrantfileError.syncedFolderWithoutPaths(at: location)
        }
        // `synced_folder(hostpath, guestpath, options = nil)`: the options may come as a hash in braces,
        // and in place of the guest path when a `name:` says what to share.
        var rawGuest: String?
        var options = try Settings.options(arguments, at: location, interpreter: interpreter)
        for given in arguments.positional.dropFirst().prefix(2) {
            if case .hash(let pairs) = given {
                options.merge(try Settings.options(Arguments(positional: [], keywords: pairs), at: location, interpreter: interpreter)) {
                    $1
                }
            } else if case .null = given {
            } else if rawGuest == nil {
                rawGuest = given.text
            }
        }
        guard arguments.positional.count >= 2 || !options.isEmpty else {
            throw VagrantfileError.syncedFolderWithoutPaths(at: location)
        }
        // Vagrant drops one trailing slash of the guest path.
        let guest = rawGuest.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
        // Vagrant merges folders by `name:` (else the guest path); `id:` is the provider's share name.
        let id = options["name"]?.string ?? rawGuest ?? ""
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
        // What Vagrant's `provision` takes for itself before the rest become the provisioner's settings.
        var own: [String: ConfigValue] = [:]
        for key in ["run", "preserve_order", "communicator_required", "before", "after"] {
            own[key] = options.removeValue(forKey: key)
        }
        if options["id"] != nil {
            // The pre-1.8 `id:` still reaches `config.vm.id`, which Vagrant has no more.
            collector.problem("vm", "The following settings shouldn't exist: id", at: location)
        }
        let provisioner = ProvisionerConfigObject(type: type, options: options)
        if let block = arguments.block {
            _ = try block.call([.object(provisioner)], at: location)
        }
        options = provisioner.options.merging(own) { $1 }
        if !ProvisionerKind.types.contains(type) && !collector.pluginProvisioners.contains(type) {
            // Vagrant's words for a provisioner no plugin provides (vagrant-hosts, vagrant-reload, ...).
            collector.problem("vm", "The '\(name ?? type)' provisioner could not be found.", at: location)
        } else if ![
            "shell", "file", "ansible", "ansible_local", "docker", "podman", "puppet", "salt", "chef_solo", "chef_zero", "hostmanager",
        ].contains(
            type)
        {
            collector.warn("the \(type) provisioner is not supported by boxer yet; it will be skipped", at: location)
        }
        if !provisioner.unknownSettings.isEmpty {
            collector.problem(
                ProvisionerKind.heading(type),
                "The following settings shouldn't exist: \(provisioner.unknownSettings.sorted().joined(separator: ", "))", at: location)
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
